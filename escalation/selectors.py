"""Reads for cases: who sees what, and the querysets the API and pages list."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from escalation import roles
from escalation.models import Case, CaseEvent, SlaClock

#: Roles that see every case (department members see only their tasks' cases).
CASE_READERS = (
    roles.OFFICERS,
    roles.SUPERVISORS,
    roles.KNOWLEDGE_TEAM,
    roles.FRONTLINE,
)
#: Roles that may open an escalation.
CASE_OPENERS = (roles.FRONTLINE, roles.OFFICERS, roles.SUPERVISORS)


def cases_visible_to(user) -> QuerySet[Case]:
    """Every case the user may see; anything else answers 404."""
    if roles.has_role(user, *CASE_READERS):
        return Case.objects.all()
    return Case.objects.none()


def case_list(*, user) -> QuerySet[Case]:
    """Cases for list pages and the API: everything a row shows, in a fixed number of queries."""
    clocks = SlaClock.objects.select_related("calendar").order_by("pk")
    return (
        cases_visible_to(user)
        .select_related("customer", "officer__user")
        .prefetch_related(Prefetch("sla_clocks", queryset=clocks))
    )


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("id")
