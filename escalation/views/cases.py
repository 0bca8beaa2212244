"""``/cases/<id>/``: one case for its officer and the supervisors, every panel live.

The page is made of panels (header, clocks, transitions, timeline, task groups, presence),
each a partial rendered by ``PANELS``; ``/cases/<id>/panels/<name>/`` renders one of them
again when a live event says the case changed. Compensation and knowledge render their own
panels (their apps' views), fetched by the page.

A transition form carries the last audit event the person saw: if the case changed since,
the post is refused with the API's 409 for a lost race and the panel shows what changed.
"""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django_fsm import ConcurrentTransition
from django_htmx.http import trigger_client_event

from core.web import Refusal, attempt
from escalation import presence, selectors, services
from escalation.api.serializers import CaseTransitionSerializer
from escalation.models import Case, CaseEvent, EscalationOfficer
from escalation.sla import status as sla_status
from escalation.views.access import CASE_WORKERS, roles_required
from escalation.views.taskboard import bot_context, group_form_context, task_groups_context

TIMELINE_LENGTH = 200


def header_context(request, case: Case) -> dict:
    return {"case": case}


def clocks_context(request, case: Case) -> dict:
    return {"case": case, "clocks": sla_status.shown_clocks_of(case)}


def transitions_context(request, case: Case, refusal: Refusal | None = None, changes=()) -> dict:
    allowed = services.allowed_transitions(case, request.user)
    seen = case.events.order_by("-pk").values_list("pk", flat=True).first() or 0
    officers = []
    if "assign" in allowed:
        officers = list(
            EscalationOfficer.objects.filter(active=True, user__is_active=True)
            .select_related("user")
            .order_by("level", "user__username")
        )
    running = [c for c in sla_status.shown_clocks_of(case) if c.state in ("running", "warned")]
    return {
        "case": case,
        "allowed": allowed,
        "required": services.CASE_TRANSITIONS,
        "accepted": services.CASE_TRANSITION_ARGUMENTS,
        "seen_event": seen,
        "officers": officers,
        "running_clocks": running,
        "refusal": refusal,
        "changes": changes,
        "posted": request.POST if refusal else {},
        "errors_by_transition": (
            {request.POST.get("transition", ""): refusal.fields} if refusal else {}
        ),
    }


def timeline_context(request, case: Case) -> dict:
    events = list(selectors.case_events(case=case).order_by("-pk")[:TIMELINE_LENGTH])
    return {"case": case, "events": events}


def presence_context(request, case: Case) -> dict:
    return {"case": case, "present": presence.others(case.pk, request.user)}


def tasks_context(request, case: Case) -> dict:
    return task_groups_context(request, case) | group_form_context(case)


PANELS = {
    "header": ("escalation/case/_header.html", header_context),
    "clocks": ("escalation/case/_clocks.html", clocks_context),
    "transitions": ("escalation/case/_transitions.html", transitions_context),
    "timeline": ("escalation/case/_timeline.html", timeline_context),
    "tasks": ("escalation/case/_tasks.html", tasks_context),
    "presence": ("escalation/case/_presence.html", presence_context),
    "bot": ("escalation/case/_bot.html", bot_context),
}


def interactions_of(case: Case) -> list[dict]:
    """The earlier contacts sent at intake, with the channel's label and the time as a
    datetime (shown in the person's time zone); a value the intake did not check stays as
    it was."""
    shown = []
    for item in (case.context or {}).get("interactions") or []:
        if not isinstance(item, dict):  # an admin may have edited the context by hand
            continue
        channel, at = item.get("channel"), item.get("at")
        try:
            when = parse_datetime(at) if isinstance(at, str) else None
        except ValueError:
            when = None
        shown.append(
            {
                "channel": Case.Channel(channel).label
                if channel in Case.Channel.values
                else channel,
                "at": when or at,
                "summary": item.get("summary", ""),
            }
        )
    return shown


def page_context(request, case: Case, refusal: Refusal | None = None, changes=()) -> dict:
    context: dict = {"case": case}
    for _template, build in PANELS.values():
        context |= build(request, case)
    context |= transitions_context(request, case, refusal, changes)
    context |= {
        "other_cases": selectors.other_cases_of_customer(case),
        "interactions": interactions_of(case),
        "transcript": (case.context or {}).get("bot_transcript") or "",
        "intent": (case.context or {}).get("intent") or "",
        "live_streams": f"/ws/workbench/ /ws/cases/{case.pk}/",
        "last_event_id": selectors.last_event_id(),
        "now": timezone.now(),
    }
    return context


@roles_required(*CASE_WORKERS)
def case_page(request, case_id: int):
    case = selectors.case_page(user=request.user, case_id=case_id)
    return render(request, "escalation/case/page.html", page_context(request, case))


@roles_required(*CASE_WORKERS)
def case_panel(request, case_id: int, panel: str):
    if panel not in PANELS:
        raise Http404
    case = selectors.case_page(user=request.user, case_id=case_id)
    template, build = PANELS[panel]
    return render(request, template, build(request, case))


def _changes_since(case: Case, seen: str) -> list[CaseEvent] | None:
    """The events after the one the form was rendered with; None if the form named none."""
    if not seen.isdigit():
        return None
    return list(selectors.case_events(case=case).filter(pk__gt=int(seen)))


def _safe_next(request) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


@roles_required(*CASE_WORKERS)
def case_transition(request, case_id: int):
    """Fire one transition from a form, through the service the API calls."""
    if request.method != "POST":
        raise Http404
    case = selectors.case_page(user=request.user, case_id=case_id)
    changes = _changes_since(case, request.POST.get("seen_event", ""))

    def fire():
        if changes:
            raise ConcurrentTransition("stale form")
        given = CaseTransitionSerializer(data=request.POST)
        given.is_valid(raise_exception=True)
        name = given.validated_data["transition"]
        services.case_transition(case=case, actor=request.user, name=name, **given.arguments())

    _result, refusal = attempt(fire)
    fresh = selectors.case_page(user=request.user, case_id=case_id)
    if not request.htmx:
        if refusal is None:
            return HttpResponseRedirect(_safe_next(request) or reverse("case", args=[case_id]))
        context = page_context(request, fresh, refusal, changes or [])
        return render(request, "escalation/case/page.html", context, status=refusal.status)
    context = transitions_context(request, fresh, refusal, changes or [])
    response = render(
        request,
        "escalation/case/_transitions.html",
        context,
        status=refusal.status if refusal else 200,
    )
    return trigger_client_event(response, f"case:{case_id}")
