"""The supervisors' approvals page (``/approvals/``): what waits for a supervisor's word.

Three lists, each acted on in place through the services the API calls:

* compensation above an officer's limit per grant, with its case and what the officer has
  left of each budget (``compensation.selectors.requester_standings``): approve, or decline
  with a reason;
* deadlines extended as often as the SLA policy lets an officer: only a supervisor moves
  them again (``escalation.selectors.clocks_at_extension_limit``);
* grants flagged for the quality review (every money-like grant): marked fine or flagged.

A refusal (another supervisor decided first, a limit, a missing reason) is the API's, shown
beside the item. Every change to what waits is sent to supervisors as
``approvals.changed``; the lists and the navigation's count re-read themselves on it.
"""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casehub.navigation import approval_counts
from compensation import selectors as grant_selectors
from compensation import services as grant_services
from compensation.api.serializers import GrantReviewSerializer, GrantTransitionSerializer
from compensation.models import Grant
from core import roles
from core.web import Refusal, attempt
from escalation import selectors, services
from escalation.api.serializers import CaseTransitionSerializer
from escalation.models import SlaClock
from escalation.views.access import roles_required

#: The most items each list shows; the counts above them tell how many wait in all.
SHOWN = 50


def _context(request, *, refused: tuple[str, int, Refusal] | None = None) -> dict:
    """The three lists; ``refused`` is ``(list, id, refusal)`` of the item an action failed on."""
    decisions = list(grant_selectors.awaiting_decision()[:SHOWN])
    standings = grant_selectors.requester_standings(decisions)
    for grant in decisions:
        grant.standings = standings[grant.pk]
        grant.own = grant.requested_by_id == request.user.pk
    reviews = list(grant_selectors.review_queue()[:SHOWN])
    for grant in reviews:
        grant.own = grant.requested_by_id == request.user.pk
    extensions = selectors.clocks_at_extension_limit(limit=SHOWN)
    refusals = {"decision": {}, "review": {}, "extension": {}}
    if refused is not None:
        kind, pk, refusal = refused
        refusals[kind][pk] = refusal
    shown = set()
    for items, kind in ((decisions, "decision"), (reviews, "review"), (extensions, "extension")):
        for item in items:
            item.refusal = refusals[kind].get(item.pk)
            shown.add((kind, item.pk))
    return {
        # Refused on an item that no longer waits (decided elsewhere): said above the lists.
        "refusal": refused[2] if refused and (refused[0], refused[1]) not in shown else None,
        "decisions": decisions,
        "reviews": reviews,
        "extensions": extensions,
        "counts": grant_selectors.approval_counts(),
        "posted": request.POST if refused else {},
        "live_streams": "/ws/workbench/",
    }


@roles_required(roles.SUPERVISORS)
def page(request):
    """The page; its lists alone when htmx re-reads them after ``approvals.changed``."""
    template = "approvals/_lists.html" if request.htmx else "approvals/page.html"
    return render(request, template, _context(request))


@roles_required(roles.SUPERVISORS)
def count(request):
    """The navigation's count of what waits, re-read live."""
    return render(request, "approvals/_count.html", {"approval_counts": approval_counts()})


def _answer(request, refused: tuple[str, int, Refusal | None]):
    """Back to the page (a form post), or the lists again (htmx), the refusal shown."""
    kind, pk, refusal = refused
    if refusal is None and not request.htmx:
        return HttpResponseRedirect(reverse("approvals"))
    context = _context(request, refused=(kind, pk, refusal) if refusal else None)
    template = "approvals/_lists.html" if request.htmx else "approvals/page.html"
    return render(request, template, context, status=refusal.status if refusal else 200)


def _act(request, kind: str, pk: int, given, act):
    """Validate the form with the API's serializer ``given``, then ``act(validated)``."""

    def run():
        given.is_valid(raise_exception=True)
        act(given)

    _done, refusal = attempt(run)
    return _answer(request, (kind, pk, refusal))


@require_POST
@roles_required(roles.SUPERVISORS)
def decide(request, grant_id: int):
    """Approve or decline a grant waiting for a supervisor (``transition``, ``reason``)."""
    grant = get_object_or_404(Grant, pk=grant_id)
    return _act(
        request,
        "decision",
        grant.pk,
        GrantTransitionSerializer(data=request.POST),
        lambda given: grant_services.grant_transition(
            grant=grant,
            actor=request.user,
            name=given.validated_data["transition"],
            **given.arguments(),
        ),
    )


@require_POST
@roles_required(roles.SUPERVISORS)
def review(request, grant_id: int):
    """The quality review of a flagged grant (``outcome`` ``approve`` or ``flag``, ``note``)."""
    grant = get_object_or_404(Grant, pk=grant_id)
    return _act(
        request,
        "review",
        grant.pk,
        GrantReviewSerializer(data=request.POST),
        lambda given: grant_services.grant_review(
            grant=grant, actor=request.user, **given.validated_data
        ),
    )


@require_POST
@roles_required(roles.SUPERVISORS)
def extend(request, clock_id: int):
    """Move a deadline past the policy's extension limit (``until``, ``reason``)."""
    clock = get_object_or_404(SlaClock.objects.select_related("case"), pk=clock_id, task=None)
    form = {**request.POST.dict(), "transition": "extend_deadline", "clock": clock.kind}
    return _act(
        request,
        "extension",
        clock.pk,
        CaseTransitionSerializer(data=form),
        lambda given: services.case_transition(
            case=clock.case, actor=request.user, name="extend_deadline", **given.arguments()
        ),
    )
