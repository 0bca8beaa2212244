"""The hand-written case representation matches what DRF would produce from the fields."""

from django.utils import timezone
from rest_framework import serializers

from escalation.api.serializers import CaseSerializer
from escalation.sla import clocks
from tests.factories import CaseFactory


class ReferenceCaseSerializer(CaseSerializer):
    """DRF's own field-by-field rendering of the same declaration."""

    def to_representation(self, case):
        return serializers.ModelSerializer.to_representation(self, case)


def test_the_fast_representation_equals_the_declared_one(officer, sla_policy):
    case = CaseFactory(
        officer=officer,
        state="resolved",
        resolved_at=timezone.now(),
        context={"intent": "x", "interactions": []},
        resolution="Fixed",
    )
    clocks.start_case_clocks(case)
    context = {"now": timezone.now()}

    assert (
        CaseSerializer(case, context=context).data
        == ReferenceCaseSerializer(case, context=context).data
    )


def test_the_fast_representation_of_an_unassigned_case(db):
    case = CaseFactory(state="new")

    assert CaseSerializer(case).data == ReferenceCaseSerializer(case).data
