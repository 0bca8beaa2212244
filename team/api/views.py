"""The leaderboard over REST: officers by points earned in a period."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from team import selectors


class LeaderboardRowSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    points = serializers.IntegerField()
    badges = serializers.IntegerField(help_text=_("Badges earned in the period."))
    rank = serializers.IntegerField(help_text=_("Equal points share a rank."))


class LeaderboardSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=selectors.PERIODS)
    results = LeaderboardRowSerializer(many=True)


class LeaderboardQuery(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=selectors.PERIODS, default=selectors.DEFAULT_PERIOD, required=False
    )


class LeaderboardReader(permissions.BasePermission):
    message = _("Only officers and supervisors see the leaderboard.")

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, roles.OFFICERS, roles.SUPERVISORS)


class LeaderboardView(APIView):
    permission_classes = [LeaderboardReader]

    @extend_schema(
        summary="The officers with most points in a period (default: this week)",
        parameters=[
            OpenApiParameter(
                "period", str, enum=list(selectors.PERIODS), description=_("Default: week.")
            )
        ],
        responses=LeaderboardSerializer,
        examples=[
            OpenApiExample(
                "This week",
                value={
                    "period": "week",
                    "results": [
                        {
                            "username": "officer2",
                            "display_name": "Li Na",
                            "points": 65,
                            "badges": 3,
                            "rank": 1,
                        },
                        {
                            "username": "officer1",
                            "display_name": "Wang Wei",
                            "points": 20,
                            "badges": 1,
                            "rank": 2,
                        },
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        query = LeaderboardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data["period"]
        body = {"period": period, "results": selectors.leaderboard(period)}
        return Response(LeaderboardSerializer(body).data)
