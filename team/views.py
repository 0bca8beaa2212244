"""Badge and points fragments: customer praise on the case page, the war report's
leaderboard and an officer's own badges on the workbench. Each page loads its fragment by
htmx, so escalation never imports team."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from core import roles
from core.web import Refusal, attempt
from escalation import services
from escalation.models import Case
from escalation.selectors import cases_visible_to
from team import selectors

BOARD_VIEWERS = (roles.SUPERVISORS, roles.OFFICERS)
#: Where praise came from, as the form offers it: the case channels, and a survey.
PRAISE_SOURCE_LABELS = [*Case.Channel.choices, ("survey", _("Satisfaction survey"))]


@require_http_methods(["GET", "POST"])
def case_praise(request, case_id: int):
    """The "record customer praise" form of the case page; posting records it through the
    service the API calls."""
    if not roles.has_role(request.user, roles.OFFICERS, roles.SUPERVISORS):
        raise PermissionDenied
    case = get_object_or_404(
        cases_visible_to(request.user).select_related("officer__user"), pk=case_id
    )
    recorded, refusal = None, None
    if request.method == "POST":

        def record():  # the service checks the note and the source as the API's 400 does
            return services.case_record_praise(
                case=case,
                actor=request.user,
                note=request.POST.get("note", ""),
                source=request.POST.get("source", ""),
            )

        recorded, refusal = attempt(record)
    response = _praise_panel(request, case, recorded=recorded, refusal=refusal)
    return trigger_client_event(response, f"case:{case.pk}") if recorded else response


def _praise_panel(request, case, *, recorded=None, refusal: Refusal | None = None):
    context = {
        "case": case,
        "allowed": services.may_record_praise(case, request.user),
        "recorded": recorded,
        "refusal": refusal,
        "errors": refusal.fields if refusal else {},
        "posted": request.POST if refusal else {},
        "sources": PRAISE_SOURCE_LABELS,
    }
    return render(request, "team/_praise.html", context, status=refusal.status if refusal else 200)


def leaderboard_panel(request):
    """The war report's leaderboard: this week's officers by points, with badge counts."""
    if not roles.has_role(request.user, *BOARD_VIEWERS):
        raise PermissionDenied
    period = request.GET.get("period", selectors.DEFAULT_PERIOD)
    if period not in selectors.PERIODS:
        period = selectors.DEFAULT_PERIOD
    context = {
        "board": selectors.leaderboard(period, limit=10),
        "period": period,
        "periods": selectors.PERIODS,
    }
    return render(request, "team/_leaderboard.html", context)


def my_badges(request):
    """The workbench's corner: the signed-in officer's points and latest badges."""
    if not roles.has_role(request.user, *BOARD_VIEWERS):
        raise PermissionDenied
    mine = selectors.badges_and_points([request.user.pk])[request.user.pk]
    context = {"points": mine["points"], "badges": mine["badges"][:8], "count": len(mine["badges"])}
    return render(request, "team/_mine.html", context)
