"""Knowledge domain: articles with immutable versions, and update requests.

Categories are the one list cases use too (``escalation.models.Category``).

An article's text lives in its numbered versions; the article points at the version in
force. A knowledge-update request proposes a new article, a correction or a retirement and
goes through the review workflow of PRODUCT.md before ``knowledge.services`` publishes it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from core import roles
from core.models import AppendOnlyModel
from escalation.models import Category


def approvals_needed(category: Category) -> int:
    """Distinct approvals a request needs before publishing: two in a sensitive category."""
    return 2 if category.sensitive else 1


class ArticleQuerySet(models.QuerySet):
    def live(self) -> ArticleQuerySet:
        """Published and not retired."""
        return self.filter(retired_at__isnull=True, published_version__isnull=False)

    def hot_now(self, now=None) -> ArticleQuerySet:
        now = now or timezone.now()
        return self.filter(Q(hot=True) & (Q(hot_until__isnull=True) | Q(hot_until__gt=now)))


class Article(models.Model):
    """A standard answer. Title, category and tags mirror the published version."""

    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="knowledge_articles",
        verbose_name=_("category"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    hot = models.BooleanField(
        _("hot"), default=False, help_text=_("Pinned on top of every workstation.")
    )
    hot_until = models.DateTimeField(
        _("hot until"), null=True, blank=True, help_text=_("Empty: hot until unflagged.")
    )
    published_version = models.OneToOneField(
        "ArticleVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published version"),
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    #: Title, tags and body as plain text: what the SQLite fallback searches.
    search_text = models.TextField(_("search text"), editable=False, blank=True)
    #: Weighted tokens (Latin words and CJK character bigrams) kept by knowledge.search;
    #: only filled on PostgreSQL, where a GIN index serves ``?q=``.
    search_vector = SearchVectorField(_("search vector"), null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["category", "retired_at"], name="article_category_idx"),
            # The default list: live answers, hot first, newest first.
            models.Index(
                fields=["-hot", "-updated_at", "-id"],
                condition=Q(retired_at__isnull=True, published_version__isnull=False),
                name="article_live_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_hot(self) -> bool:
        return self.hot and (self.hot_until is None or self.hot_until > timezone.now())

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class ArticleVersion(AppendOnlyModel):
    """One immutable, numbered text of an article, with who wrote and approved it."""

    immutable_message = _("Article versions are immutable.")

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body (Markdown)"))
    body_html = models.TextField(_("body (sanitized HTML)"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    request = models.ForeignKey(
        "KnowledgeRequest",
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        ordering = ["article", "number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_article_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class RequestState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


#: States in which the proposal may still be edited, and by whom (see services).
AUTHOR_EDITABLE = (RequestState.DRAFT, RequestState.CHANGES_REQUESTED)
REVIEWER_EDITABLE = (RequestState.SUBMITTED, RequestState.IN_REVIEW)


# --- who may fire a transition (groups only, no other I/O) ---


def _is_author(request: KnowledgeRequest, user) -> bool:
    return user.pk == request.author_id


def _is_knowledge_team(request: KnowledgeRequest, user) -> bool:
    return roles.has_role(user, roles.KNOWLEDGE_TEAM)


def _approver(request: KnowledgeRequest, user) -> bool:
    """The knowledge team approves, but never the request's own author."""
    return _is_knowledge_team(request, user) and user.pk != request.author_id


class KnowledgeRequest(ConcurrentTransitionMixin, models.Model):
    """A proposal to add, correct or retire a standard answer, and its review."""

    class Kind(models.TextChoices):
        NEW = "new", _("New answer")
        CORRECTION = "correction", _("Correction")
        RETIRE = "retire", _("Retire")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    State = RequestState

    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    case = models.ForeignKey(
        "escalation.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="knowledge_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("proposed body (Markdown)"), blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="knowledge_requests",
        verbose_name=_("category"),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency, default=Urgency.NORMAL)
    state = FSMField(
        _("state"), default=RequestState.DRAFT, choices=RequestState, protected=True, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="knowledge_requests",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    base_version = models.ForeignKey(
        ArticleVersion,
        verbose_name=_("base version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The article's version in force when the request was raised."),
    )
    published_version = models.ForeignKey(
        ArticleVersion,
        verbose_name=_("published version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("knowledge-update request")
        verbose_name_plural = _("knowledge-update requests")
        indexes = [models.Index(fields=["state", "urgency"], name="kreq_state_urgency_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}: {self.title}"

    # --- the review workflow (PRODUCT.md); services write the audit and live events ---

    @transition(
        field=state,
        source=[RequestState.DRAFT, RequestState.CHANGES_REQUESTED],
        target=RequestState.SUBMITTED,
        permission=_is_author,
        custom={"label": _("Submit")},
    )
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=RequestState.SUBMITTED,
        target=RequestState.IN_REVIEW,
        permission=_is_knowledge_team,
        custom={"label": _("Claim")},
    )
    def claim(self, *, reviewer) -> None:
        self.reviewer = reviewer

    @transition(
        field=state,
        source=RequestState.IN_REVIEW,
        target=RequestState.CHANGES_REQUESTED,
        permission=_is_knowledge_team,
        custom={"label": _("Request changes"), "fields": ["comment"]},
    )
    def request_changes(self, *, comment: str) -> None:
        self.review_comment = comment

    @transition(
        field=state,
        source=RequestState.IN_REVIEW,
        target=RETURN_VALUE(RequestState.IN_REVIEW, RequestState.APPROVED),
        permission=_approver,
        custom={"label": _("Approve")},
    )
    def approve(self, *, approvals: int) -> str:
        """Approved once the category's number of distinct approvals is reached."""
        if approvals >= approvals_needed(self.category):
            return RequestState.APPROVED
        return RequestState.IN_REVIEW

    @transition(
        field=state,
        source=[RequestState.SUBMITTED, RequestState.IN_REVIEW],
        target=RequestState.REJECTED,
        permission=_is_knowledge_team,
        custom={"label": _("Reject"), "fields": ["reason"]},
    )
    def reject(self, *, reason: str) -> None:
        self.rejection_reason = reason

    @transition(
        field=state,
        source=RequestState.APPROVED,
        target=RequestState.PUBLISHED,
        permission=_is_knowledge_team,
        custom={"label": _("Publish")},
    )
    def publish(self, *, version: ArticleVersion | None) -> None:
        """A new answer's request points at the article it created from now on."""
        self.published_version = version
        if version is not None and self.article_id is None:
            self.article = version.article
        self.published_at = timezone.now()


class RequestApproval(models.Model):
    """One reviewer's approval of a request; sensitive categories need two distinct ones."""

    request = models.ForeignKey(
        KnowledgeRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="approvals",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "approver"], name="unique_request_approver")
        ]
        verbose_name = _("request approval")
        verbose_name_plural = _("request approvals")

    def __str__(self) -> str:
        return _("%(approver)s approved #%(request)s") % {
            "approver": self.approver,
            "request": self.request_id,
        }


class RequestEvent(AppendOnlyModel):
    """One immutable line of a request's review trail; every state change writes one."""

    immutable_message = _("Request events are immutable.")

    request = models.ForeignKey(
        KnowledgeRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_state = models.CharField(_("from state"), max_length=24, null=True, blank=True)
    to_state = models.CharField(_("to state"), max_length=24, null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")

    def __str__(self) -> str:
        return _("%(kind)s on request %(request)s") % {
            "kind": self.kind,
            "request": self.request_id,
        }
