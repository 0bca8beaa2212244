"""Grant representations and the input shapes of requests, transitions and reviews."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from compensation.api import examples
from compensation.models import CompensationKind, Grant
from compensation.services import GRANT_TRANSITIONS, REVIEW_OUTCOMES
from core.api.fields import SlugRelatedField
from core.api.serializers import PersonSerializer, TransitionRequestSerializer
from escalation.models import Case
from escalation.selectors import cases_visible_to


class MoneyField(serializers.DecimalField):
    """A positive amount with at most two decimals, as a string ("50.00")."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, coerce_to_string=True, **kwargs)

    def validate_precision(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The amount must be greater than zero."))
        return super().validate_precision(value)


@extend_schema_serializer(examples=[examples.GRANT_RESPONSE])
class GrantSerializer(serializers.ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    requested_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    reviewed_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Grant
        fields = [
            "id",
            "case",
            "case_reference",
            "kind",
            "amount",
            "currency",
            "reason",
            "state",
            "requested_by",
            "decided_by",
            "decision_reason",
            "voucher_code",
            "revoke_reason",
            "review",
            "review_reasons",
            "reviewed_by",
            "review_note",
            "created_at",
            "decided_at",
            "issued_at",
            "revoked_at",
        ]
        read_only_fields = fields


class GrantRequestSerializer(serializers.Serializer):
    """``{"case": id, "kind": "coupon", "amount": "50.00", "currency": "CNY", "reason"}``."""

    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.none())
    kind = SlugRelatedField(
        slug_field="code", queryset=CompensationKind.objects.filter(active=True)
    )
    amount = MoneyField(required=False)
    currency = serializers.ChoiceField(choices=[], required=False)
    reason = serializers.CharField(max_length=2000)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["case"].queryset = cases_visible_to(user).select_related(
                "officer__user", "customer"
            )
        currencies = settings.CASEHUB_COMPENSATION_CURRENCIES
        self.fields["currency"].choices = currencies
        self.fields["currency"].default = settings.CASEHUB_COMPENSATION_DEFAULT_CURRENCY

    def validate(self, attrs):
        attrs.setdefault("currency", settings.CASEHUB_COMPENSATION_DEFAULT_CURRENCY)
        if "amount" not in attrs:
            if attrs["kind"].unit_value is None:
                raise serializers.ValidationError({"amount": [_("This field is required.")]})
            attrs["amount"] = attrs["kind"].unit_value
        return attrs


class GrantTransitionSerializer(TransitionRequestSerializer):
    """A grant transition: ``decline`` and ``revoke`` need a ``reason``."""

    transitions = GRANT_TRANSITIONS
    reason = serializers.CharField(required=False, max_length=2000)


class GrantReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=list(REVIEW_OUTCOMES))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CapStandingSerializer(serializers.Serializer):
    cap = serializers.CharField()
    limit = serializers.CharField()
    used = serializers.CharField()
    remaining = serializers.CharField()


@extend_schema_serializer(examples=[examples.AUTHORITY_RESPONSE])
class AuthoritySerializer(serializers.Serializer):
    role = serializers.CharField()
    currency = serializers.CharField()
    per_grant_limit = serializers.CharField()
    approval_ceiling = serializers.CharField()
    grant_at_once_up_to = serializers.CharField()
    request_up_to = serializers.CharField()
    caps = CapStandingSerializer(many=True)


class CapRefusalSerializer(serializers.Serializer):
    """422: ``code`` names the rule; a cap (``cap_exceeded``) adds which cap and what remains."""

    detail = serializers.CharField()
    code = serializers.CharField()
    cap = serializers.CharField(required=False)
    limit = serializers.CharField(required=False)
    remaining = serializers.CharField(required=False)
    currency = serializers.CharField(required=False)
