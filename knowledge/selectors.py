"""Reads for knowledge: who sees which requests, article lists, search and suggestions."""

from __future__ import annotations

from django.conf import settings
from django.db.models import BooleanField, Prefetch, Q, QuerySet, Value, When
from django.db.models import Case as Choose
from django.utils import timezone

from escalation import roles
from knowledge import search
from knowledge.models import Article, ArticleVersion, KnowledgeRequest, RequestApproval

#: Roles that read the knowledge base (every role of PRODUCT.md).
READERS = roles.ALL_ROLES
#: Roles that see every request (the review queue); others see their own.
REQUEST_OVERSEERS = (roles.KNOWLEDGE_TEAM, roles.SUPERVISORS)


def _pinned(now) -> Choose:
    hot_now = Q(hot=True) & (Q(hot_until__isnull=True) | Q(hot_until__gt=now))
    return Choose(
        When(hot_now, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def article_list(*, user, q: str = "", include_retired: bool = False) -> QuerySet[Article]:
    """Articles for lists and search: hot ones first, then best match, then newest."""
    articles = Article.objects.all() if include_retired else Article.objects.live()
    articles = (
        articles.select_related("category", "published_version")
        .defer("search_vector", "search_text", "published_version__body")
        .annotate(pinned=_pinned(timezone.now()))
    )
    if q.strip():
        return search.search(articles, q).order_by("-pinned", "-rank", "-updated_at", "-id")
    return articles.order_by("-pinned", "-updated_at", "-id")


def article_detail(*, article_id: int) -> Article:
    return Article.objects.select_related("category", "published_version").get(pk=article_id)


def article_versions(*, article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("author", "approved_by", "published_by").order_by(
        "number"
    )


def suggested_for_case(*, case) -> list[Article]:
    """Live answers for a case: words of its title (any of them), same category first."""
    limit = settings.CASEHUB_KNOWLEDGE_SUGGESTIONS
    articles = article_list(user=None)
    same_category = Choose(
        When(category__code=case.category, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    matched = search.search(articles, case.title, any_word=True).annotate(
        same_category=same_category
    )
    found = list(matched.order_by("-same_category", "-rank", "-pinned", "-id")[:limit])
    if len(found) < limit:
        seen = [a.pk for a in found]
        found += list(
            articles.filter(category__code=case.category).exclude(pk__in=seen)[: limit - len(found)]
        )
    return found


def requests_visible_to(user) -> QuerySet[KnowledgeRequest]:
    if roles.has_role(user, *REQUEST_OVERSEERS):
        return KnowledgeRequest.objects.all()
    if not roles.has_role(user, *READERS):
        return KnowledgeRequest.objects.none()
    return KnowledgeRequest.objects.filter(Q(author=user) | Q(case__officer__user=user))


def request_list(*, user) -> QuerySet[KnowledgeRequest]:
    """Requests for the review queue and the API, in a fixed number of queries."""
    return (
        requests_visible_to(user)
        .select_related("category", "author", "reviewer", "article", "case")
        .prefetch_related(
            Prefetch("approvals", queryset=RequestApproval.objects.select_related("approver"))
        )
    )


def request_events(*, request: KnowledgeRequest):
    return request.events.select_related("actor").order_by("id")
