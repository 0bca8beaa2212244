"""The demand forecast of one category (PRODUCT.md, "Peak-season systems")."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from escalation.models import Category
from peak import forecast

#: Who reads the forecast: those who staff the floor and those who prepare its answers.
FORECAST_READERS = (roles.SUPERVISORS, roles.OFFICERS, roles.KNOWLEDGE_TEAM)


class ForecastQuery(serializers.Serializer):
    category = serializers.SlugField(max_length=64)
    days = serializers.IntegerField(min_value=1, max_value=forecast.HORIZON_DAYS, default=14)

    def validate_category(self, value: str) -> str:
        if not Category.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("No such category."))
        return value


class ForecastPointSerializer(serializers.Serializer):
    hour = serializers.DateTimeField(help_text="The local hour the figures are for.")
    expected = serializers.FloatField(help_text="Expected new cases in that hour.")
    low = serializers.FloatField(help_text="The 80 % band's lower edge.")
    high = serializers.FloatField(help_text="The 80 % band's upper edge.")


class BacktestSerializer(serializers.Serializer):
    mae = serializers.FloatField(
        allow_null=True, help_text="Mean absolute error per hour over the held-out last week."
    )
    seasonal_naive_mae = serializers.FloatField(
        allow_null=True, help_text="The same for the same hour one week earlier."
    )


class ForecastSerializer(serializers.Serializer):
    category = serializers.CharField()
    method = serializers.CharField(help_text="holt_winters_weekly, or weekly_profile (< 2 weeks).")
    points = ForecastPointSerializer(many=True)
    backtest = BacktestSerializer()


FORECAST_EXAMPLE = OpenApiExample(
    "Two hours of the installation forecast",
    value={
        "category": "installation",
        "method": "holt_winters_weekly",
        "points": [
            {"hour": "2026-07-14T10:00:00+08:00", "expected": 6.4, "low": 3.1, "high": 10.8},
            {"hour": "2026-07-14T11:00:00+08:00", "expected": 5.9, "low": 2.8, "high": 10.1},
        ],
        "backtest": {"mae": 1.21, "seasonal_naive_mae": 2.04},
    },
    response_only=True,
)


class ForecastReader(permissions.BasePermission):
    message = _("Only supervisors, officers and the knowledge team see the forecast.")

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, *FORECAST_READERS)


class ForecastView(APIView):
    permission_classes = [ForecastReader]

    @extend_schema(
        summary="Expected new cases of a category per hour for the next days",
        parameters=[ForecastQuery],
        responses={200: ForecastSerializer},
        examples=[FORECAST_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        query = ForecastQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = forecast.for_category(
            query.validated_data["category"], days=query.validated_data["days"]
        )
        return Response(ForecastSerializer(result).data)
