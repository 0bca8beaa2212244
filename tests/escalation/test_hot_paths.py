"""The queries of the hot paths, as a department's system makes them: with its API token.

Intake, the case list and a case's detail each run a fixed list of statements, whatever the
number of cases, officers and clocks. A change that adds one shows here first.
"""

import io
from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from escalation.models import Case, CaseEvent
from escalation.sla import clocks
from tests.escalation.test_intake_api import intake
from tests.factories import CaseFactory, OfficerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def statements(queries) -> list[str]:
    """The statements a request ran, without the test's savepoints around its transaction."""
    return [
        query["sql"].split(" ")[0]
        for query in queries.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


@pytest.fixture(autouse=True)
def _steady_state(settings):
    """As a server runs: policies and categories are read once, not on every intake."""
    settings.CASEHUB_SLA_POLICY_CACHE_SECONDS = 300
    settings.CASEHUB_CATEGORY_CACHE_SECONDS = 300


@pytest.fixture
def team(supervisor):
    """Eight officers with room: intake assigns, whoever is least loaded."""
    return [
        OfficerFactory(
            user__username=f"team{index}",
            level=2 + index % 2,
            skills=["installation", "delivery"],
            max_open_cases=40,
        )
        for index in range(8)
    ]


def test_intake_of_an_assigned_case_runs_five_statements_on_postgresql(frontline, team, sla_policy):
    client = token_client(frontline)
    client.post(URL, intake(customer={"external_id": "WARM", "name": "Warm", "tier": "vip"}))

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            URL, intake(customer={"external_id": "N-1", "name": "Li", "tier": "vip"})
        )

    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "assigned"
    case = Case.objects.get(pk=response.json()["id"])
    assert case.reference == response.json()["reference"]
    assert [e.kind for e in CaseEvent.objects.filter(case=case).order_by("pk")] == [
        "created",
        "assign",
    ]
    # Token with roles; the customer upserted; the least loaded officer locked, its open
    # cases counted; then the case with its clocks and events. On PostgreSQL the upsert
    # says the customer is new (so has no open case to look for) and draws the case's id
    # (so its reference is written with it), and the three inserts are one statement.
    # Elsewhere the open case is looked for, and the case is written, then referenced.
    if connection.vendor == "postgresql":
        assert statements(queries) == ["SELECT", "INSERT", "SELECT", "SELECT", "WITH"]
    else:
        assert statements(queries) == [
            *["SELECT", "INSERT", "SELECT", "SELECT", "SELECT"],
            *["INSERT", "UPDATE", "INSERT", "INSERT"],
        ]


def test_a_known_customer_s_intake_looks_for_their_open_case(frontline, team, sla_policy):
    client = token_client(frontline)
    first = client.post(URL, intake(customer={"external_id": "K-1", "name": "Li", "tier": "vip"}))

    with CaptureQueriesContext(connection) as queries:
        again = client.post(
            URL, intake(customer={"external_id": "K-1", "name": "Li Na", "tier": "vip"})
        )

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["customer"]["name"] == "Li Na"
    # Token; the upsert; the open case looked for, then locked with its customer and
    # officer; the contact's event; the case's clocks, for the answer.
    assert statements(queries) == ["SELECT", "INSERT", "SELECT", "SELECT", "INSERT", "SELECT"]


def test_intake_with_every_officer_at_capacity_waits_unassigned_in_as_few(frontline, sla_policy):
    OfficerFactory(user__username="full", skills=["installation"], max_open_cases=0)
    client = token_client(frontline)
    client.post(URL, intake(customer={"external_id": "WARM", "name": "Warm", "tier": "vip"}))

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            URL, intake(customer={"external_id": "N-2", "name": "Li", "tier": "vip"})
        )

    assert response.json()["state"] == "new"
    # No officer to count; where locked officers can be skipped, a second look waits for
    # them (every one could have been held by a concurrent intake).
    assert len(statements(queries)) == (5 if connection.vendor == "postgresql" else 8)


@pytest.mark.postgres
def test_a_returning_customer_s_new_case_draws_its_id_after_the_look(frontline, team, sla_policy):
    """A contact in another category opens a case: its id is drawn once the look for an
    open case found none, so a contact that attaches draws none."""
    client = token_client(frontline)
    client.post(URL, intake(category="delivery", customer={"external_id": "WARM"}))  # listed
    first = client.post(URL, intake(customer={"external_id": "R-1", "name": "Li", "tier": "vip"}))

    with CaptureQueriesContext(connection) as queries:
        other = client.post(
            URL,
            intake(
                category="delivery", customer={"external_id": "R-1", "name": "Li", "tier": "vip"}
            ),
        )

    assert other.status_code == 201, other.json()
    assert other.json()["id"] == first.json()["id"] + 1  # no id was drawn and left unused
    assert other.json()["reference"].endswith(f"-{other.json()['id']:06d}")
    # Token; the upsert; the look for an open case; the pick and recount; the id; the rows.
    expected = ["SELECT", "INSERT", "SELECT", "SELECT", "SELECT", "SELECT", "WITH"]
    assert statements(queries) == expected


@pytest.mark.parametrize("size", [5, 40])
def test_the_list_as_a_supervisor_runs_four_statements_for_any_page(
    supervisor, team, sla_policy, size
):
    for index in range(size):
        case = CaseFactory(officer=team[index % len(team)], state="assigned")
        clocks.start_case_clocks(case)
    client = token_client(supervisor)
    client.get(URL)  # the calendar's spec, once per process

    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"page_size": 50})

    assert len(response.json()["results"]) == size
    assert all(len(row["sla"]) == 2 and row["officer"] for row in response.json()["results"])
    # Token with roles, the count, the page with customers and officers, the page's clocks.
    assert statements(queries) == ["SELECT"] * 4


def test_a_case_detail_runs_three_statements(supervisor, team, sla_policy):
    case = CaseFactory(officer=team[0], state="assigned")
    clocks.start_case_clocks(case)
    client = token_client(supervisor)
    client.get(f"{URL}{case.pk}/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{URL}{case.pk}/", {"state": "closed"})  # list filters: ignored

    assert response.status_code == 200
    assert [row["clock"] for row in response.json()["sla"]] == ["first_response", "resolution"]
    assert statements(queries) == ["SELECT"] * 3  # token with roles, the case, its clocks


SQL_TYPES = {int: "bigint", str: "text", list: "bigint[]", bool: "boolean", datetime: "timestamptz"}


def literal(value) -> str:
    """A parameter written into an EXPLAIN, which takes none (words and ids only here)."""
    if isinstance(value, list):
        return "'{" + ",".join(str(int(item)) for item in value) + "}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'"
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"


@pytest.mark.postgres
def test_officer_loads_are_counted_from_the_open_cases_index_in_a_prepared_plan(team):
    """psycopg prepares a statement a connection repeats, and PostgreSQL then plans it once
    for any parameters: the open states must be in the statement for the partial index to
    be usable."""
    from escalation import floor, selectors

    sent = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    strain = floor.strain_rule()  # the policy is read apart, and kept
    with connection.execute_wrapper(keep):
        selectors.least_loaded_officer(
            category="installation",
            min_level=1,
            exclude=[],
            skip_locked=True,
            strain=strain,
        )
        selectors.open_case_count(team[0].pk)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        # On a test's few rows any index on the officer costs the same, and the planner's
        # pick among them is a toss-up: leave it only the partial one (rolled back with the
        # test), so the plan shows whether the generic plan can use it at all.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s "
            "AND indexdef LIKE '%%(officer_id%%' AND indexname <> 'case_open_by_officer_idx'",
            [Case._meta.db_table],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        for index, (sql, params) in enumerate(sent):
            numbered = sql
            for number in range(1, len(params) + 1):
                numbered = numbered.replace("%s", f"${number}", 1)
            types = ", ".join(SQL_TYPES[type(param)] for param in params)
            cursor.execute(f"PREPARE load_{index} ({types}) AS {numbered}")
            arguments = ", ".join(literal(param) for param in params)
            cursor.execute(f"EXPLAIN EXECUTE load_{index}({arguments})")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "case_open_by_officer_idx" in plan, plan


@pytest.mark.postgres
def test_a_connection_prepares_the_intake_statements_it_repeats(frontline, team, sla_policy):
    """PostgreSQL parses and plans a statement once per connection, not on every intake
    (``prepare_threshold``: Django leaves psycopg's preparing off unless it is set)."""
    client = token_client(frontline)
    for index in range(3):
        response = client.post(
            URL, intake(customer={"external_id": f"P-{index}", "name": "Li", "tier": "vip"})
        )
        assert response.status_code == 201, response.json()

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    for beginning in (
        'SELECT t."created"',  # the token with its roles
        'INSERT INTO "escalation_customer"',
        'SELECT o."id"',  # the officer pick
        'WITH i0 AS (INSERT INTO "escalation_case"',
    ):
        assert any(sql.startswith(beginning) for sql in prepared), (beginning, prepared)


@pytest.mark.postgres
def test_every_intake_statement_is_converted_once_per_process(frontline, team, sla_policy):
    """psycopg keeps a statement's placeholder conversion only under its size limits, which
    ``core.postgresql`` raises: the intake's insert of a case with its clocks and events
    stays within them, so no intake statement is converted again."""
    from psycopg import _queries

    from core.postgresql.base import CACHED_STATEMENT_LENGTH, CACHED_STATEMENT_PARAMS

    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= CACHED_STATEMENT_PARAMS
    assert _queries.MAX_CACHED_STATEMENT_LENGTH >= CACHED_STATEMENT_LENGTH
    client = token_client(frontline)
    for index in range(2):
        client.post(URL, intake(customer={"external_id": f"W-{index}", "name": "W", "tier": "vip"}))
    converted = _queries._query2pg.cache_info().misses
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            URL, intake(customer={"external_id": "C-1", "name": "Li", "tier": "vip"})
        )
    assert response.status_code == 201, response.json()
    assert _queries._query2pg.cache_info().misses == converted
    [insert] = [query["sql"] for query in queries if query["sql"].startswith("WITH")]
    assert len(insert.encode()) <= CACHED_STATEMENT_LENGTH


@pytest.mark.django_db(transaction=True)  # the WSGI handler closes and opens connections
def test_the_in_process_intake_benchmark_counts_what_it_opened(frontline, team, sla_policy):
    out = io.StringIO()
    call_command("benchmark", "intake-cpu", count=3, stdout=out)
    assert "intake in process, 3 requests" in out.getvalue()
    assert "0 refused;" in out.getvalue() and " of 3 assigned" in out.getvalue()
    assert Case.objects.filter(customer__external_id__startswith="B-cpu").count() == 33
