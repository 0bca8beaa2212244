"""Customer notices over REST: what a case told its customer, and supervisors' broadcasts."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.api.idempotency import idempotent
from escalation.models import OPEN_STATES
from escalation.selectors import cases_visible_to
from peak import notices
from peak.models import Notice


class NoticeSerializer(serializers.ModelSerializer):
    #: Earned once the notice is sent: 0 while it waits or after it failed.
    green_points = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_green_points(self, notice: Notice) -> int:
        return notice.green_points if notice.status == Notice.Status.SENT else 0

    class Meta:
        model = Notice
        fields = ["id", "kind", "channel", "status", "sent_at", "green_points"]
        read_only_fields = fields


class BroadcastFilterSerializer(serializers.Serializer):
    category = serializers.SlugField(max_length=64, required=False)
    intent = serializers.CharField(max_length=100, required=False)
    state = serializers.ChoiceField(
        choices=[(state, state) for state in OPEN_STATES], required=False
    )


class BroadcastSerializer(serializers.Serializer):
    filter = BroadcastFilterSerializer()
    message = serializers.CharField(max_length=1000)


class BroadcastResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cases = serializers.IntegerField()


@extend_schema_view(
    get=extend_schema(
        summary="The notices a case sent its customer",
        examples=[
            OpenApiExample(
                "Assigned, by e-mail instead of a letter",
                value={
                    "id": 12,
                    "kind": "assigned",
                    "channel": "email",
                    "status": "sent",
                    "sent_at": "2026-07-14T09:13:05+08:00",
                    "green_points": 1,
                },
                response_only=True,
            )
        ],
    )
)
class CaseNoticesView(generics.ListAPIView):
    """The notices a case sent its customer, newest first."""

    serializer_class = NoticeSerializer
    filter_backends = []

    def get_queryset(self):
        case = get_object_or_404(cases_visible_to(self.request.user), pk=self.kwargs["case_id"])
        return Notice.objects.filter(case=case).order_by("-created_at", "-id")


class Supervisors(permissions.BasePermission):
    message = _("Only supervisors send broadcasts.")

    def has_permission(self, request, view) -> bool:
        return roles.is_supervisor(request.user)


class BroadcastView(APIView):
    permission_classes = [Supervisors]

    @extend_schema(
        request=BroadcastSerializer,
        responses={201: BroadcastResultSerializer},
        summary="Send one notice to every open case a disruption hits",
        examples=[
            OpenApiExample(
                "A depot closed by a storm",
                value={
                    "filter": {"category": "delivery", "intent": "where_is_my_parcel"},
                    "message": "Deliveries from the Pudong depot are delayed by one day.",
                },
                request_only=True,
            ),
            OpenApiExample("Sent", value={"id": 4, "cases": 37}, response_only=True),
        ],
    )
    @idempotent
    def post(self, request):
        given = BroadcastSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        sent = notices.broadcast(
            actor=request.user,
            filters=dict(given.validated_data["filter"]),
            message=given.validated_data["message"],
        )
        return Response({"id": sent.pk, "cases": sent.cases}, status=status.HTTP_201_CREATED)
