"""Live events of the knowledge app, sent through ``escalation.live`` after commit.

Event types
-----------
``knowledge.published``
    A new version of an answer is in force; every workstation shows it without reload.
    Sent to the ``knowledge`` group (``/ws/knowledge/``). Fields: ``id`` (article id),
    ``event_id`` (the version id: a client reconnecting with ``?last_event_id=<n>``
    receives the versions published after it), ``version`` (its number), ``title``,
    ``category`` (code), ``tags``, ``hot`` (pinned now), ``hot_until``, ``body_html``
    (sanitized), ``request`` (id or null), ``at``. Sent again, with the same ``event_id``,
    when the answer's hot flag is set, cleared or lapses: clients replace what they show.
``knowledge.retired``
    An answer was withdrawn; workstations drop it. Group ``knowledge``. Fields: ``id``,
    ``title``, ``request`` (id or null), ``at``.
``knowledge.request``
    A knowledge-update request changed: a transition fired (an approval that is not yet
    enough included) or its proposal was edited. Sent to its author's ``user-<id>``
    (``/ws/workbench/``) and to ``knowledge-review`` (``REVIEW_GROUP``: the knowledge team
    and supervisors on ``/ws/knowledge/``). Fields: ``id`` (the request), ``state``,
    ``from`` (the state before; the same as ``state`` when it did not change), ``actor``
    (username), ``at``, ``approvals`` (distinct approvals now), ``needed`` (approvals the
    category needs). No ``event_id``: the review trail is read again on refresh.
``notification``
    The shape of ``escalation.live`` (``id``, ``kind``, ``text``, ``case``, ``at``), sent to
    ``user-<id>`` of the requester and of the originating case's officer when a request is
    published (``kind`` ``knowledge_published``; ``id`` is the request id).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from core import live
from knowledge.models import Article, ArticleVersion, KnowledgeRequest, approvals_needed

#: The knowledge team and supervisors: every request's changes, for the review queue.
REVIEW_GROUP = "knowledge-review"


@dataclass(frozen=True)
class KnowledgePublished:
    id: int
    event_id: int
    version: int
    title: str
    category: str
    hot: bool
    hot_until: str | None
    body_html: str
    request: int | None
    at: str
    tags: list[str] = field(default_factory=list)
    type: str = "knowledge.published"


@dataclass(frozen=True)
class KnowledgeRetired:
    id: int
    title: str
    request: int | None
    at: str
    type: str = "knowledge.retired"


@dataclass(frozen=True)
class Notification:
    id: int
    kind: str
    text: str
    case: int | None
    at: str
    type: str = "notification"


@dataclass(frozen=True)
class KnowledgeRequestChanged:
    id: int
    state: str
    actor: str | None
    at: str
    approvals: int
    needed: int
    # ``from`` is a keyword: the envelope is built by ``as_message``.
    from_state: str
    type: str = "knowledge.request"

    def as_message(self) -> dict:
        message = dict(vars(self))
        message["from"] = message.pop("from_state")
        return message


def knowledge_published(article: Article, version: ArticleVersion) -> KnowledgePublished:
    return KnowledgePublished(
        id=article.pk,
        event_id=version.pk,
        version=version.number,
        title=version.title,
        category=article.category.code,
        tags=list(version.tags),
        hot=article.is_hot,
        hot_until=article.hot_until.isoformat() if article.hot_until else None,
        body_html=version.body_html,
        request=version.request_id,
        at=version.created_at.isoformat(),
    )


def publish_version(article: Article, version: ArticleVersion) -> None:
    live.send_on_commit([live.KNOWLEDGE_GROUP], knowledge_published(article, version))


def publish_retirement(article: Article, *, request_id: int | None) -> None:
    message = KnowledgeRetired(
        id=article.pk, title=article.title, request=request_id, at=timezone.now().isoformat()
    )
    live.send_on_commit([live.KNOWLEDGE_GROUP], message)


def notify(user_ids: list[int], *, request_id: int, kind: str, text: str, case_id) -> None:
    message = Notification(
        id=request_id, kind=kind, text=text, case=case_id, at=timezone.now().isoformat()
    )
    live.send_on_commit([live.user_group(pk) for pk in dict.fromkeys(user_ids)], message)


def publish_request_change(request: KnowledgeRequest, *, from_state: str, actor) -> None:
    """Tell the request's author and the review queue, after commit, what it is now."""
    message = KnowledgeRequestChanged(
        id=request.pk,
        state=request.state,
        from_state=from_state,
        actor=actor.get_username() if actor is not None else None,
        at=timezone.now().isoformat(),
        approvals=request.approvals.count(),
        needed=approvals_needed(request.category),
    )
    live.send_on_commit([live.user_group(request.author_id), REVIEW_GROUP], message.as_message())
