"""Knowledge representations and the input shapes of requests and their transitions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import PersonSerializer, TransitionRequestSerializer
from escalation.models import Case, Category
from knowledge.models import Article, ArticleVersion, KnowledgeRequest, RequestEvent
from knowledge.services import REQUEST_TRANSITIONS

MAX_BODY = 50_000


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name", "sensitive"]


class TagsField(serializers.ListField):
    child = serializers.CharField(max_length=40)

    def __init__(self, **kwargs):
        super().__init__(max_length=20, **kwargs)

    def to_internal_value(self, data):
        return list(dict.fromkeys(tag.strip() for tag in super().to_internal_value(data)))


class ArticleSerializer(serializers.ModelSerializer):
    """An answer as workstations show it; ``hot`` is true only while the flag lasts."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    hot = serializers.BooleanField(source="is_hot", read_only=True)
    version = serializers.IntegerField(source="published_version.number", read_only=True)
    body_html = serializers.CharField(source="published_version.body_html", read_only=True)
    retired = serializers.BooleanField(source="is_retired", read_only=True)
    #: Search relevance; null where the answer was not matched by text (no ``?q=``, or a
    #: suggestion filling up the list).
    rank = serializers.FloatField(read_only=True, required=False, allow_null=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "category",
            "tags",
            "hot",
            "hot_until",
            "version",
            "body_html",
            "retired",
            "updated_at",
            "rank",
        ]
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    body = serializers.CharField(source="published_version.body", read_only=True)

    class Meta(ArticleSerializer.Meta):
        # ``rank`` only means something in a ranked list; a single answer never has one.
        fields = [
            *(name for name in ArticleSerializer.Meta.fields if name != "rank"),
            "body",
            "created_at",
            "retired_at",
        ]
        read_only_fields = fields


class ArticleVersionSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True, allow_null=True)
    approved_by = PersonSerializer(read_only=True, allow_null=True)
    published_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ArticleVersion
        fields = [
            "id",
            "number",
            "title",
            "body",
            "body_html",
            "tags",
            "request",
            "author",
            "approved_by",
            "published_by",
            "created_at",
        ]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer):
    """A request. ``article`` is the answer it corrects, retires or (once published) created;
    ``base_version`` and ``published_version`` are that article's version *numbers* (as in
    the article's ``version`` and the diff's ``base_version``), never version ids."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    author = PersonSerializer(read_only=True)
    reviewer = PersonSerializer(read_only=True, allow_null=True)
    approvals = serializers.SerializerMethodField()
    base_version = serializers.IntegerField(
        source="base_version.number",
        read_only=True,
        allow_null=True,
        help_text="Number of the article's version in force when the request was raised.",
    )
    published_version = serializers.IntegerField(
        source="published_version.number",
        read_only=True,
        allow_null=True,
        help_text="Number of the version this request published (null until then, and for "
        "a retirement).",
    )

    class Meta:
        model = KnowledgeRequest
        fields = [
            "id",
            "kind",
            "state",
            "article",
            "case",
            "title",
            "body",
            "category",
            "tags",
            "urgency",
            "author",
            "reviewer",
            "approvals",
            "base_version",
            "published_version",
            "review_comment",
            "rejection_reason",
            "created_at",
            "updated_at",
            "submitted_at",
            "published_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(many=True))
    def get_approvals(self, request) -> list:
        return [PersonSerializer(a.approver).data for a in request.approvals.all()]


class RequestCreateSerializer(serializers.Serializer):
    """``POST /knowledge/requests/`` (PRODUCT.md); rules across objects live in the service."""

    kind = serializers.ChoiceField(choices=KnowledgeRequest.Kind.choices)
    article = serializers.PrimaryKeyRelatedField(
        queryset=Article.objects.all(), allow_null=True, required=False
    )
    case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.all(), allow_null=True, required=False
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=MAX_BODY, required=False, allow_blank=True, default="")
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False, allow_null=True
    )
    urgency = serializers.ChoiceField(
        choices=KnowledgeRequest.Urgency.choices, default=KnowledgeRequest.Urgency.NORMAL
    )
    tags = TagsField(required=False)


class RequestUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=MAX_BODY, required=False, allow_blank=True)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False
    )
    urgency = serializers.ChoiceField(choices=KnowledgeRequest.Urgency.choices, required=False)
    tags = TagsField(required=False)


class RequestTransitionSerializer(TransitionRequestSerializer):
    """A request transition: ``request_changes`` needs ``comment``, ``reject`` a ``reason``."""

    transitions = REQUEST_TRANSITIONS
    comment = serializers.CharField(required=False, max_length=4000)
    reason = serializers.CharField(required=False, max_length=4000)


class RequestEventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RequestEvent
        fields = ["id", "kind", "actor", "from_state", "to_state", "payload", "created_at"]
        read_only_fields = fields


class LineOpSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete", "replace"])
    old = serializers.ListField(child=serializers.CharField(allow_blank=True))
    new = serializers.ListField(child=serializers.CharField(allow_blank=True))


class RequestDiffSerializer(serializers.Serializer):
    base_version = serializers.IntegerField(
        allow_null=True,
        help_text="Number of the version the proposal is compared with: the one in force now "
        "(once published, the request's base_version); null for a new answer.",
    )
    title = serializers.DictField()
    unified = serializers.CharField(allow_blank=True)
    ops = LineOpSerializer(many=True)


class HotFlagSerializer(serializers.Serializer):
    """``{"hot": true, "until": ISO-8601 or null}``: pin an answer on every workstation."""

    hot = serializers.BooleanField()
    until = serializers.DateTimeField(required=False, allow_null=True, default=None)
