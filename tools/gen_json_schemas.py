#!/usr/bin/env python3
"""Writes tests/data/json_schemas/: JSON Schemas of real-world shapes for the
JSON Schema -> grammar tests (tests/conformance/json_schema.py) and the
constrained-generation suite. Deterministic (seeded): rerunning rewrites the
same files; `--check` verifies the committed corpus matches.

  gen_NNN_<shape>.json   generated: API payloads, configs, records, events,
                         with nesting, arrays, enums, $ref/$defs (recursive
                         too), anyOf/oneOf, formats, patterns, ranges
  hand_<name>.json       hand-picked shapes (OpenAI strict tool schemas,
                         pydantic output, JSON Schema draft features)
  err_<name>.json        schemas Wick must refuse; "x-wick-expect-error"
                         holds a substring of the expected message
"""
import json
import os
import random
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "json_schemas")

NAMES = ["id", "name", "title", "email", "created_at", "updated_at", "status", "priority", "tags",
         "price", "quantity", "currency", "description", "owner", "address", "city", "country",
         "zip", "phone", "url", "version", "enabled", "timeout", "retries", "count", "score",
         "rating", "latitude", "longitude", "user_id", "order_id", "sku", "color", "language",
         "items", "metadata", "notes", "due_date", "start_time", "level", "category", "amount",
         "percent", "age", "height", "weight", "ip", "host", "port", "path", "method", "code",
         "message", "author", "comments", "labels", "assignee", "region", "unit", "channel"]

PATTERNS = [r"^[0-9]{5}$", r"^\+?[0-9]{7,15}$", r"^[A-Z]{3}-[0-9]{4}$", r"^#[0-9a-fA-F]{6}$",
            r"^[a-z0-9]+(-[a-z0-9]+)*$", r"^\d+\.\d+\.\d+$", r"^[A-Z]{3}$",
            r"^[A-Z][a-z]+( [A-Z][a-z]+)?$", r"^(GET|POST|PUT|DELETE)$", r"^v[0-9]{1,2}$",
            r"^[a-z_][a-z0-9_]{0,15}$", r"^[A-Z]{2}[0-9]{2} ?[0-9]{4}$", r"^\w+$",
            r"^(https?)://[a-z]+\.(com|org|net)$", r"^ORD-\d{6}$"]
FORMATS = ["date", "date-time", "time", "uuid", "email", "uri", "ipv4", "hostname"]
WORDS = ["active", "inactive", "pending", "done", "low", "medium", "high", "urgent", "red",
         "green", "blue", "draft", "published", "archived", "USD", "EUR", "GBP", "small", "large",
         "north", "south", "admin", "viewer", "editor", "email", "sms", "push"]


def leaf(r):
    k = r.randrange(14)
    if k == 0:
        return {"type": "string"}
    if k == 1:
        lo = r.choice([0, 1, 2])
        return {"type": "string", "minLength": lo, "maxLength": lo + r.choice([5, 20, 64])}
    if k == 2:
        return {"type": "string", "enum": r.sample(WORDS, r.randint(2, 5))}
    if k == 3:
        return {"type": "string", "format": r.choice(FORMATS)}
    if k == 4:
        return {"type": "string", "pattern": r.choice(PATTERNS)}
    if k == 5:
        lo = r.choice([0, 1, -10, 18, 100])
        return {"type": "integer", "minimum": lo, "maximum": lo + r.choice([5, 99, 150, 1000, 65535])}
    if k == 6:
        return {"type": "integer"}
    if k == 7:
        s = {"type": "number"}
        c = r.randrange(4)
        if c == 0:
            s.update(minimum=0, maximum=r.choice([1, 100, 5]))
        elif c == 1:
            s.update(exclusiveMinimum=0)
        elif c == 2:
            s.update(minimum=-90, maximum=90)
        return s
    if k == 8:
        return {"type": "boolean"}
    if k == 9:
        return {"type": ["string", "null"], "maxLength": 40}
    if k == 10:
        return {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}
    if k == 11:
        return {"type": "array", "items": {"type": "string", "enum": r.sample(WORDS, 3)},
                "maxItems": r.choice([3, 5])}
    if k == 12:
        return {"const": r.choice(WORDS)}
    return {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 100},
            "minItems": r.choice([0, 1]), "maxItems": r.choice([4, 10])}


def obj(r, depth, n_min=2, n_max=7):
    names = r.sample(NAMES, r.randint(n_min, n_max))
    props = {}
    for nm in names:
        if depth > 0 and r.random() < 0.25:
            props[nm] = obj(r, depth - 1, 1, 4)
        elif depth > 0 and r.random() < 0.15:
            props[nm] = {"type": "array", "items": obj(r, depth - 1, 1, 3), "maxItems": 3}
        else:
            props[nm] = leaf(r)
        if r.random() < 0.2:
            props[nm]["description"] = "The " + nm.replace("_", " ") + "."
    s = {"type": "object", "properties": props}
    mode = r.randrange(3)
    if mode == 0:
        s["required"] = list(names)
    elif mode == 1:
        s["required"] = [n for n in names if r.random() < 0.5]
    c = r.randrange(5)
    if c == 0:
        s["additionalProperties"] = False
    elif c == 1:
        s["additionalProperties"] = {"type": "string", "maxLength": 10}
    return s


def with_defs(r):
    s = obj(r, 1)
    defs = {"Address": {"type": "object", "properties": {
        "street": {"type": "string"}, "city": {"type": "string"},
        "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
        "country": {"type": "string", "enum": ["US", "FR", "DE", "JP"]}},
        "required": ["street", "city"]},
        "Money": {"type": "object", "properties": {
            "amount": {"type": "number", "minimum": 0}, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}},
            "required": ["amount", "currency"], "additionalProperties": False}}
    key = r.choice(["$defs", "definitions"])
    s[key] = defs
    s["properties"]["shipping"] = {"$ref": "#/%s/Address" % key}
    s["properties"]["total"] = {"$ref": "#/%s/Money" % key}
    if r.random() < 0.5:
        s.setdefault("required", []).append("total")
    return s


def recursive(r):
    kind = r.randrange(3)
    if kind == 0:  # category tree
        return {"$defs": {"node": {"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 30},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 3}},
            "required": ["name"]}}, "$ref": "#/$defs/node"}
    if kind == 1:  # linked list through the root
        return {"type": "object", "properties": {
            "value": {"type": "integer", "minimum": r.choice([0, -5]), "maximum": 1000},
            "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}, "required": ["value", "next"]}
    return {"definitions": {"comment": {"type": "object", "properties": {
        "author": {"type": "string", "format": "email"}, "body": {"type": "string"},
        "replies": {"type": "array", "items": {"$ref": "#/definitions/comment"}}},
        "required": ["author", "body"], "additionalProperties": False}},
        "type": "object", "properties": {"thread": {"type": "array", "items": {"$ref": "#/definitions/comment"}, "maxItems": 4}},
        "required": ["thread"]}


def union(r):
    shapes = []
    for kind in r.sample(["circle", "square", "text", "image", "video"], r.randint(2, 3)):
        o = obj(r, 0, 1, 3)
        o["properties"] = dict([("kind", {"const": kind})] + list(o["properties"].items()))
        o["required"] = ["kind"] + [n for n in o.get("required", []) if n != "kind"]
        shapes.append(o)
    return {r.choice(["anyOf", "oneOf"]): shapes}


def top_array(r):
    s = {"type": "array", "items": obj(r, 1, 2, 4), "minItems": r.choice([0, 1]), "maxItems": r.choice([3, 5])}
    if r.random() < 0.3:
        s = {"type": "array", "prefixItems": [{"type": "string", "format": "date"}, {"type": "number"}],
             "items": leaf(r), "maxItems": 4}
    return s


def generated(n=200, seed=20261125):
    r = random.Random(seed)
    out = []
    kinds = [("object", lambda: obj(r, 2)), ("defs", lambda: with_defs(r)),
             ("recursive", lambda: recursive(r)), ("union", lambda: union(r)),
             ("array", lambda: top_array(r)), ("flat", lambda: obj(r, 0, 4, 10))]
    for i in range(n):
        name, fn = kinds[i % len(kinds)] if i % 7 else kinds[0]
        s = fn()
        if r.random() < 0.2:
            s = dict([("$schema", "https://json-schema.org/draft/2020-12/schema"), ("title", "Shape %d" % i)] + list(s.items()))
        out.append(("gen_%03d_%s" % (i, name), s))
    return out


HAND = {
    # OpenAI strict function parameters: all required, optional via null
    "hand_openai_weather": {"type": "object", "properties": {
        "location": {"type": "string", "description": "City and country e.g. Paris, France"},
        "units": {"type": ["string", "null"], "enum": ["celsius", "fahrenheit", None]}},
        "required": ["location", "units"], "additionalProperties": False},
    # pydantic v2 model_json_schema output
    "hand_pydantic_user": {"$defs": {"Role": {"enum": ["admin", "user"], "title": "Role", "type": "string"}},
        "properties": {"id": {"title": "Id", "type": "integer"},
                       "name": {"maxLength": 50, "minLength": 1, "title": "Name", "type": "string"},
                       "email": {"anyOf": [{"format": "email", "type": "string"}, {"type": "null"}], "default": None, "title": "Email"},
                       "role": {"$ref": "#/$defs/Role", "default": "user"},
                       "tags": {"items": {"type": "string"}, "title": "Tags", "type": "array"}},
        "required": ["id", "name"], "title": "User", "type": "object"},
    "hand_pydantic_v1_allof": {"definitions": {"Point": {"title": "Point", "type": "object",
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "required": ["x", "y"]}},
        "title": "Line", "type": "object", "properties": {
            "start": {"title": "Start", "allOf": [{"$ref": "#/definitions/Point"}]},
            "end": {"title": "End", "allOf": [{"$ref": "#/definitions/Point"}]}}, "required": ["start", "end"]},
    "hand_allof_extend": {"$defs": {"Base": {"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "created": {"type": "string", "format": "date-time"}},
        "required": ["id"]}}, "allOf": [{"$ref": "#/$defs/Base"}, {"properties": {
            "title": {"type": "string"}, "done": {"type": "boolean"}}, "required": ["title"]}]},
    "hand_anyof_siblings": {"type": "object", "properties": {"email": {"type": "string", "format": "email"},
        "phone": {"type": "string", "pattern": "^\\+[0-9]{8,14}$"}},
        "anyOf": [{"required": ["email"]}, {"required": ["phone"]}], "additionalProperties": False},
    "hand_tuple_draft7": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "array", "items": [{"type": "number"}, {"type": "number"}, {"enum": ["m", "km"]}],
        "additionalItems": False, "minItems": 2},
    "hand_geojson_point": {"type": "object", "properties": {"type": {"const": "Point"},
        "coordinates": {"type": "array", "prefixItems": [{"type": "number", "minimum": -180, "maximum": 180},
                                                         {"type": "number", "minimum": -90, "maximum": 90}],
                        "minItems": 2, "items": False}}, "required": ["type", "coordinates"]},
    "hand_nullable_openapi": {"type": "object", "properties": {"nickname": {"type": "string", "nullable": True},
        "age": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 150}}, "required": ["age"]},
    "hand_draft4_exclusive": {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
        "properties": {"ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1},
                       "n": {"type": "integer", "minimum": 1, "maximum": 10, "exclusiveMaximum": True}},
        "required": ["ratio", "n"]},
    "hand_dictionary": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    "hand_any": {},
    "hand_boolean_true": True,
    "hand_unicode_enum": {"enum": ["caf\u00e9", "na\u00efve", "\u65e5\u672c", "a\"b", "back\\slash"]},
    "hand_unicode_keys": {"type": "object", "properties": {"pr\u00e9nom": {"type": "string"},
        "\u540d\u524d": {"type": "string"}, "with space": {"type": "integer"}}, "required": ["pr\u00e9nom"]},
    "hand_tool_call_args": {"type": "object", "properties": {
        "query": {"type": "string", "minLength": 1}, "max_results": {"type": "integer", "minimum": 1, "maximum": 50},
        "filters": {"type": "object", "properties": {"since": {"type": "string", "format": "date"},
                                                      "lang": {"type": "string", "enum": ["en", "fr", "de"]}}}},
        "required": ["query"]},
    "hand_json_patch": {"type": "array", "items": {"oneOf": [
        {"type": "object", "properties": {"op": {"enum": ["add", "replace"]}, "path": {"type": "string", "pattern": "^(/[a-z0-9]+)+$"},
                                          "value": {}}, "required": ["op", "path", "value"], "additionalProperties": False},
        {"type": "object", "properties": {"op": {"const": "remove"}, "path": {"type": "string"}},
         "required": ["op", "path"], "additionalProperties": False}]}, "minItems": 1},
    "hand_k8s_probe": {"type": "object", "properties": {"httpGet": {"type": "object", "properties": {
        "path": {"type": "string"}, "port": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535},
                                                         {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,14}$"}]}},
        "required": ["port"]}, "initialDelaySeconds": {"type": "integer", "minimum": 0},
        "periodSeconds": {"type": "integer", "minimum": 1, "maximum": 3600}}, "additionalProperties": False},
    "hand_ip_host": {"type": "object", "properties": {"v4": {"type": "string", "format": "ipv4"},
        "v6": {"type": "string", "format": "ipv6"}, "host": {"type": "string", "format": "hostname"},
        "at": {"type": "string", "format": "time"}}, "required": ["v4", "v6", "host", "at"]},
    "hand_mixed_types": {"type": ["integer", "string", "boolean", "null"], "minimum": 0, "maximum": 9, "maxLength": 3},
    "err_not": {"x-wick-expect-error": "unsupported keyword 'not'", "type": "object",
                "properties": {"a": {"not": {"type": "null"}}}},
    "err_if_then": {"x-wick-expect-error": "unsupported keyword 'if'", "if": {"properties": {"a": {"const": 1}}}, "then": {"required": ["b"]}},
    "err_pattern_properties": {"x-wick-expect-error": "schema at $: unsupported keyword 'patternProperties'",
                               "type": "object", "patternProperties": {"^S_": {"type": "string"}}},
    "err_dependent": {"x-wick-expect-error": "schema at $.properties.card: unsupported keyword 'dependentRequired'",
                      "type": "object", "properties": {"card": {"type": "object", "dependentRequired": {"a": ["b"]}}}},
    "err_unique": {"x-wick-expect-error": "'uniqueItems'", "type": "array", "items": {"type": "string"}, "uniqueItems": True},
    "err_lookahead": {"x-wick-expect-error": "lookahead", "type": "string", "pattern": "^(?=.*[A-Z]).{8,}$"},
    "err_remote_ref": {"x-wick-expect-error": "only local refs", "$ref": "https://example.com/schemas/address.json"},
    "err_format": {"x-wick-expect-error": "unsupported format 'duration'", "type": "string", "format": "duration"},
    "err_multipleof": {"x-wick-expect-error": "'multipleOf'", "type": "number", "multipleOf": 0.01},
    "err_unevaluated": {"x-wick-expect-error": "'unevaluatedProperties'", "allOf": [{"type": "object"}], "unevaluatedProperties": False},
}


def main():
    check = "--check" in sys.argv
    files = {name + ".json": s for name, s in generated()}
    files.update({name + ".json": s for name, s in HAND.items()})
    os.makedirs(OUT, exist_ok=True)
    bad = 0
    for fname, s in sorted(files.items()):
        text = json.dumps(s, indent=2, ensure_ascii=False) + "\n"
        path = os.path.join(OUT, fname)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == text
            except OSError:
                same = False
            if not same:
                print("differs from the generator: " + path)
                bad += 1
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if not check:
        for f in os.listdir(OUT):
            if f not in files:
                os.remove(os.path.join(OUT, f))
    print("%s %d schemas in %s" % ("checked" if check else "wrote", len(files), os.path.normpath(OUT)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
