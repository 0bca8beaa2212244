"""Reads for knowledge: who sees which requests, article lists, search and suggestions."""

from __future__ import annotations

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    FloatField,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as Choose
from django.utils import timezone

from core import roles
from knowledge import search
from knowledge.models import (
    Article,
    ArticleVersion,
    KnowledgeRequest,
    RequestApproval,
    RequestState,
)

#: Roles that read the knowledge base (every role of PRODUCT.md).
READERS = roles.ALL_ROLES
#: Roles that see every request (the review queue); others see their own.
REQUEST_OVERSEERS = (roles.KNOWLEDGE_TEAM, roles.SUPERVISORS)


def _pinned(now) -> Choose:
    hot_now = Q(hot=True) & (Q(hot_until__isnull=True) | Q(hot_until__gt=now))
    return Choose(
        When(hot_now, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


#: What a list row shows (``ArticleSerializer``); nothing else is loaded.
LIST_FIELDS = (
    "title",
    "tags",
    "hot",
    "hot_until",
    "retired_at",
    "updated_at",
    "category__code",
    "published_version__number",
    "published_version__body_html",
)


def article_ranking(
    *, q: str = "", include_retired: bool = False, category: str = "", hot_only: bool = False
) -> QuerySet:
    """``(pk, rank)`` of matching articles, hot ones first, then best match, then newest.

    Deliberately narrow: ranking and sorting thousands of matches is cheap on ids and
    ranks alone, and the page's articles are then loaded by ``articles_by_id``.
    """
    articles = Article.objects.all() if include_retired else Article.objects.live()
    if category:
        articles = articles.filter(category__code=category)
    articles = articles.annotate(pinned=_pinned(timezone.now()))
    if hot_only:
        articles = articles.filter(pinned=True)
    if q.strip():
        articles = search.search(articles, q).order_by("-pinned", "-rank", "-updated_at", "-id")
    else:
        # The stored flag (cleared each minute by knowledge.tasks) lets an index serve this.
        articles = articles.annotate(rank=Value(None, output_field=FloatField())).order_by(
            "-hot", "-updated_at", "-id"
        )
    return articles.values_list("pk", "rank")


def articles_by_id(ranked: list[tuple[int, float | None]]) -> list[Article]:
    """The articles of one page of ``article_ranking``, in its order, ``rank`` set."""
    found = (
        Article.objects.select_related("category", "published_version")
        .only(*LIST_FIELDS)
        .in_bulk([pk for pk, _rank in ranked])
    )
    page = []
    for pk, rank in ranked:
        if pk in found:
            found[pk].rank = rank
            page.append(found[pk])
    return page


def article_list(*, user, q: str = "", include_retired: bool = False) -> list[Article]:
    """The first page of ``article_ranking`` as articles (for pages and suggestions)."""
    ranked = article_ranking(q=q, include_retired=include_retired)
    return articles_by_id(list(ranked[: settings.REST_FRAMEWORK["PAGE_SIZE"]]))


def article_detail_queryset() -> QuerySet[Article]:
    """Every article (retired ones too), for detail pages and their versions."""
    return Article.objects.select_related("category", "published_version").defer(
        "search_vector", "search_text"
    )


def article_versions(*, article: Article) -> QuerySet[ArticleVersion]:
    return article.versions.select_related("author", "approved_by", "published_by").order_by(
        "number"
    )


def visible_request_ids(user, ids) -> set[int]:
    """Which of the requests ``ids`` the person may open (an article's history links them)."""
    return set(requests_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def suggested_for_case(*, case) -> list[Article]:
    """Live answers for a case: words of its title (any of them), same category first."""
    limit = settings.CASEHUB_KNOWLEDGE_SUGGESTIONS
    same_category = Choose(
        When(category__code=case.category, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    articles = Article.objects.live().annotate(same_category=same_category)
    matched = search.search(articles, case.title, any_word=True)
    ranked = list(
        matched.order_by("-same_category", "-rank", "-id").values_list("pk", "rank")[:limit]
    )
    if len(ranked) < limit:
        seen = [pk for pk, _rank in ranked]
        more = articles.filter(category__code=case.category).exclude(pk__in=seen)
        ranked += [
            (pk, None)
            for pk in more.order_by("-updated_at", "-id").values_list("pk", flat=True)[
                : limit - len(ranked)
            ]
        ]
    return articles_by_id(ranked)


def requests_visible_to(user) -> QuerySet[KnowledgeRequest]:
    """The knowledge team and supervisors see every request but others' drafts; everyone
    else sees its own and those raised from cases it runs as officer."""
    if roles.has_role(user, *REQUEST_OVERSEERS):
        return KnowledgeRequest.objects.exclude(~Q(author=user), state=RequestState.DRAFT)
    if not roles.has_role(user, *READERS):
        return KnowledgeRequest.objects.none()
    return KnowledgeRequest.objects.filter(Q(author=user) | Q(case__officer__user=user))


#: A request's links to versions: lists show their numbers, never their text.
VERSION_LINKS = ("base_version", "published_version")


def request_list(*, user) -> QuerySet[KnowledgeRequest]:
    """Requests for the review queue and the API, in a fixed number of queries."""
    return (
        requests_visible_to(user)
        .select_related(
            "category",
            "author",
            "reviewer",
            "article",
            "case",
            "base_version",
            "published_version",
        )
        .defer(*(f"{v}__{text}" for v in VERSION_LINKS for text in ("body", "body_html")))
        .prefetch_related(
            Prefetch("approvals", queryset=RequestApproval.objects.select_related("approver"))
        )
    )


#: What the review queue shows unless asked for another state: the work still to do.
QUEUE_OPEN_STATES = (RequestState.SUBMITTED, RequestState.IN_REVIEW, RequestState.APPROVED)
#: The states the queue counts at its top.
QUEUE_COUNTED_STATES = (
    RequestState.SUBMITTED,
    RequestState.IN_REVIEW,
    RequestState.CHANGES_REQUESTED,
    RequestState.APPROVED,
)


def review_queue(
    *, user, states=QUEUE_OPEN_STATES, urgency: str = "", category: str = ""
) -> QuerySet[KnowledgeRequest]:
    """The review queue: ``request_list`` filtered, urgent first, then oldest first."""
    requests = request_list(user=user).filter(state__in=states)
    if urgency:
        requests = requests.filter(urgency=urgency)
    if category:
        requests = requests.filter(category__code=category)
    urgent_first = Choose(
        When(urgency=KnowledgeRequest.Urgency.HIGH, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return requests.order_by(urgent_first, "created_at", "id")


def request_state_counts(*, user) -> dict[str, int]:
    """``{state: requests}`` the person sees, for the queue's counted states (one query)."""
    counts = requests_visible_to(user).aggregate(
        **{state: Count("pk", filter=Q(state=state)) for state in QUEUE_COUNTED_STATES}
    )
    return {state: counts[state] for state in QUEUE_COUNTED_STATES}


def request_page(*, user) -> QuerySet[KnowledgeRequest]:
    """Requests as their page shows one: the versions' text for the diff, approvals."""
    return (
        requests_visible_to(user)
        .select_related(
            "category",
            "author",
            "reviewer",
            "article__published_version",
            "case",
            "base_version",
            "published_version",
        )
        .prefetch_related(
            Prefetch("approvals", queryset=RequestApproval.objects.select_related("approver"))
        )
    )


def request_events(*, request: KnowledgeRequest):
    return request.events.select_related("actor").order_by("id")


def versions_since(last_version_id: int, *, limit: int) -> list[ArticleVersion]:
    """Versions published after ``last_version_id``, oldest first: what a socket missed."""
    return list(
        ArticleVersion.objects.filter(pk__gt=last_version_id)
        .select_related("article__category")
        .order_by("pk")[:limit]
    )
