/**
 * The contract test: Finch's official TypeScript SDK, @tryfinch/finch-api, as the client of our Finch
 * simulator. Every response is held to the SDK's declared types (see shape.ts); any step that fails makes
 * the process exit non-zero, which fails the JUnit test that runs it (SdkContractIT).
 */
import Finch from '@tryfinch/finch-api';
import { randomUUID } from 'node:crypto';
import { authorizeByRedirect, authorizeEmbedded } from './connect-page';
import {
  accountUpdateEvent, automatedAsyncJob, createAccessTokenResponse, disconnectEntityResponse, disconnectResponse, introspection,
  jobCompletionEvent, sessionNewResponse, sessionReauthenticateResponse,
} from './sdk-shapes';
import { expectShape } from './shape';
import { WebhookReceiver } from './webhook-receiver';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const simulatorUrl = env('FINCH_SIMULATOR_URL');
const redirectUri = env('FINCH_REDIRECT_URI');
const webhookSecret = env('FINCH_WEBHOOK_SECRET');
// No retries: a response the SDK would retry is itself a finding here.
const finch = new Finch({
  baseURL: simulatorUrl, clientID: env('FINCH_CLIENT_ID'), clientSecret: env('FINCH_CLIENT_SECRET'), webhookSecret,
  maxRetries: 0, timeout: 20_000,
});
const webhooks = new WebhookReceiver();
const products: ('company' | 'directory')[] = ['company', 'directory'];
let failed = 0;
let passed = 0;

async function step(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${e instanceof Error ? e.message : String(e)}`);
  }
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function refused(call: () => Promise<unknown>): Promise<InstanceType<typeof Finch.APIError>> {
  try {
    await call();
  } catch (e) {
    if (e instanceof Finch.APIError) return e;
    throw e;
  }
  throw new Error('the call succeeded');
}

function errorName(e: InstanceType<typeof Finch.APIError>): unknown {
  return (e.error as { name?: unknown } | undefined)?.name;
}

function tokenClient(accessToken: string): Finch {
  return finch.withOptions({ accessToken });
}

async function newRedirectSession(customerId: string) {
  const session = await finch.connect.sessions
    .new({ customer_id: customerId, customer_name: `Contract ${customerId}`, products, redirect_uri: redirectUri });
  return expectShape(sessionNewResponse, session, 'SessionNewResponse');
}

async function connectByRedirect(customerId: string) {
  const session = await newRedirectSession(customerId);
  const code = (await authorizeByRedirect(simulatorUrl, session.session_id, 'gusto')).get('code');
  assert(code !== null, 'the redirect carries no code');
  const token = await finch.accessTokens.create({ code, redirect_uri: redirectUri });
  return expectShape(createAccessTokenResponse, token, 'CreateAccessTokenResponse');
}

async function control(method: string, path: string, body?: object): Promise<unknown> {
  const response = await fetch(`${simulatorUrl}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function main(): Promise<void> {
  await webhooks.listen(Number(env('WEBHOOK_RECEIVER_PORT')));

  await step('sessions.new: 201 with a session_id and the connect_url of that session', async () => {
    const customerId = `contract-${randomUUID()}`;
    const { data, response } = await finch.connect.sessions
      .new({ customer_id: customerId, customer_name: 'Contract', products, redirect_uri: redirectUri }).withResponse();
    assert(response.status === 201, `sessions.new answered ${response.status}, Finch answers 201`);
    const session = expectShape(sessionNewResponse, data, 'SessionNewResponse');
    assert(session.connect_url.startsWith(`${simulatorUrl}/authorize?session=${session.session_id}`), session.connect_url);
  });

  await step('sessions.new again for a customer not yet connected refreshes the same session', async () => {
    const customerId = `contract-${randomUUID()}`;
    const first = await newRedirectSession(customerId);
    const again = await newRedirectSession(customerId);
    assert(again.session_id === first.session_id, `a new session ${again.session_id} instead of ${first.session_id}`);
  });

  await step('accessTokens.create (redirect flow) takes the code with the session\'s redirect_uri', async () => {
    const customerId = `contract-${randomUUID()}`;
    const token = await connectByRedirect(customerId);
    assert(token.customer_id === customerId, `customer_id ${token.customer_id}`);
    assert(token.provider_id === 'gusto', `provider_id ${token.provider_id}`);
  });

  await step('accessTokens.create refuses a redirect-flow code without its redirect_uri', async () => {
    const session = await newRedirectSession(`contract-${randomUUID()}`);
    const code = (await authorizeByRedirect(simulatorUrl, session.session_id, 'gusto')).get('code')!;
    const error = await refused(() => finch.accessTokens.create({ code }));
    assert(error instanceof Finch.BadRequestError, `status ${error.status}`);
    assert(errorName(error) === 'invalid_grant_error', `name ${JSON.stringify(errorName(error))}`);
  });

  await step('accessTokens.create (embedded flow) takes the posted code without a redirect_uri', async () => {
    const customerId = `contract-${randomUUID()}`;
    const session = expectShape(sessionNewResponse,
      await finch.connect.sessions.new({ customer_id: customerId, customer_name: 'Embedded', products }), 'SessionNewResponse');
    const message = await authorizeEmbedded(simulatorUrl, session.session_id, { provider: 'bamboo_hr', state: 'e-1' });
    assert(message.kind === 'success', `kind ${message.kind}`);
    assert(message.state === 'e-1', `state ${message.state}`);
    const token = expectShape(createAccessTokenResponse, await finch.accessTokens.create({ code: message.code }),
      'CreateAccessTokenResponse');
    assert(token.customer_id === customerId && token.provider_id === 'bamboo_hr', JSON.stringify(token.provider_id));
  });

  await step('the embedded page\'s closed and error messages are react-connect\'s', async () => {
    const session = await finch.connect.sessions.new({ customer_id: `contract-${randomUUID()}`, customer_name: 'E', products });
    const closed = await authorizeEmbedded(simulatorUrl, session.session_id, { action: 'cancel' });
    assert(closed.kind === 'closed', `kind ${closed.kind}`);
    const invalid = await authorizeEmbedded(simulatorUrl, session.session_id, {});
    assert(invalid.kind === 'error' && invalid.error.type === 'validation_error', JSON.stringify(invalid));
    await control('PUT', '/_control/providers/justworks/outage', {});
    try {
      const outage = await authorizeEmbedded(simulatorUrl, session.session_id, { provider: 'justworks' });
      assert(outage.kind === 'error' && outage.error.type === 'employer_connection_error' && !outage.error.shouldClose,
        JSON.stringify(outage));
    } finally {
      await control('DELETE', '/_control/providers/justworks/outage');
    }
  });

  await step('account.introspect describes the connection in every field the SDK declares', async () => {
    const customerId = `contract-${randomUUID()}`;
    const token = await connectByRedirect(customerId);
    const found = expectShape(introspection, await tokenClient(token.access_token).account.introspect(), 'Introspection');
    assert(found.connection_id === token.connection_id, `connection_id ${found.connection_id}`);
    assert(found.customer_id === customerId, `customer_id ${found.customer_id}`);
    assert(found.connection_status.status === 'connected', `status ${found.connection_status.status}`);
  });

  await step('sessions.reauthenticate: a new token for the same connection, the old one still valid', async () => {
    const first = await connectByRedirect(`contract-${randomUUID()}`);
    const session = expectShape(sessionReauthenticateResponse,
      await finch.connect.sessions.reauthenticate({ connection_id: first.connection_id, redirect_uri: redirectUri }),
      'SessionReauthenticateResponse');
    const code = (await authorizeByRedirect(simulatorUrl, session.session_id, 'gusto')).get('code')!;
    const second = expectShape(createAccessTokenResponse,
      await finch.accessTokens.create({ code, redirect_uri: redirectUri }), 'CreateAccessTokenResponse');
    assert(second.connection_id === first.connection_id, `connection ${second.connection_id}`);
    assert(second.access_token !== first.access_token, 'the same access token again');
    for (const accessToken of [first.access_token, second.access_token]) {
      const found = expectShape(introspection, await tokenClient(accessToken).account.introspect(), 'Introspection');
      assert(found.connection_id === first.connection_id, `connection ${found.connection_id}`);
    }
  });

  await step('webhooks.unwrap verifies the simulator\'s account.updated delivery and rejects a tampered one', async () => {
    const token = await connectByRedirect(`contract-${randomUUID()}`);
    await control('POST', `/_control/connections/${token.connection_id}/status`, { status: 'reauth' });
    const delivery = await webhooks.take((body) => body.includes(token.connection_id) && body.includes('account.updated'));
    const event = expectShape(accountUpdateEvent, finch.webhooks.unwrap(delivery.body, delivery.headers), 'AccountUpdateEvent');
    assert(event.connection_id === token.connection_id, `connection_id ${event.connection_id}`);
    assert(event.data?.status === 'reauth', `status ${event.data?.status}`);
    const tampered = delivery.body.replace('"reauth"', '"connected"');
    assert(tampered !== delivery.body, 'nothing to tamper with');
    let rejected = false;
    try {
      finch.webhooks.unwrap(tampered, delivery.headers);
    } catch {
      rejected = true;
    }
    assert(rejected, 'unwrap accepted a tampered body');
  });

  await step('webhooks.unwrap verifies a job completion delivery; jobs.automated.retrieve reads its job', async () => {
    const token = await connectByRedirect(`contract-${randomUUID()}`);
    await control('POST', `/_control/connections/${token.connection_id}/jobs`, { type: 'data_sync_all', status: 'complete' });
    const delivery = await webhooks.take((body) => body.includes(token.connection_id) && body.includes('job.data_sync_all.completed'));
    const event = expectShape(jobCompletionEvent, finch.webhooks.unwrap(delivery.body, delivery.headers), 'JobCompletionEvent');
    assert(event.event_type === 'job.data_sync_all.completed', `event_type ${event.event_type}`);
    const job = expectShape(automatedAsyncJob,
      await tokenClient(token.access_token).jobs.automated.retrieve(event.data!.job_id), 'AutomatedAsyncJob');
    assert(job.job_id === event.data!.job_id && job.status === 'complete' && job.type === 'data_sync_all', JSON.stringify(job));
  });

  await step('account.disconnectEntity removes one entity of a multi-entity connection, the others stay connected', async () => {
    const session = await newRedirectSession(`contract-${randomUUID()}`);
    // Finch Connect lets the employer pick several entities; the control endpoint stands for that choice.
    const { code } = await control('POST', `/_control/sessions/${session.session_id}/complete`,
      { provider: 'gusto', entities: 2 }) as { code: string };
    const token = expectShape(createAccessTokenResponse, await finch.accessTokens.create({ code, redirect_uri: redirectUri }),
      'CreateAccessTokenResponse');
    assert(token.entity_ids.length === 2, `entity_ids ${JSON.stringify(token.entity_ids)}`);
    const client = tokenClient(token.access_token);
    const entities = expectShape(introspection, await client.account.introspect(), 'Introspection').entities ?? [];
    assert(entities.length === 2 && entities.every((e) => e.status === 'connected'), JSON.stringify(entities));
    const removed = token.entity_ids[0];
    expectShape(disconnectEntityResponse, await client.account.disconnectEntity({ entity_ids: [removed] }),
      'DisconnectEntityResponse');
    const after = expectShape(introspection, await client.account.introspect(), 'Introspection');
    assert(after.entities?.find((e) => e.id === removed)?.status === 'disconnected', JSON.stringify(after.entities));
    assert(after.entities?.find((e) => e.id === token.entity_ids[1])?.status === 'connected', JSON.stringify(after.entities));
  });

  await step('account.disconnect ends the connection: every token of it is refused after', async () => {
    const token = await connectByRedirect(`contract-${randomUUID()}`);
    const client = tokenClient(token.access_token);
    expectShape(disconnectResponse, await client.account.disconnect(), 'DisconnectResponse');
    const error = await refused(() => client.account.introspect());
    assert(error instanceof Finch.AuthenticationError, `status ${error.status}`);
  });

  webhooks.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 2;
});
