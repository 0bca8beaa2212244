"""Schemathesis against ``/api/schema/``: no 5xx and no schema violations, on any input.

The schema is fetched from the app in-process (WSGI) and every operation is called with
generated requests, valid and invalid, as a superuser (every role) and as an officer, over a
little real data so path ids resolve. Bounded and derandomized so it is quick and repeatable.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import jsonschema
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from compensation import services as compensation_services
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.factories import UserFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260714,
        "generation": {
            "max-examples": 20,
            "deterministic": True,
            "database": "none",
        },
    }
)


@pytest.fixture
def api_data(db, case_in, officer, supervisor):
    """Cases in several states, a coupon kind, the demo's policies and a grant or two."""
    coupon = KindFactory(code="coupon")
    PolicyFactory(role="level_2")
    PolicyFactory(
        role="supervisor",
        per_grant_limit=Decimal("2000"),
        approval_ceiling=Decimal("2000"),
        per_day_limit=Decimal("10000"),
        per_month_limit=Decimal("100000"),
    )
    cases = [case_in(state) for state in ("new", "assigned", "investigating", "resolved")]
    grants = [
        compensation_services.grant_request(
            actor=officer.user,
            case=cases[2],
            kind=coupon,
            amount=Decimal(amount),
            currency="CNY",
            reason="Install delayed twice.",
        )
        for amount in ("50.00", "300.00")
    ]
    return {"cases": [c.pk for c in cases], "compensations": [g.pk for g in grants]}


_CALLS = itertools.count()


def _number(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _aim(case, data) -> None:
    """Point generated ids at real records, so requests reach the code past the lookup.

    Numeric ids map onto the seeded cases and grants (other values stay, for the 404 and
    400 paths); idempotency keys get a suffix so one generated key does not answer every
    later request with "key reused" (422).
    """
    resource = "compensations" if "/compensations/" in case.path else "cases"
    ident = _number((case.path_parameters or {}).get("id"))
    if ident is not None:
        ids = data[resource]
        case.path_parameters = {**case.path_parameters, "id": ids[ident % len(ids)]}
    body = case.body
    case_id = _number(body.get("case")) if isinstance(body, dict) else None
    if resource == "compensations" and case_id is not None:
        case.body = {**body, "case": data["cases"][case_id % len(data["cases"])]}
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and key.strip():
        case.headers = {**case.headers, "Idempotency-Key": f"{key}-{next(_CALLS)}"}


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def _token(user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


@pytest.fixture
def app(api_data):
    """A fresh WSGI handler, so middleware reads the test settings (plain HTTP).

    Like Django's test client, it keeps the connection open between requests: the test's
    transaction (and its data) lives on it.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The fixtures are data and a client: set up once per operation, shared by its examples.
FIXTURES_ARE_SETUP_ONCE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

# Fetched over HTTPS so the production redirect to HTTPS does not apply at import time.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", WSGIHandler(), config=CONFIG, base_url="https://localhost"
)


@schema.parametrize()
@FIXTURES_ARE_SETUP_ONCE
def test_api_as_superuser_never_errors_and_matches_its_schema(case, app, api_data, superuser):
    _aim(case, api_data)
    case.call_and_validate(app=app, headers=_token(superuser), checks=CHECKS)


@schema.parametrize()
@FIXTURES_ARE_SETUP_ONCE
def test_api_as_officer_never_errors_and_matches_its_schema(case, app, api_data, officer):
    _aim(case, api_data)
    case.call_and_validate(app=app, headers=_token(officer.user), checks=CHECKS)


def _json_schema(node):
    """OpenAPI 3.0 to JSON Schema, as far as the examples need: ``nullable`` allows null."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _documented_examples():
    document = schema.raw_schema
    components = _json_schema(document["components"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(status, response) for status, response in operation["responses"].items()]
            for where, body in bodies:
                media = body.get("content", {}).get("application/json")
                if media is not None:
                    yield label, where, media, components


def test_every_operation_has_request_and_success_examples():
    bodies: dict[str, dict[str, bool]] = {}
    for label, where, media, _ in _documented_examples():
        kind = "request" if where == "request" else "success" if where.startswith("2") else None
        if kind:
            seen = bodies.setdefault(label, {})
            seen[kind] = seen.get(kind, False) or bool(media.get("examples"))
    missing = [
        f"{label}: {kind}" for label, seen in bodies.items() for kind, ok in seen.items() if not ok
    ]

    assert bodies
    assert not missing, missing


def test_every_documented_example_matches_its_schema():
    problems = []
    for label, where, media, components in _documented_examples():
        validator_schema = {**_json_schema(media["schema"]), "components": components}
        for name, example in media.get("examples", {}).items():
            for error in jsonschema.Draft7Validator(validator_schema).iter_errors(example["value"]):
                problems.append(f"{label} {where} {name}: {error.message}")
    assert not problems, "\n".join(problems)


def _resolve(node: dict, components: dict) -> dict:
    while "$ref" in node or "allOf" in node:
        node = components[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node["allOf"][0]
    return node


TRANSITIONS = [
    "/api/v1/cases/{id}/transitions/",
    "/api/v1/tasks/{id}/transitions/",
    "/api/v1/compensations/{id}/transitions/",
    "/api/v1/knowledge/requests/{id}/transitions/",
]


@pytest.mark.parametrize("path", TRANSITIONS)
def test_transitions_are_documented_as_the_plain_list_they_answer(path):
    operation = schema.raw_schema["paths"][path]["get"]

    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"type": "array", "items": {"$ref": "#/components/schemas/AvailableTransition"}}


@pytest.mark.parametrize(
    ("path", "query"),
    [
        *[(path, []) for path in TRANSITIONS],
        ("/api/v1/knowledge/requests/{id}/events/", []),
        ("/api/v1/cases/{id}/events/", ["page", "page_size"]),
        ("/api/v1/tasks/{id}/messages/", ["page", "page_size"]),
    ],
)
def test_actions_on_one_record_document_only_the_query_they_read(path, query):
    parameters = schema.raw_schema["paths"][path]["get"]["parameters"]

    assert [p["name"] for p in parameters if p["in"] == "query"] == query


@pytest.mark.parametrize("path", TRANSITIONS)
def test_the_transition_names_an_endpoint_fires_are_documented(path):
    components = schema.raw_schema["components"]["schemas"]
    body = schema.raw_schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    listed = schema.raw_schema["paths"][path]["get"]["responses"]["200"]["content"]

    names = _resolve(_resolve(body["schema"], components)["properties"]["transition"], components)
    examples = listed["application/json"]["examples"].values()
    assert {t["name"] for e in examples for t in e["value"]} <= set(names["enum"])


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))

    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3")
