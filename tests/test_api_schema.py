"""Schemathesis against ``/api/schema/``: no 5xx and no schema violations, on any input.

The schema is fetched from the app in-process (WSGI) and every operation is called with
generated requests, valid and invalid (strings may hold NUL bytes), as a supervisor, an
officer and a department member. Each runs over seeded records of every kind — cases in
several states, task groups with tasks in two departments, grants, published answers and
knowledge requests — and every reference a request makes is pointed at a record the role
may see (``_aim``), so requests get past the lookup to the code behind it. A second pass
puts a NUL into every string every operation takes. Bounded and derandomized so it is
repeatable within CI's time; see ``CONFIG`` to hunt harder.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from decimal import Decimal

import jsonschema
import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from compensation import selectors as compensation_selectors
from compensation import services as compensation_services
from core import roles
from escalation import selectors, taskgroups
from knowledge import selectors as knowledge_selectors
from knowledge import services as knowledge_services
from peak.models import Surge
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.factories import (
    CaseFactory,
    DepartmentFactory,
    MembershipFactory,
    OfficerFactory,
    UserFactory,
)
from tests.knowledge.factories import CategoryFactory, RequestFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

GENERATION = {"deterministic": True, "database": "none", "allow-x00": True}
#: As the supervisor: the schema's examples, schemathesis's coverage cases (boundaries,
#: wrong types, missing fields) and 60 generated requests per operation.
CONFIG = schemathesis.Config.from_dict(
    {"seed": 20260714, "generation": {**GENERATION, "max-examples": 60}}
)
#: As the officer and the department member: the examples and 30 generated requests. The
#: coverage cases probe input validation, the same for every role, so they run once.
OTHER_ROLES_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260714,
        "generation": {**GENERATION, "max-examples": 30},
        "phases": {"coverage": {"enabled": False}},
    }
)


#: What requests may name, by kind: ids of seeded records a role sees, codes and usernames.
Pools = dict[str, list]

#: The people of each seeded department; a task's assignee is picked from its department.
PEOPLE = {"logistics": ["logistics_member", "logistics_lead"], "tech": ["tech_member", "tech_lead"]}
NAMES = {
    "departments": list(PEOPLE),
    "people": [username for members in PEOPLE.values() for username in members],
    "officers": ["officer", "other_officer"],
    "categories": ["installation", "refund_policy"],
    "kinds": ["coupon"],
}


def _department_person(username: str, department, *, lead: bool = False):
    user = UserFactory(username=username, roles=[roles.DEPARTMENT_MEMBERS])
    MembershipFactory(user=user, department=department, is_lead=lead)
    return user


def _publish(author, reviewer, category, title: str):
    request = knowledge_services.request_create(
        actor=author, kind="new", category=category, title=title, body=f"{title}: call back."
    )
    for actor, name in ((author, "submit"), (reviewer, "claim"), (reviewer, "approve")):
        knowledge_services.request_transition(request=request, actor=actor, name=name)
    request = knowledge_services.request_transition(request=request, actor=reviewer, name="publish")
    return request.published_version.article


@pytest.fixture
def seeded(db, officer, supervisor):
    """Every kind of record an operation addresses, in more than one state."""
    other_officer = OfficerFactory(user__username="other_officer", level=2)
    logistics = DepartmentFactory(code="logistics", name="Logistics")
    tech = DepartmentFactory(code="tech", name="Technical support")
    member = _department_person("logistics_member", logistics)
    _department_person("logistics_lead", logistics, lead=True)
    tech_member = _department_person("tech_member", tech)
    _department_person("tech_lead", tech, lead=True)

    cases = [CaseFactory(state="new")]
    cases += [CaseFactory(officer=officer, state=s) for s in ("assigned", "investigating")]
    cases += [CaseFactory(officer=officer, state="resolved", resolution="Installed.")]
    grouped = [CaseFactory(officer=o, state="investigating") for o in (officer, other_officer)]
    cases += grouped
    cases += [CaseFactory(officer=officer, state="investigating")]  # for new groups
    due = timezone.now() + timedelta(hours=4)
    groups = [
        taskgroups.task_group_open(
            case=case,
            actor=case.officer.user,
            title="Install delayed",
            tasks=[
                {"department": logistics, "assignee": member, "title": "Slot", "due_at": due},
                {"department": tech, "assignee": tech_member, "title": "Unit", "due_at": due},
            ],
        )
        for case in grouped
    ]
    accepted = groups[0].tasks.get(department=logistics)
    taskgroups.task_transition(task=accepted, actor=member, name="accept")
    taskgroups.task_message_post(task=accepted, actor=member, body="On it.")

    coupon = KindFactory(code="coupon")
    PolicyFactory(role="level_2")
    PolicyFactory(
        role="supervisor",
        per_grant_limit=Decimal("2000"),
        approval_ceiling=Decimal("2000"),
        per_day_limit=Decimal("10000"),
        per_month_limit=Decimal("100000"),
    )
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

    installation = CategoryFactory(code="installation", name="Installation")
    CategoryFactory(code="refund_policy", name="Refund policy", sensitive=True)
    kb1 = UserFactory(username="kb1", roles=[roles.KNOWLEDGE_TEAM])
    kb2 = UserFactory(username="kb2", roles=[roles.KNOWLEDGE_TEAM])
    articles = [
        _publish(kb1, kb2, installation, title)
        for title in ("Installer delayed", "Unit dead on arrival")
    ]
    requests = [
        RequestFactory(author=officer.user, category=installation, case=cases[2]),
        RequestFactory(
            author=officer.user,
            kind="correction",
            article=articles[0],
            category=installation,
            state="submitted",
        ),
        RequestFactory(author=member, category=installation),
        RequestFactory(author=kb1, category=installation, state="in_review", reviewer=kb2),
    ]
    surges = [
        Surge.objects.create(
            category="installation",
            intent="install_delay",
            count=30,
            baseline=2,
            ratio=15,
            threshold=20,
        ),
        Surge.objects.create(
            category="repair", intent="", count=25, baseline=0, ratio=25, threshold=20
        ),
    ]
    return {
        "surges": [surge.pk for surge in surges],
        "cases": [c.pk for c in cases],
        "tasks": [t.pk for g in groups for t in g.tasks.all()],
        "task-groups": [g.pk for g in groups],
        "compensations": [g.pk for g in grants],
        "articles": [a.pk for a in articles],
        "requests": [r.pk for r in requests],
    }


def _visible(user, seeded: dict[str, list[int]]) -> Pools:
    """The seeded records ``user`` sees; of a kind it sees none of, all (to check the 404)."""
    readers = {
        "cases": selectors.cases_visible_to,
        "tasks": selectors.tasks_visible_to,
        "task-groups": selectors.task_groups_visible_to,
        "compensations": compensation_selectors.grants_visible_to,
        "requests": knowledge_selectors.requests_visible_to,
    }
    pools: Pools = {**seeded, **NAMES}
    for kind, visible_to in readers.items():
        visible = visible_to(user).filter(pk__in=seeded[kind]).values_list("pk", flat=True)
        pools[kind] = sorted(visible) or seeded[kind]
    return pools


#: Fields naming a record, in a query or a body, and the records they name.
_REFERENCES = {
    "case": "cases",
    "group": "task-groups",
    "article": "articles",
    "department": "departments",
    "assignee": "people",
    "officer": "officers",
    "category": "categories",
}
_NAME = re.compile(r"[\w-]+", re.ASCII)


def _resource(path: str) -> str:
    """What a path's ``{id}`` or ``{code}`` names: its first segment (``tasks``, …)."""
    return path.removeprefix("/api/v1/").removeprefix("knowledge/").split("/")[0]


def _number(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _pick(value, pool: list):
    """A seeded id or name for a generated one; odd values (negative, punctuation, NUL) stay."""
    if isinstance(pool[0], int):
        number = _number(value)
        return pool[number % len(pool)] if number is not None else value
    if isinstance(value, str) and _NAME.fullmatch(value):
        return pool[sum(map(ord, value)) % len(pool)]
    return value


def _ahead(value):
    """A deadline that has passed (the examples' dates have) moved to tomorrow."""
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    if when.tzinfo is None or when > timezone.now():
        return value
    return (timezone.now() + timedelta(days=1)).isoformat()


def _task_spec(item, pools: Pools):
    """A task of a new group: a seeded department, one of its people, a deadline ahead."""
    if not isinstance(item, dict):
        return item
    spec = _aimed(item, "task-groups", pools)
    department = spec.get("department")
    members = PEOPLE.get(department) if isinstance(department, str) else None
    if members and "assignee" in item:
        spec["assignee"] = _pick(item["assignee"], members)
    if "due_at" in item:
        spec["due_at"] = _ahead(item["due_at"])
    return spec


def _aimed(values, resource: str, pools: Pools):
    if not isinstance(values, dict):
        return values
    aimed = dict(values)
    for field, value in values.items():
        kind = "kinds" if (field, resource) == ("kind", "compensations") else None
        kind = kind or _REFERENCES.get(field)
        if kind and not isinstance(value, (dict, list)):
            aimed[field] = _pick(value, pools[kind])
    if isinstance(values.get("tasks"), list):
        aimed["tasks"] = [_task_spec(item, pools) for item in values["tasks"]]
    return aimed


_CALLS = itertools.count()


def _aim(case, pools: Pools) -> None:
    """Point generated references at seeded records, so requests reach past the lookup.

    Done here, as each case runs, rather than in a schemathesis hook: the schema's examples
    and the coverage cases are built when the tests are collected, before the records (and
    their ids) exist. An ``Idempotency-Key`` gets a unique suffix (one generated key would
    otherwise answer every later request with "key reused", 422), and one the API refuses
    (control characters, too long: tested in ``test_api_bad_input``) is replaced, so the
    request reaches the operation instead of stopping at the header.
    """
    resource = _resource(case.operation.path)
    path_parameters = dict(case.path_parameters or {})
    for name in ("id", "code"):
        if name in path_parameters:
            path_parameters[name] = _pick(path_parameters[name], pools[resource])
    case.path_parameters = path_parameters
    case.query = _aimed(case.query, resource, pools)
    case.body = _aimed(case.body, resource, pools)
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and key.strip():
        usable = key.isprintable() and len(key) < 200
        unique = f"{key.strip() if usable else 'key'}-{next(_CALLS)}"
        case.headers = {**case.headers, "Idempotency-Key": unique}


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def logistics_member(seeded):
    return get_user_model().objects.get(username="logistics_member")


def _token(user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


@pytest.fixture
def app(seeded):
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
other_roles_schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", WSGIHandler(), config=OTHER_ROLES_CONFIG, base_url="https://localhost"
)


def _call(case, app, seeded, user) -> None:
    _aim(case, _visible(user, seeded))
    case.call_and_validate(app=app, headers=_token(user), checks=CHECKS)


@schema.parametrize()
@FIXTURES_ARE_SETUP_ONCE
def test_api_as_supervisor_never_errors_and_matches_its_schema(case, app, seeded, supervisor):
    _call(case, app, seeded, supervisor)


@other_roles_schema.parametrize()
@FIXTURES_ARE_SETUP_ONCE
def test_api_as_officer_never_errors_and_matches_its_schema(case, app, seeded, officer):
    _call(case, app, seeded, officer.user)


@other_roles_schema.parametrize()
@FIXTURES_ARE_SETUP_ONCE
def test_api_as_department_member_never_errors_and_matches_its_schema(
    case, app, seeded, logistics_member
):
    _call(case, app, seeded, logistics_member)


def _resolve(node: dict, components: dict) -> dict:
    while "$ref" in node or "allOf" in node:
        node = components[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node["allOf"][0]
    return node


def _string_fields(node: dict, components: dict, path: tuple = ()):
    """Paths to every string in a request body's schema (list items at position 0)."""
    node = _resolve(node, components)
    if node.get("type") == "string":
        yield path
    for name, child in node.get("properties", {}).items():
        yield from _string_fields(child, components, (*path, name))
    if node.get("type") == "array" and "items" in node:
        yield from _string_fields(node["items"], components, (*path, 0))


def _with_nul_at(body, path: tuple):
    """A copy of ``body`` whose field at ``path`` is text holding a NUL."""
    if not path:
        return "ok\x00"
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) and body else [{}]
        return [_with_nul_at(items[0], rest), *items[1:]]
    fields = dict(body) if isinstance(body, dict) else {}
    return {**fields, head: _with_nul_at(fields.get(head), rest)}


def _nul_cases():
    """Every string an operation takes, each with a NUL in it: ``(operation, part, case)``."""
    components = schema.raw_schema["components"]["schemas"]
    for result in schema.get_all_operations():
        operation = result.ok()
        definition = operation.definition.raw
        parameters = definition.get("parameters", [])
        path_parameters = {p["name"]: 1 for p in parameters if p["in"] == "path"}
        for parameter in parameters:
            if parameter["in"] == "query":
                query = {parameter["name"]: "a\x00b"}
                parts = {"path_parameters": path_parameters, "query": query}
                yield operation, ("query", parameter["name"]), parts
            if parameter["in"] == "path" and parameter["name"] != "id":
                nul = {**path_parameters, parameter["name"]: "a\x00b"}
                yield operation, ("path", parameter["name"]), {"path_parameters": nul}
        media = definition.get("requestBody", {}).get("content", {}).get("application/json")
        if media is None:
            continue
        example = next(iter(media.get("examples", {}).values()), {}).get("value", {})
        for path in _string_fields(media["schema"], components):
            body = _with_nul_at(example, path)
            yield operation, ("body", path), {"path_parameters": path_parameters, "body": body}


def test_a_nul_in_any_string_an_operation_takes_is_refused_naming_it(app, seeded, superuser):
    """Generated strings seldom hold a NUL (about one in fifty): here every string gets one.

    As a superuser, who holds every role, so no permission check answers before the input
    is read.
    """
    pools = _visible(superuser, seeded)
    wrong = []
    for operation, (part, name), parts in _nul_cases():
        case = operation.Case(media_type="application/json", **parts)
        _aim(case, pools)
        where = f"{operation.label} {part} {name}"
        try:
            response = case.call_and_validate(app=app, headers=_token(superuser), checks=CHECKS)
        except FailureGroup as failures:  # a 5xx or a schema violation: report them all
            wrong += [f"{where}: {type(f).__name__} {f.title}" for f in failures.exceptions]
            continue
        field = name if part != "body" else name[0]
        expected = 404 if part == "path" else 400
        named = part == "path" or field in response.json()
        if response.status_code != expected or not named:
            wrong.append(f"{where}: {response.status_code} {response.text[:200]}")
    assert not wrong, "\n".join(wrong)


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
