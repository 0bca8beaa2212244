"""Case representations and the input shapes of intake and transitions (PRODUCT.md)."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.utils import html

from core.api.fields import SlugRelatedField, datetime_text
from core.api.serializers import (
    CopiedFields,
    PersonSerializer,
    TransitionRequestSerializer,
    person,
)
from core.api.validators import storable_json
from escalation import selectors
from escalation.api import examples
from escalation.models import Case, CaseEvent, ContactChannel, Customer, EscalationOfficer
from escalation.services import (
    CASE_TRANSITION_ARGUMENTS,
    CASE_TRANSITIONS,
    PRAISE_NOTE_MAX_LENGTH,
    PRAISE_SOURCES,
)
from escalation.sla import clocks
from quality.api.serializers import QAFlagSerializer

MAX_CONTEXT_BYTES = 64 * 1024


def clock_dict(row: dict, zone=None) -> dict:
    zone = zone or timezone.get_current_timezone()
    return {**row, "due_at": datetime_text(row["due_at"], zone)}


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["external_id", "name", "tier"]


class SlaClockSerializer(serializers.Serializer):
    clock = serializers.ChoiceField(
        choices=["first_response", "next_update", "resolution", "task_due"]
    )
    target_seconds = serializers.IntegerField()
    due_at = serializers.DateTimeField(allow_null=True)
    state = serializers.ChoiceField(choices=["running", "paused", "met", "warned", "breached"])
    remaining_seconds = serializers.IntegerField(allow_null=True)


def read_clocks(cases) -> None:
    """Give cases read without their clocks (``selectors.case_rows``) their clock rows, in
    one statement for all of them."""
    missing = [
        case
        for case in cases
        if "case_clocks_read" not in case.__dict__ and "fresh_clocks" not in case.__dict__
    ]
    if missing:
        read = selectors.case_clocks_read([case.pk for case in missing])
        for case in missing:
            case.case_clocks_read = read[case.pk]


class CaseListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        cases = list(data.all() if hasattr(data, "all") else data)
        read_clocks(cases)
        return super().to_representation(cases)


@extend_schema_serializer(examples=[examples.CASE_RESPONSE])
class CaseSerializer(serializers.ModelSerializer):
    customer = CustomerSerializer(read_only=True)
    officer = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    qa_flags = QAFlagSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        list_serializer_class = CaseListSerializer
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "channel",
            "category",
            "priority",
            "state",
            "customer",
            "officer",
            "escalation_level",
            "context",
            "sla",
            "resolution",
            "qa_flags",
            "created_at",
            "updated_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_officer(self, case: Case):
        if case.officer_id is None:
            return None
        row = case.__dict__.get("officer_row")
        if row is not None:  # read as a value of the case (selectors.case_rows)
            full_name = f"{row['first_name']} {row['last_name']}".strip()
            return {
                "id": row["id"],
                "username": row["username"],
                "display_name": full_name or row["username"],
            }
        return person(case.officer.user)

    @staticmethod
    def customer_of(case: Case) -> dict:
        row = case.__dict__.get("customer_row")
        if row is not None:  # read as a value of the case (selectors.case_rows)
            return row
        customer = case.customer
        return {"external_id": customer.external_id, "name": customer.name, "tier": customer.tier}

    @extend_schema_field(SlaClockSerializer(many=True))
    def get_sla(self, case: Case) -> list:
        read_clocks([case])
        rows = clocks.clock_rows(case, self.context.get("now") or timezone.now())
        zone = timezone.get_current_timezone()
        return [clock_dict(row, zone) for row in rows]

    def to_representation(self, case: Case) -> dict:
        """The declared fields, written out by hand: intake and list pages are the hot paths,
        and building DRF fields per request costs more than the rest of the response."""
        zone = timezone.get_current_timezone()
        return {
            "id": case.pk,
            "reference": case.reference,
            "title": case.title,
            "description": case.description,
            "channel": case.channel,
            "category": case.category,
            "priority": case.priority,
            "state": case.state,
            "customer": self.customer_of(case),
            "officer": self.get_officer(case),
            "escalation_level": case.escalation_level,
            "context": case.context,
            "sla": self.get_sla(case),
            "resolution": case.resolution,
            "qa_flags": case.qa_flags,
            "created_at": datetime_text(case.created_at, zone),
            "updated_at": datetime_text(case.updated_at, zone),
            "resolved_at": datetime_text(case.resolved_at, zone),
            "closed_at": datetime_text(case.closed_at, zone),
        }


class IntakeResultSerializer(CaseSerializer):
    deduplicated = serializers.BooleanField(read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "deduplicated"]
        read_only_fields = fields

    def to_representation(self, case: Case) -> dict:
        return {**super().to_representation(case), "deduplicated": case.deduplicated}


class ContactPreferencesSerializer(CopiedFields, serializers.Serializer):
    """How the customer wants to hear from us: channels in order of preference, and whether
    only electronic ones (no paper letters, no calls)."""

    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=ContactChannel.choices),
        max_length=len(ContactChannel.choices),
        required=False,
    )
    electronic_only = serializers.BooleanField(required=False)
    email = serializers.EmailField(required=False, max_length=254)
    phone = serializers.CharField(required=False, max_length=32)

    def validate_channels(self, value):
        return list(dict.fromkeys(value))


class IntakeCustomerSerializer(CopiedFields, serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tier = serializers.ChoiceField(choices=Customer.Tier.choices, required=False)
    preferences = ContactPreferencesSerializer(required=False)


class InteractionSerializer(CopiedFields, serializers.Serializer):
    channel = serializers.ChoiceField(choices=Case.Channel.choices)
    at = serializers.DateTimeField()
    summary = serializers.CharField(max_length=4000, allow_blank=True, required=False)


class IntakeContextSerializer(CopiedFields, serializers.Serializer):
    """Checks the known parts of the intake context, and keeps the context as the client sent
    it: the case answers the same JSON back (``"at"`` stays the string it was, not a parsed
    and re-printed datetime)."""

    interactions = InteractionSerializer(many=True, required=False, max_length=200)
    bot_transcript = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    intent = serializers.CharField(required=False, allow_blank=True, max_length=100)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Expected an object."))
        known = super().to_internal_value(data)
        if not html.is_html_input(data):
            return data  # JSON: validated above, stored and answered as sent
        extra = {key: value for key, value in data.items() if key not in self.fields}
        return json.loads(json.dumps({**extra, **known}, cls=DjangoJSONEncoder))


class CaseIntakeSerializer(CopiedFields, serializers.Serializer):
    """What a frontline system, chatbot or IVR sends to open an escalation."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    channel = serializers.ChoiceField(choices=Case.Channel.choices)
    category = serializers.SlugField(max_length=64)
    priority = serializers.ChoiceField(choices=Case.Priority.choices, default=Case.Priority.P3)
    customer = IntakeCustomerSerializer()
    context = IntakeContextSerializer(required=False)

    def validate_context(self, value):
        storable_json(value)
        if len(json.dumps(value).encode()) > MAX_CONTEXT_BYTES:
            raise serializers.ValidationError(
                _("At most %(size)d KB of context.") % {"size": MAX_CONTEXT_BYTES // 1024}
            )
        return value


@extend_schema_serializer(examples=[examples.EVENT_RESPONSE])
class CaseEventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor", "from_state", "to_state", "payload", "created_at"]
        read_only_fields = fields


class PraiseSerializer(serializers.Serializer):
    """Customer praise of a case: what the customer said, and where it came from (the case's
    channel when not given)."""

    note = serializers.CharField(max_length=PRAISE_NOTE_MAX_LENGTH, trim_whitespace=True)
    source = serializers.ChoiceField(choices=PRAISE_SOURCES, required=False)


@extend_schema_field(OpenApiTypes.STR)
class OfficerField(SlugRelatedField):
    """An active escalation officer, named by username."""

    def __init__(self, **kwargs):
        super().__init__(
            slug_field="user__username",
            queryset=EscalationOfficer.objects.filter(active=True).select_related("user"),
            **kwargs,
        )

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            self.fail("null_characters")
        if not get_user_model().objects.filter(username=data).exists():
            raise serializers.ValidationError(_("No user named %(name)r.") % {"name": data})
        return super().to_internal_value(data)

    default_error_messages = {
        **SlugRelatedField.default_error_messages,
        "does_not_exist": _("{value} is not an active escalation officer."),
        "invalid": _("Give the officer's username."),
    }


class CaseTransitionSerializer(TransitionRequestSerializer):
    """A case transition: ``assign`` needs ``officer``, ``resolve`` a ``resolution``, …"""

    transitions = CASE_TRANSITIONS
    accepts = CASE_TRANSITION_ARGUMENTS
    officer = OfficerField(required=False)
    resolution = serializers.CharField(required=False, max_length=10000)
    reason = serializers.CharField(required=False, max_length=2000)
    clock = serializers.ChoiceField(
        required=False, choices=["first_response", "next_update", "resolution"]
    )
    until = serializers.DateTimeField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
