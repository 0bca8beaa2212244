"""Data for a test that drives ``manage.py rundemo`` as real processes.

Run in the demo's environment with ``manage.py shell -c``: ``prepare()`` prints an officer's
API token and the id of their case; ``fall_due(case_id)`` puts the case's resolution clock
past its due time, so the next sweep of the demo's worker breaches it.
"""

from datetime import timedelta

from django.utils import timezone
from rest_framework.authtoken.models import Token

from escalation.models import BusinessCalendar, SlaClock, SlaPolicy
from escalation.sla import clocks
from tests.factories import CaseFactory, OfficerFactory


def prepare() -> None:
    calendar = BusinessCalendar.objects.create(name="Always (probe)", always_open=True)
    SlaPolicy.objects.create(
        name="Probe",
        calendar=calendar,
        first_response_seconds=3600,
        next_update_seconds=7200,
        resolution_seconds=8 * 3600,
    )
    officer = OfficerFactory(user__username="probe-officer")
    case = CaseFactory(officer=officer, state="investigating")
    clocks.start_case_clocks(case)
    token = Token.objects.create(user=officer.user)
    print(token.key, case.pk)


def fall_due(case_id: int) -> None:
    past = timezone.now() - timedelta(minutes=1)
    SlaClock.objects.filter(case_id=case_id, kind="resolution").update(warn_at=past, due_at=past)
