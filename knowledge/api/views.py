"""Knowledge over REST: articles (search, suggestions, versions) and update requests."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import roles
from core.api.idempotency import idempotent
from core.api.transitions import TransitionsMixin, transitions_schema
from core.errors import InvalidInput
from escalation import selectors as case_selectors
from escalation.models import Category
from knowledge import selectors, services
from knowledge.api import examples
from knowledge.api.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    ArticleVersionSerializer,
    CategorySerializer,
    HotFlagSerializer,
    RequestCreateSerializer,
    RequestDiffSerializer,
    RequestEventSerializer,
    RequestSerializer,
    RequestTransitionSerializer,
    RequestUpdateSerializer,
)
from knowledge.diff import line_diff, proposal_of
from knowledge.models import KnowledgeRequest


class KnowledgeReader(permissions.BasePermission):
    """Any authenticated user holding one of the roles reads the knowledge base."""

    message = _("Your role may not read the knowledge base.")

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, *selectors.READERS)


def _flag(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes"}


@extend_schema_view(
    list=extend_schema(examples=[examples.CATEGORY_RESPONSE]),
    retrieve=extend_schema(examples=[examples.CATEGORY_RESPONSE]),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    permission_classes = [KnowledgeReader]
    queryset = Category.objects.order_by("code")
    lookup_field = "code"
    pagination_class = None
    filter_backends = []


@extend_schema_view(retrieve=extend_schema(examples=[examples.ARTICLE_DETAIL_RESPONSE]))
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ArticleSerializer
    permission_classes = [KnowledgeReader]
    filter_backends = []

    def get_queryset(self):
        return selectors.article_detail_queryset()

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Full-text search (English and Chinese)."),
            OpenApiParameter("category", str, description="A category code."),
            OpenApiParameter("hot", bool, description="Only answers pinned now."),
            OpenApiParameter("retired", bool, description="Include retired answers."),
        ],
        examples=[examples.ARTICLE_RESPONSE],
        summary="Answers, hot ones first; with ?q= the best matches next",
    )
    def list(self, request, *args, **kwargs):
        params = request.query_params
        q = params.get("q", "")
        if len(q) > 200:
            raise InvalidInput({"q": [_("At most %(count)d characters.") % {"count": 200}]})
        ranked = selectors.article_ranking(
            q=q,
            include_retired=_flag(params.get("retired")),
            category=params.get("category", ""),
            hot_only=_flag(params.get("hot")),
        )
        page = selectors.articles_by_id(self.paginate_queryset(ranked))
        return self.get_paginated_response(ArticleSerializer(page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("case", int, required=True)],
        responses={
            200: ArticleSerializer(many=True),
            404: OpenApiResponse(description="No such case, or not visible to you."),
        },
        examples=[examples.SUGGESTED_RESPONSE],
        summary="Answers suggested for a case (its title and category)",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def suggested(self, request):
        raw = request.query_params.get("case", "")
        if not raw.isdigit():
            raise InvalidInput({"case": [_("Give the id of a case.")]})
        case = get_object_or_404(case_selectors.cases_visible_to(request.user), pk=int(raw))
        articles = selectors.suggested_for_case(case=case)
        return Response(ArticleSerializer(articles, many=True).data)

    @extend_schema(
        request=HotFlagSerializer,
        responses=ArticleDetailSerializer,
        examples=[examples.HOT_REQUEST, examples.UNPIN_REQUEST, examples.HOT_RESPONSE],
        summary="Pin or unpin an answer (knowledge team)",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def hot(self, request, pk=None):
        article = self.get_object()
        flag = HotFlagSerializer(data=request.data)
        flag.is_valid(raise_exception=True)
        services.article_set_hot(
            article=article,
            actor=request.user,
            hot=flag.validated_data["hot"],
            until=flag.validated_data["until"],
        )
        return Response(ArticleDetailSerializer(self.get_object()).data)

    @extend_schema(
        responses=ArticleVersionSerializer(many=True),
        examples=[examples.VERSION_RESPONSE],
        summary="Every version",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        article = self.get_object()
        versions = selectors.article_versions(article=article)
        return Response(ArticleVersionSerializer(versions, many=True).data)


class RequestAccess(permissions.BasePermission):
    message = _("Your role may not raise or read knowledge-update requests.")

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, *services.RAISERS)


@extend_schema_view(
    list=extend_schema(examples=[examples.REQUEST_RESPONSE]),
    retrieve=extend_schema(examples=[examples.REQUEST_RESPONSE]),
    transitions=transitions_schema(
        request=RequestTransitionSerializer,
        response=RequestSerializer,
        listed=[examples.TRANSITIONS_RESPONSE],
        examples=[
            OpenApiExample("Approve", value={"transition": "approve"}, request_only=True),
            OpenApiExample(
                "Reject", value={"transition": "reject", "reason": "Duplicate."}, request_only=True
            ),
            examples.FIRED_RESPONSE,
        ],
        noun="request",
    ),
)
class RequestViewSet(
    TransitionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RequestSerializer
    permission_classes = [RequestAccess]
    machine = services.REQUESTS
    transition_serializer_class = RequestTransitionSerializer
    filterset_fields = ["state", "kind", "urgency", "case", "article"]
    ordering_fields = ["created_at", "updated_at", "urgency"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.request_list(user=self.request.user)

    def _reloaded(self, knowledge_request: KnowledgeRequest) -> dict:
        fresh = get_object_or_404(self.get_queryset(), pk=knowledge_request.pk)
        return RequestSerializer(fresh).data

    @extend_schema(
        request=RequestCreateSerializer,
        responses={201: RequestSerializer},
        examples=[
            examples.CREATE_REQUEST,
            examples.REQUEST_CREATED,
        ],
        summary="Raise a knowledge-update request (a draft)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        data = RequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.request_create(actor=request.user, **data.validated_data)
        return Response(self._reloaded(created), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RequestUpdateSerializer,
        examples=[examples.EDIT_REQUEST, examples.EDITED_RESPONSE],
        summary="Edit the proposal",
    )
    def partial_update(self, request, *args, **kwargs):
        knowledge_request = self.get_object()
        data = RequestUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.request_update(
            request=knowledge_request, actor=request.user, **data.validated_data
        )
        return Response(self._reloaded(knowledge_request))

    def fire_transition(self, knowledge_request, *, actor, name: str, **fields) -> None:
        services.request_transition(request=knowledge_request, actor=actor, name=name, **fields)

    @extend_schema(
        responses=RequestDiffSerializer,
        examples=[examples.DIFF_RESPONSE],
        summary="The proposal against the published version (unified diff and line ops)",
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        proposal = proposal_of(self.get_object())
        base = proposal.base
        label = f"v{base.number}" if base else "(none)"
        body = {
            "base_version": base.number if base else None,
            "title": {
                "old": proposal.old_title,
                "new": proposal.new_title,
                "changed": proposal.title_changed,
            },
            **line_diff(
                proposal.old_body, proposal.new_body, old_label=label, new_label="proposal"
            ),
        }
        return Response(body)

    @extend_schema(
        responses=RequestEventSerializer(many=True),
        examples=[examples.EVENT_RESPONSE],
        summary="The review trail",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request, pk=None):
        knowledge_request = self.get_object()
        events = selectors.request_events(request=knowledge_request)
        return Response(RequestEventSerializer(events, many=True).data)
