"""Admin for knowledge. Request transitions go through the same services as the API."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import NoAddOrDeleteMixin, ReadOnlyInline, ReasonForm, ServiceTransitionAdmin
from core.errors import CaseHubError
from knowledge import services
from knowledge.models import (
    Article,
    ArticleVersion,
    KnowledgeRequest,
    RequestApproval,
    RequestEvent,
)


class VersionInline(ReadOnlyInline):
    model = ArticleVersion
    fields = ["number", "title", "author", "approved_by", "published_by", "request", "created_at"]
    readonly_fields = fields
    ordering = ["number"]


@admin.register(Article)
class ArticleAdmin(NoAddOrDeleteMixin, admin.ModelAdmin):
    # answers come from published requests, which version and audit them
    list_display = ["title", "category", "hot", "hot_until", "published_version", "retired_at"]
    list_filter = ["category", "hot", "retired_at"]
    search_fields = ["title"]
    list_select_related = ["category", "published_version"]
    fields = ["title", "category", "tags", "hot", "hot_until", "published_version", "retired_at"]
    readonly_fields = ["title", "category", "tags", "published_version", "retired_at"]
    inlines = [VersionInline]

    def save_model(self, request, obj, form, change):
        """Only the hot flag is editable here, and it goes through the service."""
        try:
            services.article_set_hot(
                article=obj,
                actor=request.user,
                hot=form.cleaned_data["hot"],
                until=form.cleaned_data["hot_until"],
            )
        except CaseHubError as refusal:
            self.message_user(request, refusal.detail, level=messages.ERROR)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea)


class ApprovalInline(ReadOnlyInline):
    model = RequestApproval
    fields = ["approver", "created_at"]
    readonly_fields = fields


class RequestEventInline(ReadOnlyInline):
    model = RequestEvent
    fields = ["created_at", "kind", "actor", "from_state", "to_state", "payload"]
    readonly_fields = fields
    ordering = ["id"]


@admin.register(KnowledgeRequest)
class KnowledgeRequestAdmin(NoAddOrDeleteMixin, ServiceTransitionAdmin):
    # raised through the API or the case page, which audit it
    transition_names = services.REQUEST_TRANSITIONS
    fsm_forms = {"request_changes": CommentForm, "reject": ReasonForm}
    list_display = ["id", "kind", "title", "state", "urgency", "category", "author", "created_at"]
    list_filter = ["state", "kind", "urgency", "category"]
    search_fields = ["title", "author__username"]
    list_select_related = ["category", "author"]
    fields = ["kind", "article", "case", "title", "body", "category", "tags", "urgency", "author"]
    readonly_fields = ["kind", "article", "case", "author", "title", "body", "category", "tags"]
    inlines = [ApprovalInline, RequestEventInline]

    def save_model(self, request, obj, form, change):
        if change and "urgency" in form.changed_data:
            try:
                services.request_update(
                    request=obj, actor=request.user, urgency=form.cleaned_data["urgency"]
                )
            except CaseHubError as refusal:
                self.message_user(request, refusal.detail, level=messages.ERROR)

    def fire_transition(self, obj, *, actor, name, **fields) -> None:
        services.request_transition(request=obj, actor=actor, name=name, **fields)
