"""``POST /api/v1/qa/check/`` for everyone who writes; ``GET /api/v1/qa/terms/`` for
supervisors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from quality import checks
from quality.api.serializers import (
    QACheckRequestSerializer,
    QACheckResultSerializer,
    SensitiveTermSerializer,
)
from quality.models import SensitiveTerm

#: Everyone inside who writes to customers or in a thread.
WRITERS = (roles.OFFICERS, roles.SUPERVISORS, roles.DEPARTMENT_MEMBERS, roles.KNOWLEDGE_TEAM)


class Writer(permissions.BasePermission):
    message = _("Only officers, supervisors, departments and the knowledge team check texts.")

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, *WRITERS)


class Supervisor(permissions.BasePermission):
    message = _("Only supervisors read the sensitive-term list.")

    def has_permission(self, request, view) -> bool:
        return roles.is_supervisor(request.user)


class QACheckView(APIView):
    permission_classes = [Writer]

    @extend_schema(
        request=QACheckRequestSerializer,
        responses=QACheckResultSerializer,
        examples=[
            OpenApiExample(
                "A promise", value={"text": "我们保证明天 guarantee 修好"}, request_only=True
            ),
            OpenApiExample(
                "Its flags",
                value={
                    "flags": [
                        {"term": "保证", "category": "promise", "start": 2, "end": 4},
                        {"term": "guarantee", "category": "promise", "start": 7, "end": 16},
                    ]
                },
                response_only=True,
            ),
        ],
        summary="Sensitive terms in a text before it is sent (a warning, never a refusal)",
    )
    def post(self, request):
        given = QACheckRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return Response({"flags": checks.flags_for(given.validated_data["text"])})


class SensitiveTermList(generics.ListAPIView):
    """The sensitive terms, Chinese and English (filter ``?language=``, ``?category=``,
    ``?active=``)."""

    serializer_class = SensitiveTermSerializer
    permission_classes = [Supervisor]
    filterset_fields = ["language", "category", "active"]
    ordering_fields = ["term", "updated_at"]
    ordering = ["language", "category", "term"]
    queryset = SensitiveTerm.objects.all()

    @extend_schema(
        summary="The sensitive-term list (supervisors)",
        examples=[
            OpenApiExample(
                "A Chinese term",
                value={
                    "id": 1,
                    "term": "保证",
                    "language": "zh",
                    "category": "promise",
                    "active": True,
                    "note": "只承诺能兑现的时间和结果。",
                    "updated_at": "2026-07-14T09:00:00+08:00",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
