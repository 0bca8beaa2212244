"""The hot paths' inserts: a shape compiled once is reused with freshly prepared values, and
what it sends is exactly what Django's insert compiler would send."""

from datetime import datetime, timedelta

import pytest
from django.db.models.constants import OnConflict
from django.db.models.functions import Now
from django.utils import timezone

from core import db
from escalation.models import Case, CaseEvent, Customer, SlaClock
from tests.factories import CaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def comparable(params):
    """Parameters with psycopg's JSON wrappers opened and times blanked (each call stamps
    its own), so two runs compare equal."""
    if isinstance(params, (list, tuple)):
        return [comparable(value) for value in params]
    if isinstance(params, datetime):
        return "<time>"
    return getattr(params, "obj", params)


def compiled_afresh(make, **kwargs):
    db._compiled.clear()
    return db.insert_sql(make(), **kwargs)


SHAPES = {
    "a case with its id": (
        lambda: [
            Case(
                pk=10**9,
                reference="ESC-2026-1",
                title="空调安装延误",
                channel="chat",
                category="installation",
                customer_id=1,
                context={"interactions": [{"channel": "chat"}], "intent": "install_delay"},
            )
        ],
        {},
    ),
    "two events, their ids returned": (
        lambda: [
            CaseEvent(case_id=1, kind="created", to_state="new", payload={"channel": "chat"}),
            CaseEvent(case_id=1, kind="assign", payload={"officer": "officer1"}),
        ],
        {"returning": True},
    ),
    "a customer upsert": (
        lambda: [Customer(external_id="C-1", name="客户", tier="vip")],
        {
            "returning": True,
            "on_conflict": OnConflict.UPDATE,
            "update_fields": [Customer._meta.get_field(name) for name in ("name", "tier")],
            "unique_fields": [Customer._meta.get_field("external_id")],
        },
    ),
}


@pytest.mark.parametrize("name", SHAPES)
def test_a_shape_compiled_before_sends_what_the_compiler_sends(name):
    make, kwargs = SHAPES[name]
    cold_sql, cold_params = compiled_afresh(make, **kwargs)

    warm_sql, warm_params = db.insert_sql(make(), **kwargs)

    assert warm_sql == cold_sql
    assert comparable(warm_params) == comparable(cold_params)
    # Rows as VALUES: a prepared statement gains nothing from UNNEST, and psycopg would dump
    # each column as an array, in Python.
    assert "UNNEST" not in warm_sql
    assert not any(isinstance(value, list) for value in warm_params)


def test_a_warm_shape_writes_the_same_rows(calendar_24x7):
    case = CaseFactory()
    start = timezone.now()

    def clocks():
        return [
            SlaClock(
                case=case,
                kind=kind,
                calendar=calendar_24x7,
                target_seconds=3600,
                started_at=start,
                due_at=start + timedelta(hours=1),
                warn_at=start + timedelta(minutes=45),
            )
            for kind in ("first_response", "resolution")
        ]

    for _ in range(2):  # cold, then warm
        rows = db.Inserts()
        rows.add(clocks())
        rows.run()

    written = SlaClock.objects.filter(case=case).order_by("pk")
    assert [(c.kind, c.due_at) for c in written] == [
        ("first_response", start + timedelta(hours=1)),
        ("resolution", start + timedelta(hours=1)),
    ] * 2


def test_an_expression_is_left_to_the_compiler():
    db._compiled.clear()
    db.insert_sql([CaseEvent(case_id=1, kind="created", payload={})])

    sql, _ = db.insert_sql([CaseEvent(case_id=1, kind="created", payload={}, created_at=Now())])

    assert "STATEMENT_TIMESTAMP()" in sql


def test_many_rows_keep_bulk_create_s_own_form_and_are_not_kept():
    db._compiled.clear()
    many = [CaseEvent(case_id=1, kind="created", payload={}) for _ in range(db.FEW_ROWS + 1)]

    sql, _ = db.insert_sql(many)

    assert "UNNEST" in sql
    assert not db._compiled
