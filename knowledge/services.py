"""Writes with side effects for knowledge: raising, editing, reviewing and publishing.

Each function runs in one transaction: lock the request, fire the transition, save, write
one RequestEvent (and a CaseEvent on the originating case where the case's timeline should
show it) and send live events after commit (``knowledge.request`` to the author and the
review queue for every transition and edit). API, admin and demo all come through here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.errors import ErrorCode, InvalidInput, NotPermitted, RuleViolation
from core.system import system_user
from core.transitions import Machine
from escalation import selectors as case_selectors
from escalation.models import Case, Category
from escalation.services import record_event
from knowledge import live, publishing
from knowledge.models import (
    AUTHOR_EDITABLE,
    REVIEWER_EDITABLE,
    Article,
    KnowledgeRequest,
    RequestApproval,
    RequestEvent,
    RequestState,
    approvals_needed,
)

#: Roles that may raise a knowledge-update request (PRODUCT.md).
RAISERS = (
    roles.OFFICERS,
    roles.SUPERVISORS,
    roles.KNOWLEDGE_TEAM,
    roles.FRONTLINE,
    roles.DEPARTMENT_MEMBERS,
)
#: Transitions people fire through the uniform endpoint, with the fields each requires.
REQUEST_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submit": (),
    "claim": (),
    "request_changes": ("comment",),
    "approve": (),
    "reject": ("reason",),
    "publish": (),
}
EDITABLE_FIELDS = ("title", "body", "category", "tags", "urgency")


def lock_request(request_id: int) -> KnowledgeRequest:
    """The request row, locked until the transaction ends (a no-op lock on SQLite)."""
    return (
        KnowledgeRequest.objects.select_for_update(of=("self",))
        .select_related("category", "author", "case__officer__user", "article")
        .get(pk=request_id)
    )


def _audit(
    request: KnowledgeRequest, *, kind: str, actor, from_state=None, to_state=None, **payload
):
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
    )


def _case_for(actor, case: Case | None) -> Case | None:
    if case is None:
        return None
    visible = case_selectors.cases_visible_to(actor).select_related("officer__user")
    found = visible.filter(pk=case.pk).first()
    if found is None:
        raise InvalidInput({"case": [_("No such case, or you may not see it.")]})
    return found


@transaction.atomic
def request_create(
    *,
    actor,
    kind: str,
    category: Category | None = None,
    title: str = "",
    body: str = "",
    article: Article | None = None,
    case: Case | None = None,
    urgency: str = KnowledgeRequest.Urgency.NORMAL,
    tags: list[str] | None = None,
) -> KnowledgeRequest:
    """Raise a request (a draft); raised from a case, it shows on the case's timeline.

    A new answer raised from a case without a category takes the case's; a correction or
    retirement keeps its article's unless another is given.
    """
    if not roles.has_role(actor, *RAISERS):
        raise NotPermitted(_("Your role may not raise knowledge-update requests."))
    case = _case_for(actor, case)
    if category is None and case is not None and kind == KnowledgeRequest.Kind.NEW:
        category = Category.objects.ensure(case.category)
    errors: dict[str, list[str]] = {}
    if kind == KnowledgeRequest.Kind.NEW:
        if article is not None:
            errors["article"] = [_("A new answer must not name an article.")]
        if not title.strip():
            errors["title"] = [_("A new answer needs a title.")]
        if not body.strip():
            errors["body"] = [_("A new answer needs a body.")]
        if category is None:
            errors["category"] = [_("A new answer needs a category.")]
    else:
        if article is None:
            errors["article"] = [_("Name the article to correct or retire.")]
        elif article.is_retired or article.published_version_id is None:
            errors["article"] = [_("This article is not published.")]
        if kind == KnowledgeRequest.Kind.CORRECTION and not body.strip():
            errors["body"] = [_("A correction needs the corrected body.")]
    if errors:
        raise InvalidInput(errors)
    request = KnowledgeRequest.objects.create(
        kind=kind,
        article=article,
        case=case,
        title=title.strip() or (article.title if article else ""),
        body=body,
        category=category or (article.category if article else None),
        tags=tags if tags is not None else (list(article.tags) if article else []),
        urgency=urgency,
        author=actor,
        base_version_id=article.published_version_id if article else None,
    )
    _audit(request, kind="created", actor=actor, to_state=request.state, request_kind=kind)
    if case is not None:
        record_event(
            case=case,
            kind="knowledge_request_raised",
            actor=actor,
            payload={"request": request.pk, "kind": kind, "title": request.title},
        )
    return request


@transaction.atomic
def request_for_surge(
    *, category: Category, intent: str, title: str, body: str
) -> KnowledgeRequest:
    """A new answer the floor needs now: raised by CaseHub itself when a surge opens, with
    high urgency, and submitted at once so it heads the review queue (a draft only its
    author sees would help nobody)."""
    now = timezone.now()
    request = KnowledgeRequest.objects.create(
        kind=KnowledgeRequest.Kind.NEW,
        title=title[:200],
        body=body,
        category=category,
        tags=[intent] if intent else [],
        urgency=KnowledgeRequest.Urgency.HIGH,
        author=system_user(),
        state=RequestState.SUBMITTED,
        submitted_at=now,
    )
    _audit(
        request,
        kind="created",
        actor=None,
        to_state=request.state,
        request_kind=request.kind,
        raised_by="surge",
    )
    live.publish_request_change(request, from_state=request.state, actor=None)
    return request


def may_edit(request: KnowledgeRequest, user) -> bool:
    """Its author while a draft or sent back; the knowledge team while it is reviewed."""
    if request.state in AUTHOR_EDITABLE:
        return user.pk == request.author_id
    if request.state in REVIEWER_EDITABLE:
        return roles.has_role(user, roles.KNOWLEDGE_TEAM)
    return False


@transaction.atomic
def request_update(*, request: KnowledgeRequest, actor, **changes: Any) -> KnowledgeRequest:
    """Edit the proposal: its author while a draft or sent back, the knowledge team in review.

    An edit in review clears earlier approvals, so approvers always approve the text that
    will be published.
    """
    request = lock_request(request.pk)
    if request.state not in (*AUTHOR_EDITABLE, *REVIEWER_EDITABLE):
        raise RuleViolation(
            _("A request that is %(state)s can no longer be edited.") % {"state": request.state},
            code=ErrorCode.NOT_EDITABLE,
            state=request.state,
        )
    if not may_edit(request, actor):
        raise NotPermitted(_("You may not edit this request now."))
    changed = []
    for name in EDITABLE_FIELDS:
        if name in changes and getattr(request, name) != changes[name]:
            setattr(request, name, changes[name])
            changed.append(name)
    if request.kind != KnowledgeRequest.Kind.RETIRE and not request.body.strip():
        raise InvalidInput({"body": [_("The proposal needs a body.")]})
    if not changed:
        return request
    request.save()
    cleared, _deleted = request.approvals.all().delete()
    _audit(request, kind="edited", actor=actor, fields=changed, approvals_cleared=cleared)
    live.publish_request_change(request, from_state=request.state, actor=actor)
    return request


class RequestMachine(Machine):
    def allowed(self, obj: KnowledgeRequest, user) -> list[str]:
        names = super().allowed(obj, user)
        if "approve" in names and obj.approvals.filter(approver=user).exists():
            names.remove("approve")
        return names

    def check_actor(self, obj: KnowledgeRequest, actor, name: str) -> None:
        if name == "approve":
            _check_approver(obj, actor)


REQUESTS = RequestMachine(noun=gettext_lazy("request"), transitions=REQUEST_TRANSITIONS)


def allowed_transitions(request: KnowledgeRequest, user) -> list[str]:
    return REQUESTS.allowed(request, user)


@transaction.atomic
def request_transition(
    *, request: KnowledgeRequest, actor, name: str, **fields: Any
) -> KnowledgeRequest:
    """Fire one named transition. 409 from a wrong state, 403 for the wrong person (and for
    self-approval), 422 for a rule (a second approval by the same person)."""
    REQUESTS.refuse_unknown(name)
    request = lock_request(request.pk)
    REQUESTS.check(request, name=name, actor=actor)
    from_state = request.state
    payload: dict[str, Any] = {}
    arguments: dict[str, Any] = {}
    if name == "claim":
        arguments = {"reviewer": actor}
    elif name == "request_changes":
        arguments = payload = {"comment": fields["comment"]}
    elif name == "reject":
        arguments = payload = {"reason": fields["reason"]}
    elif name == "approve":
        RequestApproval.objects.create(request=request, approver=actor)
        approvals = request.approvals.count()
        arguments = {"approvals": approvals}
        payload = {"approvals": approvals, "needed": approvals_needed(request.category)}
    elif name == "publish":
        version = publishing.publish_request(request, actor)
        arguments = {"version": version}
        if version is not None:
            payload = {"article": version.article_id, "version": version.number}

    def audit(from_state: str | None, to_state: str | None) -> None:
        _audit(request, kind=name, actor=actor, from_state=from_state, to_state=to_state, **payload)

    REQUESTS.apply(request, name=name, audit=audit, **arguments)
    if name == "publish":
        publishing.announce_publication(request, actor)
    live.publish_request_change(request, from_state=from_state, actor=actor)
    return request


def _check_approver(request: KnowledgeRequest, actor) -> None:
    if actor.pk == request.author_id:
        raise NotPermitted(
            _("The author of a request may not approve it."), code=ErrorCode.SELF_APPROVAL
        )
    if request.approvals.filter(approver=actor).exists():
        raise RuleViolation(
            _("You already approved this request; a second, different approver is needed."),
            code=ErrorCode.ALREADY_APPROVED,
            approvals_needed=approvals_needed(request.category),
        )


# Pinning answers lives with publishing; re-exported for callers of the service layer.
article_set_hot = publishing.article_set_hot
expire_hot_flags = publishing.expire_hot_flags
