"""Officers over REST: availability, fatigue, badges and points.

``GET``/``PATCH /api/v1/officers/me/`` for an officer's own record (``PATCH`` changes only
``availability``); supervisors also ``GET /api/v1/officers/`` for the whole floor
(``?availability=``, ``?fatigue=strained``), strained first. A page of officers costs three
statements: the officers with their open cases, their open P1/P2 cases, their badges.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.api.pagination import Pagination
from escalation import floor
from escalation.models import OPEN_STATES, Availability, EscalationOfficer
from team import selectors

FATIGUE_STATES = ("ok", "strained")


class FatigueSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=FATIGUE_STATES)
    continuous_minutes = serializers.IntegerField(
        help_text=_("Minutes available without a break (0 when not available).")
    )
    open_high_priority = serializers.IntegerField(help_text=_("Open P1 and P2 cases."))


class OfficerBadgeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    awarded_at = serializers.DateTimeField()
    case = serializers.IntegerField(allow_null=True)


class OfficerSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    display_name = serializers.SerializerMethodField()
    level = serializers.IntegerField()
    availability = serializers.ChoiceField(choices=Availability.choices)
    available_since = serializers.DateTimeField()
    fatigue = FatigueSerializer()
    pool = serializers.BooleanField(help_text=_("Certified staff of another department."))
    open_cases = serializers.IntegerField()
    max_open_cases = serializers.IntegerField()
    badges = OfficerBadgeSerializer(many=True)
    points = serializers.IntegerField()

    def get_display_name(self, officer) -> str:
        return officer.user.get_full_name() or officer.user.get_username()


class OfficerPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OfficerSerializer(many=True)


class AvailabilitySerializer(serializers.Serializer):
    availability = serializers.ChoiceField(choices=Availability.choices)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - {"availability"})
        if unknown:
            raise ValidationError(
                {name: [_("Only availability can be changed here.")] for name in unknown}
            )
        return attrs


def described(officers: list[EscalationOfficer]) -> list[EscalationOfficer]:
    """The officers with their fatigue, badges and points filled in (two statements)."""
    fatigue = floor.fatigue_of(officers, timezone.now())
    earned = selectors.badges_and_points([officer.user_id for officer in officers])
    for officer in officers:
        officer.fatigue = fatigue[officer.pk]
        officer.badges = earned[officer.user_id]["badges"]
        officer.points = earned[officer.user_id]["points"]
    return officers


def officers_with_load():
    return EscalationOfficer.objects.select_related("user").annotate(
        open_cases=Count("cases", filter=Q(cases__state__in=OPEN_STATES))
    )


class IsOfficer(permissions.BasePermission):
    message = _("Only escalation officers have an officer record.")

    def has_permission(self, request, view) -> bool:
        return roles.is_officer(request.user)


class IsSupervisor(permissions.BasePermission):
    message = _("Only supervisors see the whole floor.")

    def has_permission(self, request, view) -> bool:
        return roles.is_supervisor(request.user)


OFFICER_EXAMPLE = OpenApiExample(
    "An officer two hours into a shift",
    value={
        "username": "officer2",
        "display_name": "Li Na",
        "level": 2,
        "availability": "available",
        "available_since": "2026-07-14T08:00:00+08:00",
        "fatigue": {"state": "ok", "continuous_minutes": 128, "open_high_priority": 2},
        "pool": False,
        "open_cases": 11,
        "max_open_cases": 40,
        "badges": [
            {
                "code": "p1_within_sla",
                "name": "P1 within SLA",
                "awarded_at": "2026-07-14T09:40:00+08:00",
                "case": 512,
            }
        ],
        "points": 20,
    },
    response_only=True,
)


class MyOfficerView(APIView):
    permission_classes = [IsOfficer]

    def officer(self, request) -> EscalationOfficer:
        officer = officers_with_load().filter(user=request.user).first()
        if officer is None:
            raise Http404
        return officer

    @extend_schema(
        summary="My officer record: availability, fatigue, badges and points",
        responses=OfficerSerializer,
        examples=[OFFICER_EXAMPLE],
    )
    def get(self, request):
        return Response(OfficerSerializer(described([self.officer(request)])[0]).data)

    @extend_schema(
        summary="Set my availability (available, on_break or offline)",
        request=AvailabilitySerializer,
        responses=OfficerSerializer,
        examples=[
            OpenApiExample("A break", value={"availability": "on_break"}, request_only=True),
            OFFICER_EXAMPLE,
        ],
    )
    def patch(self, request):
        given = AvailabilitySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        officer = self.officer(request)
        floor.set_availability(
            officer=officer, availability=given.validated_data["availability"], actor=request.user
        )
        return Response(OfficerSerializer(described([self.officer(request)])[0]).data)


class OfficerQuery(serializers.Serializer):
    availability = serializers.ChoiceField(choices=Availability.choices, required=False)
    fatigue = serializers.ChoiceField(choices=FATIGUE_STATES, required=False)


class OfficerListView(APIView):
    permission_classes = [IsSupervisor]

    @extend_schema(
        summary="The floor: every active officer, strained first",
        parameters=[
            OpenApiParameter("availability", str, enum=list(Availability.values)),
            OpenApiParameter("fatigue", str, enum=list(FATIGUE_STATES)),
        ],
        responses=OfficerPageSerializer,
        examples=[
            OpenApiExample(
                "The floor",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [OFFICER_EXAMPLE.value],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        query = OfficerQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        officers = officers_with_load().filter(active=True).order_by("user__username")
        if availability := query.validated_data.get("availability"):
            officers = officers.filter(availability=availability)
        listed = described(list(officers))
        if wanted := query.validated_data.get("fatigue"):
            listed = [officer for officer in listed if officer.fatigue.state == wanted]
        listed.sort(key=lambda officer: officer.fatigue.state != "strained")
        paginator = Pagination()
        page = paginator.paginate_queryset(listed, request, view=self)
        return paginator.get_paginated_response(OfficerSerializer(page, many=True).data)
