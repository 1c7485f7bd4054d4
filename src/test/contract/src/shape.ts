/**
 * Runtime checks of a response against the SDK's declared types. The SDK validates nothing at run time, so a
 * response it "accepts" could still break its users; these checks make the .d.ts the contract. Each check
 * carries the type it proves, and `object<T>` demands a check for every field T declares, split into T's
 * required and optional fields: tsc refuses a shape that forgets a field, calls an optional one required or
 * the reverse, or checks a field more leniently than its declared type (a nullable check for a non-null field).
 */

export type Check<V> = {
  readonly run: (value: unknown, path: string) => void;
  /** Phantom: only a check whose proven type fits the field's declared type can stand for that field. */
  readonly proves?: V;
};

type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type OptionalKeys<T> = Exclude<keyof T, RequiredKeys<T>>;

export type Required<T> = { [K in RequiredKeys<T>]-?: Check<T[K]> };
export type Optional<T> = { [K in OptionalKeys<T>]-?: Check<Exclude<T[K], undefined>> };

export class ShapeError extends Error {}

function fail(path: string, expected: string, value: unknown): never {
  // The test's output is printed: a token is never, whatever shape it came in.
  const shown = /access_token|secret/i.test(path) ? '(redacted)' : JSON.stringify(value);
  throw new ShapeError(`${path}: expected ${expected}, got ${shown}`);
}

function check<V>(run: (value: unknown, path: string) => void): Check<V> {
  return { run };
}

export const str: Check<string> = check((v, p) => {
  if (typeof v !== 'string') fail(p, 'a string', v);
});

export const nonEmpty: Check<string> = check((v, p) => {
  if (typeof v !== 'string' || v.length === 0) fail(p, 'a non-empty string', v);
});

export const bool: Check<boolean> = check((v, p) => {
  if (typeof v !== 'boolean') fail(p, 'a boolean', v);
});

export function oneOf<const V extends string>(...values: V[]): Check<V> {
  return check((v, p) => {
    if (typeof v !== 'string' || !(values as string[]).includes(v)) fail(p, `one of ${values.join(', ')}`, v);
  });
}

export function nullable<V>(inner: Check<V>): Check<V | null> {
  return check((v, p) => {
    if (v !== null) inner.run(v, p);
  });
}

export function arrayOf<V>(item: Check<V>): Check<Array<V>> {
  return check((v, p) => {
    if (!Array.isArray(v)) fail(p, 'an array', v);
    v.forEach((element, i) => item.run(element, `${p}[${i}]`));
  });
}

export const anyObject: Check<{ [key: string]: unknown }> = check((v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'an object', v);
});

export function object<T>(required: Required<T>, optional: Optional<T>): Check<T> {
  return check((v, p) => {
    anyObject.run(v, p);
    const fields = v as Record<string, unknown>;
    for (const [name, field] of Object.entries(required) as [string, Check<unknown>][]) {
      if (fields[name] === undefined) fail(`${p}.${name}`, 'a required field', fields[name]);
      field.run(fields[name], `${p}.${name}`);
    }
    for (const [name, field] of Object.entries(optional) as [string, Check<unknown>][]) {
      if (fields[name] !== undefined) field.run(fields[name], `${p}.${name}`);
    }
  });
}

/** Checks `value` and narrows it to the type the check proves. */
export function expectShape<V>(shape: Check<V>, value: unknown, name: string): V {
  shape.run(value, name);
  return value as V;
}

/**
 * For the SDK's deep capability maps (supported fields, benefits support), whose every field is optional all
 * the way down: any object satisfies them. tsc accepts this check only for a type without a required field.
 */
export function allOptional<T extends object>(..._onlyIfNothingRequired: {} extends T ? [] : [never]): Check<T> {
  return anyObject as Check<T>;
}
