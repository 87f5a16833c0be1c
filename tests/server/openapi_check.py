#!/usr/bin/env python3
"""openapi_check.py -- checks `bulwark serve` against its OpenAPI document
(GET /openapi.json) with real requests, for tests/server/openapi.sh:

    openapi_check.py URL CASES [--doc FILE] [--site-map] [--header 'K: V']...

--doc: the document to check against (default: the server's own).
--site-map: also check that the document's paths are the server's routes
(GET /site-map, `<name>` for `{name}`), and that each operation's path
and method are served (a request is not answered 404 or 405 by the
router).
CASES: one request a line, `CODE METHOD TARGET [BODYFILE | form:FIELD=FILE]`:
the status the server must answer, and what to send (a file as the body, or
as a multipart/form-data body's one part). For each documented path, GET or
POST when the document lacks it must be the router's 405. Each answer's status must be in the
operation's responses (or its default), its Content-Type among that
response's media types, and its body valid against the media type's schema
under JSON Schema 2020-12 (jsonschema.Draft202012Validator; $refs resolved
in the document): JSON bodies whole, application/x-ndjson line by line,
text/plain as a string. Every GET operation of the document must have a
case. A request no operation covers (an unknown path, a method the path
lacks) must be 404 or 405 with an Error body. Prints each failure; exits
1 if there is any.
"""
import json
import re
import sys
import urllib.error
import urllib.request

from jsonschema import Draft202012Validator

failures = []


def fail(msg):
    failures.append(msg)
    print("openapi_check: " + msg, file=sys.stderr)


def multipart(field, path):
    """A multipart/form-data body with one file part: (body, content type)."""
    boundary = "openapicheck7c1f"
    data = open(path, "rb").read()
    body = (("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"f\"\r\n"
             "Content-Type: application/octet-stream\r\n\r\n" % (boundary, field)).encode()
            + data + ("\r\n--%s--\r\n" % boundary).encode())
    return body, "multipart/form-data; boundary=" + boundary


def fetch(url, method="GET", body=None, headers=(), ctype=None):
    req = urllib.request.Request(url, data=body, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    for h in headers:
        k, v = h.split(":", 1)
        req.add_header(k.strip(), v.strip())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def template_re(path):
    """/c/bank/{bank_name} -> a regex for concrete paths."""
    return re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")


def operation_of(doc, method, path):
    for p, item in doc["paths"].items():
        if template_re(p).match(path) and method.lower() in item:
            return p, item[method.lower()]
    return None, None


def validate(doc, schema, instance, what):
    root = dict(schema)
    root["components"] = doc.get("components", {})
    errors = sorted(Draft202012Validator(root).iter_errors(instance), key=str)
    for e in errors[:3]:
        fail("%s: %s (at %s)" % (what, e.message, "/".join(map(str, e.absolute_path))))
    return not errors


def check_case(doc, url, code, method, target, body, headers, body_type=None):
    status, ctype, data = fetch(url + target, method, body, headers, body_type)
    what = "%s %s -> %d" % (method, target, status)
    if status != int(code):
        fail("%s: expected %s" % (what, code))
    path = target.split("?", 1)[0]
    tmpl, op = operation_of(doc, method, path)
    if not op and status in (404, 405):  # no route: the router's error, an Error
        validate(doc, {"$ref": "#/components/schemas/Error"}, json.loads(data), what)
        return None
    if not op:
        fail("%s: no operation in the document" % what)
        return None
    responses = op.get("responses", {})
    resp = responses.get(str(status)) or responses.get("default")
    if not resp:
        fail("%s: status not in the document's responses" % what)
        return tmpl
    mtype = ctype.split(";", 1)[0].strip()
    content = resp.get("content", {})
    if mtype not in content:
        fail("%s: Content-Type %s not among %s" % (what, mtype, sorted(content)))
        return tmpl
    schema = content[mtype].get("schema", {})
    text = data.decode("utf-8")
    if mtype == "application/json":
        validate(doc, schema, json.loads(text), what)
    elif mtype == "application/x-ndjson":
        for i, line in enumerate(text.splitlines(), 1):
            validate(doc, schema, json.loads(line), "%s line %d" % (what, i))
    else:
        validate(doc, schema, text, what)
    return tmpl


def check_site_map(doc, url, headers):
    status, _, data = fetch(url + "/site-map", headers=headers)
    routes = {re.sub(r"<[a-z]+:", "<", r) for r in json.loads(data)}  # Flask's <int:x> is {x}
    documented = {re.sub(r"\{([^}]*)\}", r"<\1>", p) for p in doc["paths"]}
    for r in sorted(routes - documented):
        fail("route %s is served but not in the document" % r)
    for r in sorted(documented - routes):
        fail("path %s is in the document but not served" % r)
    for p, item in doc["paths"].items():
        # a value for each path parameter: an integer where Flask's int converter wants one
        concrete = re.sub(r"\{[^}]*_id\}", "1", re.sub(r"\{[a-z]+_name\}", "x", p))
        concrete = re.sub(r"\{[^}]*\}", "x", concrete)
        for method in item:
            if method not in ("get", "post", "put", "delete", "patch"):
                continue
            status, _, data = fetch(url + concrete, method.upper(), b"" if method != "get" else None,
                                    headers)
            if status == 405 or (status == 404 and b"was not found on the server" in data):
                fail("%s %s is in the document but the router answers %d" % (method.upper(), p, status))
        for method in ("GET", "POST"):  # a method the document lacks must be the router's 405
            if method.lower() not in item:
                status, _, _ = fetch(url + concrete, method, b"" if method != "GET" else None, headers)
                if status != 405:
                    fail("%s %s is served (%d) but not in the document" % (method, p, status))


def main():
    args = sys.argv[1:]
    url, cases_file, doc_file, site_map, headers = args[0], args[1], None, False, []
    i = 2
    while i < len(args):
        if args[i] == "--doc":
            doc_file, i = args[i + 1], i + 2
        elif args[i] == "--header":
            headers.append(args[i + 1])
            i += 2
        elif args[i] == "--site-map":
            site_map, i = True, i + 1
        else:
            sys.exit("openapi_check: unknown argument " + args[i])
    if doc_file:
        doc = json.load(open(doc_file))
    else:
        doc = json.loads(fetch(url + "/openapi.json", headers=headers)[2])
    if not str(doc.get("openapi", "")).startswith("3.1."):
        fail("not an OpenAPI 3.1 document")
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        Draft202012Validator.check_schema(schema)
    covered = set()
    for line in open(cases_file):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        body, body_type = None, None
        if len(parts) > 3 and parts[3].startswith("form:"):
            body, body_type = multipart(*parts[3][5:].split("=", 1))
        elif len(parts) > 3:
            body = open(parts[3], "rb").read()
        tmpl = check_case(doc, url, parts[0], parts[1], parts[2], body, headers, body_type)
        if tmpl:
            covered.add((parts[1].lower(), tmpl))
    if site_map:
        check_site_map(doc, url, headers)
        for p, item in doc["paths"].items():
            if "get" in item and ("get", p) not in covered:
                fail("GET %s has no case: its answers are not checked" % p)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
