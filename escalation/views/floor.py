"""The floor's people on the pages: an officer's own availability, and the team as
supervisors watch it (availability, continuous handling time, open P1/P2, load, strain).

Both are partials: the workbench and the war report load them and refresh them when
``officer.changed`` arrives on their socket.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import roles
from escalation import floor
from escalation.models import OPEN_STATES, Availability, EscalationOfficer
from escalation.views.access import roles_required


def _own_officer(request) -> EscalationOfficer:
    officer = EscalationOfficer.objects.select_related("user").filter(user=request.user).first()
    if officer is None or not roles.is_officer(request.user):
        raise PermissionDenied
    return officer


@require_http_methods(["GET", "POST"])
@roles_required(roles.OFFICERS)
def availability(request):
    """An officer's availability card: its state, time on the floor, and a break prompt."""
    officer = _own_officer(request)
    error = ""
    status = 200
    if request.method == "POST":
        chosen = request.POST.get("availability", "")
        if chosen in Availability.values:
            floor.set_availability(officer=officer, availability=chosen, actor=request.user)
            officer.refresh_from_db()
        else:
            error = _("Choose available, on a break or offline.")
            status = 400
    fatigue = floor.fatigue_of([officer])[officer.pk]
    context = {
        "officer": officer,
        "fatigue": fatigue,
        "choices": Availability.choices,
        "rules": floor.policy(),
        "error": error,
    }
    return render(request, "escalation/floor/_availability.html", context, status=status)


def natural(name: str) -> list:
    """``officer2`` before ``officer10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def team_rows(now=None) -> list[dict]:
    """Every active officer with availability, fatigue and load, strained first."""
    now = now or timezone.now()
    officers = list(
        EscalationOfficer.objects.filter(active=True)
        .select_related("user")
        .annotate(load=Count("cases", filter=Q(cases__state__in=OPEN_STATES)))
        .order_by("user__username")
    )
    fatigue = floor.fatigue_of(officers, now)
    rows = [{"officer": officer, "fatigue": fatigue[officer.pk]} for officer in officers]
    order = {Availability.AVAILABLE: 0, Availability.ON_BREAK: 1, Availability.OFFLINE: 2}
    rows.sort(
        key=lambda row: (
            row["fatigue"].state != "strained",
            order.get(row["officer"].availability, 3),
            natural(row["officer"].user.get_username()),
        )
    )
    return rows


@roles_required(roles.SUPERVISORS)
def team_panel(request):
    """The team on the floor, for the supervisors' war report."""
    rows = team_rows()
    summary = {
        "available": sum(r["officer"].availability == Availability.AVAILABLE for r in rows),
        "on_break": sum(r["officer"].availability == Availability.ON_BREAK for r in rows),
        "strained": sum(r["fatigue"].state == "strained" for r in rows),
    }
    return render(request, "escalation/floor/_team.html", {"rows": rows, "summary": summary})
