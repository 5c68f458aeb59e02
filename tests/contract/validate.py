#!/usr/bin/env python3
"""Validate recorded Jira requests against Atlassian's published OpenAPI specs.

The fake Jira (tests/fake-jira) appends every request it receives to a record file, one
JSON object per line:

    {"mode": "cloud", "method": "POST", "path": "/rest/api/3/issue", "contextPath": "",
     "query": "", "headers": {...}, "body": "...", "bodyBase64": null, "status": 201}

Each request is checked in two ways:

- spec: openapi-core validates method, path, parameters, security and body against the
  spec of the record's mode (Cloud: REST v3 platform spec; Data Center: Jira Software
  10.3 spec).
- rule: checks of what the specs state only in prose, such as "summary is required" and
  "rich text on Cloud v3 is Atlassian Document Format".

The Data Center spec has known defects, so it is patched in memory (the file on disk is not
changed) before use. Each patch is listed in DATACENTER_PATCHES and printed in the output.

Usage:
    validate.py RECORD_FILE [RECORD_FILE ...]
    validate.py --self-test

Exits 1 when any request fails, and also when the files hold no request at all, because a
contract check that checked nothing proves nothing. The specs are read from
$JIRA_SPECS_DIR, or from ../shared/jira-specs relative to the repository root.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

PROGRAM = "validate.py"
REPO_ROOT = Path(__file__).resolve().parents[2]
CLOUD_SPEC = "jira-cloud-platform-v3.openapi.json"
DATACENTER_SPEC = "jira-software-dc-10.3.openapi.json"
# Server URLs the specs are served under here; only the path after them matters.
CLOUD_HOST = "https://your-domain.atlassian.net"
DATACENTER_HOST = "http://localhost:8090"

# Fields holding rich text: Atlassian Document Format on Cloud v3, wiki markup on Data
# Center v2. Custom multi-line text fields are rich text too, but the record does not say
# which custom fields are multi-line, so they are not checked here.
RICH_TEXT_FIELDS = ("description", "environment")

DATACENTER_PATCHES = [
    "servers: the spec serves paths without /rest; use http://localhost:8090/rest as the server",
    "security: the spec declares Basic auth only; also accept Bearer personal access tokens",
    "IssueUpdateBean.fields and FieldOperation.value: typed as objects, so a string summary "
    "would be rejected; allow any JSON value",
    "issue property PUT body: typed as a string; allow any JSON value",
    "issue attachments POST: the multipart body is typed as one binary string; "
    "accept a multipart/form-data object with a file part",
    "UserBean.name: not nullable, though the assignee operation documents null as unassign",
    "EntityPropertyBean.value (issue properties on create): typed as a string; allow any JSON value",
]

COMMON_PATCHES = [
    "query parameters typed as StringList (an object in both specs): treat each item as a string",
]

CLOUD_PATCHES = [
    "issue attachments POST: the spec describes the multipart body as an array; "
    "accept a multipart/form-data object with a file part",
    "User.accountId: not nullable, though the assignee operation documents null as unassign",
    "Worklog.started: typed RFC 3339 date-time; accept Jira's documented form "
    "2021-01-17T12:34:00.000+0000 instead",
]


# Request body of an attachment upload: one or more parts named "file".
MULTIPART_UPLOAD = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    }
}


@dataclass
class Failure:
    """One reason a recorded request does not meet the contract."""

    kind: str  # "spec" or "rule"
    message: str


@dataclass
class Result:
    """A recorded request and the failures found in it."""

    source: str
    line: int
    record: dict
    failures: list[Failure] = field(default_factory=list)


class RecordedRequest:
    """Adapter from one record line to openapi-core's Request protocol."""

    def __init__(self, record: dict, host_url: str):
        self.host_url = host_url
        self.path = record["path"]
        self.method = record["method"].lower()
        headers = Headers(list(record.get("headers", {}).items()))
        query = ImmutableMultiDict(parse_qsl(record.get("query", ""), keep_blank_values=True))
        self.parameters = RequestParameters(query=query, header=headers, cookie=ImmutableMultiDict())
        self.content_type = headers.get("content-type", "").lower()
        self.body = request_body_bytes(record) or None


def request_body_bytes(record: dict) -> bytes:
    """Return the request body as bytes, from `body` or `bodyBase64`."""
    if record.get("bodyBase64"):
        return base64.b64decode(record["bodyBase64"])
    return (record.get("body") or "").encode("utf-8")


def specs_dir() -> Path:
    configured = os.environ.get("JIRA_SPECS_DIR")
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "jira-specs"


def load_spec(name: str) -> dict:
    path = specs_dir() / name
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except FileNotFoundError:
        sys.exit(f"{PROGRAM}: spec not found: {path}. Set JIRA_SPECS_DIR to the folder with the Jira specs.")


def operations(spec: dict):
    """Yield (path, method, operation) for every operation in a spec."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                yield path, method, operation


def patch_string_list_parameters(spec: dict) -> None:
    string_list = "#/components/schemas/StringList"
    for _, _, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if schema.get("$ref") == string_list:
                parameter["schema"] = {"type": "string"}
            elif schema.get("items", {}).get("$ref") == string_list:
                schema["items"] = {"type": "string"}


def patch_datacenter(spec: dict) -> dict:
    spec = copy.deepcopy(spec)
    spec["servers"] = [{"url": f"{DATACENTER_HOST}/rest"}]

    schemes = spec["components"].setdefault("securitySchemes", {})
    schemes["bearerPat"] = {"type": "http", "scheme": "bearer"}
    for _, _, operation in operations(spec):
        if "security" in operation:
            operation["security"] = [{"basic": []}, {"bearerPat": []}]

    schemas = spec["components"]["schemas"]
    schemas["IssueUpdateBean"]["properties"]["fields"]["additionalProperties"] = {}
    schemas["FieldOperation"]["properties"]["value"] = {}

    property_put = spec["paths"]["/api/2/issue/{issueIdOrKey}/properties/{propertyKey}"]["put"]
    property_put["requestBody"]["content"]["application/json"]["schema"] = {}

    upload = spec["paths"]["/api/2/issue/{issueIdOrKey}/attachments"]["post"]
    upload["requestBody"]["content"] = MULTIPART_UPLOAD

    # Issue properties set on create carry JSON values, but EntityPropertyBean.value is
    # typed as a string.
    entity_property = schemas.get("EntityPropertyBean", {}).get("properties", {})
    if "value" in entity_property:
        entity_property["value"] = {}

    # The assignee operation documents {"name": null} as "unassign", but UserBean.name is
    # not nullable in the schema.
    user_name = schemas["UserBean"]["properties"].get("name")
    if user_name is not None:
        user_name["nullable"] = True
    patch_string_list_parameters(spec)
    return spec


def patch_cloud(spec: dict) -> dict:
    spec = copy.deepcopy(spec)
    spec["servers"] = [{"url": CLOUD_HOST}]
    upload = spec["paths"]["/rest/api/3/issue/{issueIdOrKey}/attachments"]["post"]
    upload["requestBody"]["content"] = MULTIPART_UPLOAD

    schemas = spec["components"]["schemas"]
    # The assignee operation documents {"accountId": null} as "unassign", but
    # User.accountId is not nullable in the schema.
    schemas["User"]["properties"]["accountId"]["nullable"] = True
    # Worklog.started is typed date-time (RFC 3339, offset with a colon), while Jira's own
    # example and accepted form is 2021-01-17T12:34:00.000+0000.
    started = schemas["Worklog"]["properties"]["started"]
    started.pop("format", None)
    started["pattern"] = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$"
    patch_string_list_parameters(spec)
    return spec


class Validator:
    """Checks records against the spec of their mode; specs load on first use."""

    def __init__(self):
        self._openapi: dict[str, OpenAPI] = {}

    def openapi(self, mode: str) -> OpenAPI:
        if mode not in self._openapi:
            if mode == "cloud":
                spec = patch_cloud(load_spec(CLOUD_SPEC))
            else:
                spec = patch_datacenter(load_spec(DATACENTER_SPEC))
            # Both published specs fail openapi-core's own spec check (duplicate operation
            # ids, an enum whose default is not a member), so only requests are validated.
            self._openapi[mode] = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
        return self._openapi[mode]

    def check(self, record: dict) -> list[Failure]:
        mode = record.get("mode")
        if mode not in ("cloud", "datacenter"):
            return [Failure("rule", f"unknown mode {mode!r}: expected cloud or datacenter")]
        failures = [Failure("rule", message) for message in rule_failures(record)]
        host = CLOUD_HOST if mode == "cloud" else DATACENTER_HOST
        try:
            self.openapi(mode).validate_request(RecordedRequest(record, host))
        except Exception as error:  # openapi-core raises many error types; all mean "invalid"
            failures.append(Failure("spec", describe(error)))
        return failures


def describe(error: BaseException) -> str:
    """Flatten an openapi-core error and its causes into one readable message."""
    parts = []
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = f"{type(current).__name__}: {current}"
        for schema_error in getattr(current, "schema_errors", None) or []:
            location = "/".join(str(part) for part in schema_error.absolute_path) or "(root)"
            text += f"\n      at {location}: {schema_error.message}"
        parts.append(text)
        current = current.__cause__ or current.__context__
    return "\n    caused by ".join(parts)


def rule_failures(record: dict) -> list[str]:
    """Return rules of Jira's REST API that the specs state only in prose."""
    failures = []
    mode = record["mode"]
    method = record["method"].upper()
    path = record["path"]
    headers = {name.lower(): value for name, value in record.get("headers", {}).items()}
    body = request_body_bytes(record)

    if "application/json" not in headers.get("accept", ""):
        failures.append(f"Accept header is {headers.get('accept')!r}, expected application/json")
    if "authorization" not in headers and not path.endswith("/serverInfo"):
        failures.append("Authorization header is missing")
    if method in ("POST", "PUT") and body:
        expected = "multipart/form-data" if path.endswith("/attachments") else "application/json"
        if not headers.get("content-type", "").lower().startswith(expected):
            failures.append(f"Content-Type is {headers.get('content-type')!r}, expected {expected}")
    if path.endswith("/attachments") and headers.get("x-atlassian-token") != "no-check":
        failures.append("attachment upload without X-Atlassian-Token: no-check")

    parsed = None
    if body and headers.get("content-type", "").lower().startswith("application/json"):
        try:
            parsed = json.loads(body)
        except ValueError as error:
            failures.append(f"body is not valid JSON: {error}")

    api = "/rest/api/3" if mode == "cloud" else "/rest/api/2"
    if method == "POST" and path == f"{api}/issue":
        failures.extend(create_issue_failures(mode, parsed))
    if method == "POST" and path.startswith(f"{api}/issue/") and path.endswith("/comment"):
        if isinstance(parsed, dict):
            failures.extend(rich_text_failures(mode, "comment body", parsed.get("body")))
    if method == "POST" and path.startswith(f"{api}/issue/") and path.endswith("/worklog"):
        if isinstance(parsed, dict) and "comment" in parsed:
            failures.extend(rich_text_failures(mode, "worklog comment", parsed["comment"]))
    if mode == "cloud" and method in ("GET", "POST") and path == "/rest/api/3/search":
        failures.append("/rest/api/3/search is removed on Cloud (410); use /rest/api/3/search/jql")
    return failures


def create_issue_failures(mode: str, body) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
        return ["create issue needs a \"fields\" object"]
    fields = body["fields"]
    failures = []
    for name in ("project", "issuetype", "summary"):
        if name not in fields:
            failures.append(f"create issue needs fields.{name}")
    summary = fields.get("summary")
    if summary is not None:
        if not isinstance(summary, str) or not summary.strip():
            failures.append("fields.summary must be a non-empty string")
        elif len(summary) > 255 or "\n" in summary or "\r" in summary:
            failures.append("fields.summary must be at most 255 characters on one line")
    for name in RICH_TEXT_FIELDS:
        if name in fields:
            failures.extend(rich_text_failures(mode, f"fields.{name}", fields[name]))
    return failures


def rich_text_failures(mode: str, label: str, value) -> list[str]:
    if value is None:
        return []
    if mode == "datacenter":
        return [] if isinstance(value, str) else [f"{label} must be a wiki markup string on Data Center"]
    is_doc = isinstance(value, dict) and value.get("type") == "doc" and value.get("version") == 1
    if not is_doc or not isinstance(value.get("content"), list):
        return [f"{label} must be an Atlassian Document Format document (type doc, version 1) on Cloud"]
    return []


def read_records(paths: list[str]) -> list[tuple[str, int, dict]]:
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as file:
            for number, line in enumerate(file, start=1):
                if not line.strip():
                    continue
                try:
                    records.append((path, number, json.loads(line)))
                except ValueError as error:
                    sys.exit(f"{PROGRAM}: {path}:{number}: not a JSON line: {error}")
    return records


def validate_files(paths: list[str], validator: Validator, quiet: bool = False) -> int:
    """Validate record files, print a report, and return the exit status."""
    records = read_records(paths)
    modes = sorted({record.get("mode", "?") for _, _, record in records})
    if not quiet:
        if "cloud" in modes:
            print(f"{PROGRAM}: Cloud spec patched in memory: " + "; ".join(COMMON_PATCHES + CLOUD_PATCHES))
        if "datacenter" in modes:
            print(f"{PROGRAM}: Data Center spec patched in memory for its known defects:")
            for patch in COMMON_PATCHES + DATACENTER_PATCHES:
                print(f"  - {patch}")

    results = [Result(source, line, record, validator.check(record)) for source, line, record in records]
    failed = [result for result in results if result.failures]
    for result in failed:
        record = result.record
        query = f"?{record['query']}" if record.get("query") else ""
        print(f"FAIL {result.source}:{result.line}: {record.get('mode')} {record.get('method')} {record.get('path')}{query}")
        for failure in result.failures:
            print(f"  [{failure.kind}] {failure.message}")

    passed = len(results) - len(failed)
    print(f"{passed} passed, {len(failed)} failed")
    if not results:
        print(f"{PROGRAM}: the record files hold no request, so nothing was checked", file=sys.stderr)
        return 1
    return 1 if failed else 0


def self_test() -> int:
    """Feed known-good and known-bad requests through the validator; both must be judged right."""
    adf = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "x"}]}]}
    cloud_auth = {"accept": "application/json", "authorization": "Basic <redacted>"}
    cloud_json = {**cloud_auth, "content-type": "application/json"}
    dc_auth = {"accept": "application/json", "authorization": "Bearer <redacted>"}
    dc_json = {**dc_auth, "content-type": "application/json"}

    def record(mode, method, path, headers, body=None, query=""):
        text = "" if body is None else json.dumps(body)
        return {"mode": mode, "method": method, "path": path, "contextPath": "", "query": query,
                "headers": headers, "body": text, "bodyBase64": None, "status": 200}

    fields = {"project": {"key": "WEB"}, "issuetype": {"id": "10002"}, "summary": "Broken link"}
    good = [
        record("cloud", "GET", "/rest/api/3/myself", cloud_auth),
        record("cloud", "GET", "/rest/api/3/project/search", cloud_auth, query="startAt=0&maxResults=50&query=web"),
        record("cloud", "POST", "/rest/api/3/issue", cloud_json, {"fields": {**fields, "description": adf}}),
        record("cloud", "GET", "/rest/api/3/search/jql", cloud_auth, query="jql=key%20in%20(WEB-1)&fields=summary"),
        record("cloud", "PUT", "/rest/api/3/issue/WEB-1/properties/jiraBridge", cloud_json, {"clientRequestId": "r1"}),
        record("datacenter", "GET", "/rest/api/2/myself", dc_auth),
        record("datacenter", "POST", "/rest/api/2/issue", dc_json, {"fields": {**fields, "description": "*wiki*"}}),
        record("datacenter", "PUT", "/rest/api/2/issue/WEB-1/properties/jiraBridge", dc_json, {"clientRequestId": "r1"}),
        record("datacenter", "GET", "/rest/api/2/search", dc_auth, query="jql=project%3DWEB&fields=summary&startAt=0"),
    ]
    bad = [
        ("create issue without fields", record("cloud", "POST", "/rest/api/3/issue", cloud_json, {})),
        ("plain string description on Cloud",
         record("cloud", "POST", "/rest/api/3/issue", cloud_json, {"fields": {**fields, "description": "plain"}})),
        ("maxResults above the spec's maximum of 100",
         record("cloud", "GET", "/rest/api/3/project/search", cloud_auth, query="maxResults=500")),
        ("maxResults that is not an integer",
         record("cloud", "GET", "/rest/api/3/search/jql", cloud_auth, query="jql=x&maxResults=ten")),
        ("a path the spec does not have", record("cloud", "GET", "/rest/api/3/no-such-thing", cloud_auth)),
        ("property PUT without a body",
         record("cloud", "PUT", "/rest/api/3/issue/WEB-1/properties/jiraBridge", cloud_json)),
        ("Data Center request without credentials",
         record("datacenter", "GET", "/rest/api/2/myself", {"accept": "application/json"})),
        ("wrong method for the path", record("datacenter", "DELETE", "/rest/api/2/myself", dc_auth)),
    ]

    validator = Validator()
    problems = []
    for item in good:
        failures = validator.check(item)
        if failures:
            details = "; ".join(f"[{failure.kind}] {failure.message}" for failure in failures)
            problems.append(f"known-good {item['mode']} {item['method']} {item['path']} was rejected: {details}")
    for name, item in bad:
        failures = validator.check(item)
        if not failures:
            problems.append(f"known-bad request was accepted: {name}")
        else:
            print(f"ok: rejected {name}: [{failures[0].kind}] {failures[0].message.splitlines()[0]}")
    spec_rejections = sum(1 for _, item in bad if any(f.kind == "spec" for f in validator.check(item)))
    if spec_rejections < 4:
        problems.append(f"only {spec_rejections} known-bad requests were rejected by the spec itself, expected at least 4")

    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.jsonl"
        empty.write_text("")
        if validate_files([str(empty)], validator, quiet=True) == 0:
            problems.append("an empty record file passed")

    for problem in problems:
        print(f"SELF-TEST FAIL: {problem}")
    print(f"self-test: {len(good)} known-good and {len(bad)} known-bad requests, {len(problems)} problems")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="*", help="record files written by fake-jira --record (JSON lines)")
    parser.add_argument("--self-test", action="store_true", help="check that the validator accepts good and rejects bad requests")
    arguments = parser.parse_args()
    if arguments.self_test:
        return self_test()
    if not arguments.records:
        parser.error("give at least one record file, or --self-test")
    return validate_files(arguments.records, Validator())


if __name__ == "__main__":
    sys.exit(main())
