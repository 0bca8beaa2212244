"""Peak-season page fragments and pages: a case's notices, supervisors' broadcasts, and the
surges panel that the war report and the knowledge review queue load."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core import roles
from core.web import attempt, roles_required
from escalation.models import OPEN_STATES, CaseState, Category, ContactChannel
from escalation.selectors import cases_visible_to
from peak import notices, selectors, surges
from peak.api.notices import BroadcastSerializer
from peak.models import Broadcast, Notice

#: Who sees surges: those who act on them (officers see them on the war report too).
SURGE_VIEWERS = (roles.SUPERVISORS, roles.KNOWLEDGE_TEAM, roles.OFFICERS)


def case_notices(request, case_id: int):
    """What the case told its customer: each notice, its channel, status and green points."""
    if not roles.has_role(request.user, roles.OFFICERS, roles.SUPERVISORS):
        raise PermissionDenied
    case = get_object_or_404(cases_visible_to(request.user).select_related("customer"), pk=case_id)
    sent = list(Notice.objects.filter(case=case).order_by("-created_at", "-id")[:50])
    preferences = case.customer.contact_preferences or {}
    channels = [c for c in preferences.get("channels") or [] if c in ContactChannel.values]
    context = {
        "case": case,
        "notices": sent,
        "preferences": preferences,
        "channel_labels": [ContactChannel(channel).label for channel in channels],
        "green_points": sum(n.green_points for n in sent if n.status == Notice.Status.SENT),
    }
    return render(request, "peak/_case_notices.html", context)


@roles_required(*SURGE_VIEWERS)
def surges_panel(request):
    return render(request, "peak/_surges.html", {"surges": surges.recent()})


@roles_required(roles.SUPERVISORS, roles.OFFICERS)
def floor_panel(request):
    """The war report's peak-season part: surges, and today's green contact."""
    context = {"surges": surges.recent(), "green": selectors.green_contact()}
    return render(request, "peak/_floor.html", context)


@roles_required(roles.SUPERVISORS)
@require_http_methods(["GET", "POST"])
def broadcasts(request):
    """Tell every open case a disruption hits, at once; the list of what was sent."""
    sent, refusal, posted = None, None, {}
    if request.method == "POST":
        posted = request.POST
        given = BroadcastSerializer(
            data={
                "filter": {
                    key: posted[key]
                    for key in ("category", "intent", "state")
                    if posted.get(key, "").strip()
                },
                "message": posted.get("message", ""),
            }
        )

        def send():
            given.is_valid(raise_exception=True)
            return notices.broadcast(
                actor=request.user,
                filters=dict(given.validated_data["filter"]),
                message=given.validated_data["message"],
            )

        sent, refusal = attempt(send)
        if sent is not None:  # a reload must not send it again: show it by its id instead
            return redirect(f"{reverse('broadcasts')}?sent={sent.pk}")
    elif request.GET.get("sent", "").isdigit():
        sent = Broadcast.objects.filter(pk=int(request.GET["sent"])).first()
    context = {
        "sent": sent,
        "refusal": refusal,
        "posted": posted,
        "categories": Category.objects.order_by("code"),
        "states": [(state, CaseState(state).label) for state in OPEN_STATES],
        "recent": Broadcast.objects.select_related("author").order_by("-created_at", "-id")[:20],
    }
    return render(
        request, "peak/broadcasts.html", context, status=refusal.status if refusal else 200
    )
