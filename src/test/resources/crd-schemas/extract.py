#!/usr/bin/env python3
"""Vendors one served version's openAPIV3Schema of a CustomResourceDefinition as JSON, without descriptions.

    extract.py CRD.yaml VERSION OUT.json      (CRD.yaml: the operator's CRD at the pinned release; - reads stdin)

Only "description" keywords are dropped (a property *named* description stays); everything that validates
(types, properties, required, enums, patterns, oneOf/anyOf, x-kubernetes-*) is kept as the operator ships it.
The tests add Kubernetes' pruning of unknown fields themselves (CustomResourceSchemas.java).
"""
import json
import sys

import yaml

SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def strip(schema):
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "description":
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: strip(sub) for name, sub in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [strip(sub) for sub in value]
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = strip(value)
        else:
            out[key] = value
    return out


def main(source, version, target):
    text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    crds = [doc for doc in yaml.safe_load_all(text) if doc and doc.get("kind") == "CustomResourceDefinition"]
    if len(crds) != 1:
        sys.exit(f"{source}: expected one CustomResourceDefinition, found {len(crds)}")
    served = [v for v in crds[0]["spec"]["versions"] if v["name"] == version and v.get("served", True)]
    if not served:
        sys.exit(f"{source}: version {version} is not served")
    schema = strip(served[0]["schema"]["openAPIV3Schema"])
    with open(target, "w", encoding="utf-8") as out:
        json.dump(schema, out, indent=1, sort_keys=True)
        out.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
