"""Publishing: the next article version (or a retirement), hot answers, and who hears of it.

Called inside the transaction of ``knowledge.services.request_transition`` (publish) or as
services of their own (pinning). Live events go out after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import roles
from core.errors import ErrorCode, NotPermitted, RuleViolation
from escalation.services import record_event
from knowledge import live, search
from knowledge.models import Article, ArticleVersion, KnowledgeRequest
from knowledge.rendering import markdown_to_text, render_markdown


def _hot_until(request: KnowledgeRequest) -> datetime | None:
    if request.urgency != KnowledgeRequest.Urgency.HIGH:
        return None
    return timezone.now() + timedelta(hours=settings.CASEHUB_KNOWLEDGE_HOT_HOURS)


def publish_request(request: KnowledgeRequest, actor) -> ArticleVersion | None:
    """Create the next version (or retire the article); the caller fires the transition."""
    if request.kind == KnowledgeRequest.Kind.NEW:
        article = Article.objects.create(
            title=request.title, category=request.category, tags=request.tags
        )
    else:
        article = Article.objects.select_for_update().get(pk=request.article_id)
        if article.is_retired:
            raise RuleViolation(
                _("The article was retired; it cannot be changed."), code=ErrorCode.ARTICLE_RETIRED
            )
    if request.kind == KnowledgeRequest.Kind.RETIRE:
        article.retired_at = timezone.now()
        article.hot = False
        article.save()
        live.publish_retirement(article, request_id=request.pk)
        return None
    number = (article.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    last_approval = request.approvals.order_by("-id").first()
    version = ArticleVersion.objects.create(
        article=article,
        number=number,
        title=request.title,
        body=request.body,
        body_html=render_markdown(request.body),
        tags=request.tags,
        request=request,
        author=request.author,
        approved_by=last_approval.approver if last_approval else None,
        published_by=actor,
    )
    article.title = request.title
    article.category = request.category
    article.tags = request.tags
    article.published_version = version
    if hot_until := _hot_until(request):
        article.hot, article.hot_until = True, hot_until
    _index(article, body=request.body)
    article.save()
    live.publish_version(article, version)
    return version


def _index(article: Article, *, body: str) -> None:
    text = markdown_to_text(body)
    article.search_text = search.text_value(title=article.title, tags=article.tags, body=text)
    article.search_vector = search.vector_value(title=article.title, tags=article.tags, body=text)


def announce_publication(request: KnowledgeRequest, actor) -> None:
    case = request.case
    recipients = [request.author_id]
    if case is not None:
        record_event(
            case=case,
            kind="knowledge_published",
            actor=actor,
            payload={
                "request": request.pk,
                "article": request.published_version.article_id
                if request.published_version
                else request.article_id,
                "version": request.published_version.number if request.published_version else None,
                "kind": request.kind,
                "title": request.title,
            },
        )
        if case.officer_id:
            recipients.append(case.officer.user_id)
    live.notify(
        recipients,
        request_id=request.pk,
        kind="knowledge_published",
        text=_("Knowledge published: %(title)s") % {"title": request.title},
        case_id=case.pk if case else None,
    )


@transaction.atomic
def article_set_hot(
    *, article: Article, actor, hot: bool, until: datetime | None = None
) -> Article:
    """Pin (or unpin) an answer on every workstation until ``until``."""
    if not roles.has_role(actor, roles.KNOWLEDGE_TEAM):
        raise NotPermitted(_("Only the knowledge team flags hot answers."))
    article = (
        Article.objects.select_for_update(of=("self",))
        .select_related("category")
        .get(pk=article.pk)
    )
    article.hot, article.hot_until = hot, until if hot else None
    article.save(update_fields=["hot", "hot_until"])
    if article.published_version_id:
        live.publish_version(article, article.published_version)
    return article


@transaction.atomic
def pin_intent_answers(*, category: str, intent: str, until: datetime) -> list[Article]:
    """Pin the live answers of ``category`` tagged with ``intent`` until ``until`` (a surge
    of that intent opened); one pinned for longer, or without end, keeps its flag. Every
    workstation hears of each answer pinned."""
    if not intent:
        return []
    candidates = (
        Article.objects.live()
        .filter(category__code=category)
        .select_for_update(of=("self",))
        .select_related("category", "published_version")
    )
    pinned = []
    for article in candidates:
        if intent not in (article.tags or []):
            continue
        if article.is_hot and (article.hot_until is None or article.hot_until >= until):
            continue
        article.hot, article.hot_until = True, until
        article.save(update_fields=["hot", "hot_until"])
        live.publish_version(article, article.published_version)
        pinned.append(article)
    return pinned


@transaction.atomic
def expire_hot_flags(*, now: datetime | None = None) -> int:
    """Clear the hot flag of answers whose ``hot_until`` has passed (idempotent).

    Lists order by the stored flag (an index serves it), so a lapsed flag is cleared here;
    the API's ``hot`` is exact in between, and search orders by the exact expiry.
    """
    now = now or timezone.now()
    lapsed = list(
        Article.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("category", "published_version")
        .filter(hot=True, hot_until__lte=now)
    )
    for article in lapsed:
        article.hot = False
        article.save(update_fields=["hot"])
        if article.published_version_id:
            live.publish_version(article, article.published_version)
    return len(lapsed)
