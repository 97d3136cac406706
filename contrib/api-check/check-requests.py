#!/usr/bin/env python3
"""Check recorded forge requests against the vendors' published API descriptions.

The integration tests' fake forges record every request they receive when
FASTREVERT_API_RECORD names a file (one JSON line each: method, path, query, body). This
script finds each Gitea/Forgejo and Azure DevOps request's operation in the given OpenAPI
(Swagger 2.0) descriptions and checks its method, its query parameters (declared, and the
required ones present) and every field of its JSON body (declared by the body's schema).

    FASTREVERT_API_RECORD=/tmp/requests.jsonl cargo test -q --test tests -- gitea azure
    python3 contrib/api-check/check-requests.py \
        --gitea gitea-swagger.v1.json --gitea forgejo-swagger.v1.json \
        --azure specification/git/7.1/git.json --azure specification/ims/7.1/identities.json \
        /tmp/requests.jsonl

Exit 0 when every request matches every description given for its forge, 1 otherwise.
"""

import argparse
import json
import sys
import urllib.parse


def load(path):
    with open(path, encoding="utf-8-sig") as f:
        return json.load(f)


def resolve(spec, node):
    """A schema with `$ref` and `allOf` followed: (properties, additionalProperties)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 50:
        name = node["$ref"].split("/")[-1]
        node = spec.get("definitions", {}).get(name, {})
        seen += 1
    props = dict(node.get("properties", {})) if isinstance(node, dict) else {}
    for part in node.get("allOf", []) if isinstance(node, dict) else []:
        more, _ = resolve(spec, part)
        props.update(more)
    extra = node.get("additionalProperties") if isinstance(node, dict) else None
    return props, extra


def body_problems(spec, schema, value, where="body"):
    """Every field of `value` the schema does not declare."""
    problems = []
    while isinstance(schema, dict) and "$ref" in schema:
        schema = spec.get("definitions", {}).get(schema["$ref"].split("/")[-1], {})
    if isinstance(value, dict):
        props, extra = resolve(spec, schema)
        for key, inner in value.items():
            if key in props:
                problems += body_problems(spec, props[key], inner, f"{where}.{key}")
            elif not extra:
                problems.append(f"{where}.{key} is not in the schema")
    elif isinstance(value, list):
        items = schema.get("items", {}) if isinstance(schema, dict) else {}
        for i, inner in enumerate(value):
            problems += body_problems(spec, items, inner, f"{where}[{i}]")
    return problems


def param(spec, p):
    if "$ref" in p:
        return spec.get("parameters", {}).get(p["$ref"].split("/")[-1], {})
    return p


def find_operation(spec, method, path, fold_case):
    """The operation whose path template matches best (most literal segments)."""
    want = [urllib.parse.unquote(s) for s in path.strip("/").split("/")]
    best = None
    for template, ops in spec.get("paths", {}).items():
        parts = template.strip("/").split("/")
        if len(parts) != len(want):
            continue
        literal = 0
        for t, w in zip(parts, want):
            if t.startswith("{") and t.endswith("}"):
                continue
            same = t.lower() == w.lower() if fold_case else t == w
            if not same:
                break
            literal += 1
        else:
            op = ops.get(method.lower())
            if op is not None and (best is None or literal > best[0]):
                best = (literal, template, op)
    return best


def check(spec, name, request, fold_case, prefix=""):
    path = prefix + request["path"]
    found = find_operation(spec, request["method"], path, fold_case)
    if found is None:
        return [f"{name}: no {request['method']} {path}"]
    _, template, op = found
    params = [param(spec, p) for p in op.get("parameters", [])]
    query = {p["name"] for p in params if p.get("in") == "query"}
    required = {p["name"] for p in params if p.get("in") == "query" and p.get("required")}
    sent = {k for k, _ in request.get("query", [])}
    problems = [f"{name}: {template}: query {k} is not declared" for k in sorted(sent - query)]
    problems += [f"{name}: {template}: required query {k} missing" for k in sorted(required - sent)]
    body = request.get("body")
    if body is not None:
        schemas = [p.get("schema", {}) for p in params if p.get("in") == "body"]
        if not schemas:
            problems.append(f"{name}: {template}: sends a body the operation does not take")
        else:
            problems += [f"{name}: {template}: {p}" for p in body_problems(spec, schemas[0], body)]
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gitea", action="append", default=[], help="a Gitea or Forgejo swagger.v1.json")
    ap.add_argument("--azure", action="append", default=[], help="an Azure DevOps REST spec (git.json, identities.json)")
    ap.add_argument("record", help="the FASTREVERT_API_RECORD file")
    args = ap.parse_args()

    gitea = [(p, load(p)) for p in args.gitea]
    azure = [(p, load(p)) for p in args.azure]
    seen = set()
    checked = {}
    failures = []
    with open(args.record) as f:
        for line in f:
            request = json.loads(line)
            key = json.dumps(request, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            path = request["path"]
            if path.startswith("/api/v1/") and gitea:
                request = dict(request, path=path[len("/api/v1"):])
                for name, spec in gitea:
                    label = f"{name} ({spec.get('info', {}).get('version', '?')})"
                    problems = check(spec, label, request, fold_case=False)
                    failures += problems
                checked.setdefault("Gitea/Forgejo", set()).add(f"{request['method']} {request['path']}")
            elif "/_apis/" in path and azure:
                # Azure's path starts at the organization, which is the fake's root here.
                matched = False
                for name, spec in azure:
                    if find_operation(spec, request["method"], "/org" + path, True) is None:
                        continue
                    matched = True
                    failures += check(spec, name, request, fold_case=True, prefix="/org")
                if not matched:
                    failures.append(f"Azure DevOps: no {request['method']} {path} in any spec given")
                checked.setdefault("Azure DevOps", set()).add(f"{request['method']} {path}")
    for forge, requests in sorted(checked.items()):
        print(f"{forge}: {len(requests)} distinct requests checked")
    for f in sorted(set(failures)):
        print(f"FAIL {f}")
    if not checked:
        print("no Gitea, Forgejo or Azure DevOps request in the record", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
