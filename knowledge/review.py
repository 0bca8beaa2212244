"""``/knowledge/review/`` (the review queue) and ``/knowledge/requests/<id>/`` (one request).

The queue is the knowledge team's and the supervisors'; a request's page is for whoever
may see it (``selectors.requests_visible_to``: its author too). The page is made of panels
(``PANELS``: state and actions, the diff, the review trail), each rendered again by
``/knowledge/requests/<id>/panels/<name>/`` when a ``knowledge.request`` event says the
request changed. Forms post to the services the API calls and show the API's refusals.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import roles
from core.web import Refusal, attempt, roles_required
from escalation.models import Category
from escalation.selectors import last_event_id
from knowledge import selectors, services
from knowledge.api.serializers import RequestTransitionSerializer, RequestUpdateSerializer
from knowledge.diff import inline_diff, proposal_of
from knowledge.models import (
    ArticleVersion,
    KnowledgeRequest,
    RequestState,
    approvals_needed,
)

QUEUE_PAGE_SIZE = 50
FIELDS_BESIDE = ("comment", "reason", "title", "body")


class QueueFilters(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [
            ("", _("Any open state")),
            *RequestState.choices,
        ]
        self.fields["urgency"].choices = [
            ("", _("Any urgency")),
            *KnowledgeRequest.Urgency.choices,
        ]
        self.fields["category"].choices = [("", _("Any category")), *categories]


def _approvals(knowledge_request: KnowledgeRequest) -> None:
    """What a row and the page say of approvals (from the prefetched approvals)."""
    approvers = [approval.approver for approval in knowledge_request.approvals.all()]
    knowledge_request.approvers = approvers
    knowledge_request.approver_names = ", ".join(user.get_username() for user in approvers)
    knowledge_request.needed = approvals_needed(knowledge_request.category)
    awaiting = knowledge_request.state in (RequestState.SUBMITTED, RequestState.IN_REVIEW)
    knowledge_request.remaining = (
        max(0, knowledge_request.needed - len(approvers)) if awaiting else 0
    )


@roles_required(*selectors.REQUEST_OVERSEERS)
def review_queue(request):
    categories = list(Category.objects.order_by("code").values_list("code", "name"))
    filters = QueueFilters(request.GET or None, categories=categories)
    state = urgency = category = ""
    if filters.is_valid():
        state = filters.cleaned_data["state"]
        urgency = filters.cleaned_data["urgency"]
        category = filters.cleaned_data["category"]
    requests = selectors.review_queue(
        user=request.user,
        states=(state,) if state else selectors.QUEUE_OPEN_STATES,
        urgency=urgency,
        category=category,
    )
    page = Paginator(requests, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for row in rows:
        _approvals(row)
        # Only a submitted request offers a button here (claiming it); the rest are opened.
        row.may_claim = row.state == RequestState.SUBMITTED and "claim" in (
            services.allowed_transitions(row, request.user)
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "counts": [
            (value, RequestState(value).label, count)
            for value, count in selectors.request_state_counts(user=request.user).items()
        ],
    }
    if request.htmx and request.htmx.target == "review-queue":
        return render(request, "knowledge/_queue.html", context)
    context |= {
        "filters": filters,
        "live_streams": "/ws/knowledge/",
        # The knowledge stream resumes from the latest version: the page shows the rest.
        "last_event_id": ArticleVersion.objects.order_by("-pk").values_list("pk", flat=True).first()
        or 0,
    }
    return render(request, "knowledge/review.html", context)


# --- one request ---


def _request_for(request, request_id: int) -> KnowledgeRequest:
    found = get_object_or_404(selectors.request_page(user=request.user), pk=request_id)
    _approvals(found)
    return found


def state_context(
    request, knowledge_request: KnowledgeRequest, refusal: Refusal | None = None
) -> dict:
    allowed = services.allowed_transitions(knowledge_request, request.user)
    posted = request.POST if refusal else {}
    return {
        "kr": knowledge_request,
        "allowed": [(name, services.REQUEST_TRANSITIONS[name]) for name in allowed],
        "may_edit": services.may_edit(knowledge_request, request.user),
        "refusal": refusal,
        "posted": posted,
        "posted_transition": posted.get("transition", "") if refusal else "",
        "errors": refusal.fields if refusal else {},
        # Field errors shown beside their inputs; any other shows above the forms.
        "shown_beside": FIELDS_BESIDE,
    }


def diff_context(request, knowledge_request: KnowledgeRequest) -> dict:
    proposal = proposal_of(knowledge_request)
    old_body, new_body = inline_diff(proposal.old_body, proposal.new_body)
    old_title, new_title = inline_diff(proposal.old_title, proposal.new_title)
    return {
        "kr": knowledge_request,
        "proposal": proposal,
        "old_body": old_body,
        "new_body": new_body,
        "old_title": old_title,
        "new_title": new_title,
    }


def trail_context(request, knowledge_request: KnowledgeRequest) -> dict:
    return {
        "kr": knowledge_request,
        "events": list(selectors.request_events(request=knowledge_request)),
    }


PANELS = {
    "state": ("knowledge/request/_state.html", state_context),
    "diff": ("knowledge/request/_diff.html", diff_context),
    "trail": ("knowledge/request/_trail.html", trail_context),
}


def _page(request, knowledge_request: KnowledgeRequest, refusal=None, status: int = 200):
    context: dict = {"kr": knowledge_request}
    for _template, build in PANELS.values():
        context |= build(request, knowledge_request)
    context |= state_context(request, knowledge_request, refusal)
    # Any signed-in person hears of their own requests on their workbench stream; the
    # knowledge team and supervisors hear of every request on the knowledge stream.
    overseer = roles.has_role(request.user, *selectors.REQUEST_OVERSEERS)
    context |= {
        "live_streams": "/ws/workbench/ /ws/knowledge/" if overseer else "/ws/workbench/",
        "last_event_id": last_event_id(),
    }
    return render(request, "knowledge/request/page.html", context, status=status)


@roles_required(*selectors.READERS)
def request_page(request, request_id: int):
    return _page(request, _request_for(request, request_id))


@roles_required(*selectors.READERS)
def request_panel(request, request_id: int, panel: str):
    if panel not in PANELS:
        raise Http404
    template, build = PANELS[panel]
    return render(request, template, build(request, _request_for(request, request_id)))


def _answer(request, request_id: int, refusal: Refusal | None):
    """After a post: back to the page (or ``next``), or the page with the refusal."""
    if refusal is None:
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("knowledge-request", args=[request_id])
        return HttpResponseRedirect(target)
    return _page(request, _request_for(request, request_id), refusal, status=refusal.status)


@require_POST
@roles_required(*selectors.READERS)
def request_transition(request, request_id: int):
    """Fire one transition from a form, through the service the API calls."""
    knowledge_request = _request_for(request, request_id)

    def fire():
        given = RequestTransitionSerializer(data=request.POST)
        given.is_valid(raise_exception=True)
        services.request_transition(
            request=knowledge_request,
            actor=request.user,
            name=given.validated_data["transition"],
            **given.arguments(),
        )

    _result, refusal = attempt(fire)
    return _answer(request, request_id, refusal)


@require_POST
@roles_required(*selectors.READERS)
def request_edit(request, request_id: int):
    """Edit the proposal's title and body (``services.request_update``)."""
    knowledge_request = _request_for(request, request_id)

    def edit():
        given = RequestUpdateSerializer(
            data={name: request.POST[name] for name in ("title", "body") if name in request.POST},
            partial=True,
        )
        given.is_valid(raise_exception=True)
        services.request_update(
            request=knowledge_request, actor=request.user, **given.validated_data
        )

    _result, refusal = attempt(edit)
    return _answer(request, request_id, refusal)
