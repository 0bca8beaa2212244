"""Rows of hand-written statements read into models as the ORM reads them (``core.rows``),
on SQLite and, under CI, on PostgreSQL: JSON decoded, times aware, booleans booleans."""

import pytest
from django.db import connection
from django.utils import timezone

from core.rows import RowReader
from escalation.models import EscalationOfficer
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

READER = RowReader(EscalationOfficer)


def read_by_hand(officer_id):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {READER.columns('o')}, u.username, 41 FROM escalation_escalationofficer o "
            "JOIN auth_user u ON u.id = o.user_id WHERE o.id = %s",
            [officer_id],
        )
        return READER.read(cursor.fetchone())


def test_a_row_reads_into_the_instance_the_orm_would_give():
    made = OfficerFactory(
        skills=["installation", "退款"], available_since=timezone.now(), pool=True
    )
    officer, others = read_by_hand(made.pk)
    expected = EscalationOfficer.objects.get(pk=made.pk)
    for field in EscalationOfficer._meta.concrete_fields:
        assert getattr(officer, field.attname) == getattr(expected, field.attname), field.name
        assert type(getattr(officer, field.attname)) is type(getattr(expected, field.attname))
    assert officer.skills == ["installation", "退款"] and officer.pool is True
    assert timezone.is_aware(officer.available_since)
    assert list(others) == [made.user.username, 41]


def test_the_instance_is_saved_and_can_be_saved_again():
    made = OfficerFactory()
    officer, _ = read_by_hand(made.pk)
    assert not officer._state.adding and officer._state.db == connection.alias
    officer.max_open_cases = 7
    officer.save(update_fields=["max_open_cases"])
    assert EscalationOfficer.objects.get(pk=made.pk).max_open_cases == 7
