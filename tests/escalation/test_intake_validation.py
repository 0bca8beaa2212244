"""The intake's serializers copy their declared fields without re-running ``__init__``
(``core.api.serializers.CopiedFields``): they must judge every input exactly as DRF's deep
copies do, and no use may leak into the next."""

from __future__ import annotations

import copy
import threading

import pytest
from rest_framework import serializers

from core.api.serializers import CopiedFields, copy_field
from escalation.api.serializers import (
    CaseIntakeSerializer,
    ContactPreferencesSerializer,
    IntakeContextSerializer,
    IntakeCustomerSerializer,
    InteractionSerializer,
)

VALID = {
    "title": "Air conditioner dead in 38°C",
    "description": "install delayed twice",
    "channel": "phone",
    "category": "installation",
    "priority": "P2",
    "customer": {
        "external_id": "C-10023",
        "name": "王女士",
        "tier": "vip",
        "preferences": {"channels": ["app", "sms", "app"], "electronic_only": True},
    },
    "context": {
        "interactions": [
            {"channel": "chat", "at": "2026-07-14T09:12:00+08:00", "summary": "bot gave up"}
        ],
        "bot_transcript": "user: 空调坏了",
        "intent": "install_delay",
        "extra": {"kept": True},
    },
}

INVALID = [
    {},
    {**VALID, "title": ""},
    {**VALID, "title": "x" * 201},
    {**VALID, "title": "a\x00b"},
    {**VALID, "channel": "pigeon", "priority": "P9", "category": "not a slug"},
    {**VALID, "customer": "C-1"},
    {**VALID, "customer": {"tier": "gold"}},
    {**VALID, "customer": {**VALID["customer"], "preferences": {"channels": ["fax"]}}},
    {**VALID, "customer": {**VALID["customer"], "preferences": {"channels": "app"}}},
    {**VALID, "context": []},
    {**VALID, "context": {"interactions": [{"channel": "chat"}, {"at": "yesterday"}]}},
    {**VALID, "context": {"interactions": {"channel": "chat"}}},
    {**VALID, "context": {"intent": "i" * 101}},
]


def judged(data) -> tuple[bool, dict, dict | None]:
    intake = CaseIntakeSerializer(data=data)
    valid = intake.is_valid()
    return valid, intake.errors, intake.validated_data if valid else None


@pytest.mark.parametrize("data", [VALID, *INVALID])
def test_intake_is_judged_as_drf_judges_it_with_deep_copies(data, monkeypatch):
    ours = judged(data)
    monkeypatch.setattr(
        CopiedFields, "get_fields", lambda self: copy.deepcopy(self._declared_fields)
    )
    assert ours == judged(data)


def test_a_refused_intake_leaves_nothing_for_the_next_one():
    refused = CaseIntakeSerializer(data=INVALID[10])
    assert not refused.is_valid()
    assert set(refused.errors["context"]["interactions"][1]) == {"channel", "at"}
    accepted = CaseIntakeSerializer(data=VALID)
    assert accepted.is_valid(), accepted.errors
    assert accepted.validated_data["customer"]["preferences"]["channels"] == ["app", "sms"]
    assert accepted.validated_data["context"] == VALID["context"]  # kept as sent


def test_each_serializer_has_its_own_fields_bound_to_itself():
    first, second = CaseIntakeSerializer(data=VALID), CaseIntakeSerializer(data=VALID)
    for name in CaseIntakeSerializer._declared_fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name] is not CaseIntakeSerializer._declared_fields[name]
        assert first.fields[name].parent is first and first.fields[name].field_name == name
    context = first.fields["context"]
    interactions = context.fields["interactions"]
    assert interactions.child is not second.fields["context"].fields["interactions"].child
    assert interactions.child.parent is interactions
    assert interactions.child.fields["at"].root is first
    channels = first.fields["customer"].fields["preferences"].fields["channels"]
    assert channels.child.parent is channels and channels.child.root is first


def test_the_context_reaches_nested_fields():
    intake = CaseIntakeSerializer(data=VALID, context={"now": "then"})
    at = intake.fields["context"].fields["interactions"].child.fields["at"]
    assert at.context == {"now": "then"}


def test_a_copy_shares_settings_and_never_what_a_use_left_behind():
    declared = IntakeCustomerSerializer(required=False)
    declared.initial_data, declared._errors = {"stale": True}, {"stale": ["yes"]}
    declared.fields  # noqa: B018  (a cached property: the declared one now holds fields)
    twin = copy_field(declared)
    for left_behind in ("fields", "initial_data", "_errors"):
        assert left_behind not in twin.__dict__
    assert twin.required is False and twin.fields is not declared.fields
    length = serializers.CharField(max_length=5)
    assert copy_field(length).validators is length.validators  # shared, never changed


def test_every_intake_serializer_copies_its_fields():
    for serializer in (
        CaseIntakeSerializer,
        IntakeCustomerSerializer,
        ContactPreferencesSerializer,
        IntakeContextSerializer,
        InteractionSerializer,
    ):
        assert issubclass(serializer, CopiedFields)


def test_threads_validating_at_once_each_get_their_own_answer():
    refusals, answers, errors = INVALID[1:], [], []

    def validate(data, expect_valid):
        for _ in range(50):
            intake = CaseIntakeSerializer(data=data)
            if intake.is_valid() != expect_valid:
                errors.append(intake.errors)
            answers.append(sorted(intake.errors))

    threads = [threading.Thread(target=validate, args=(VALID, True))] + [
        threading.Thread(target=validate, args=(data, False)) for data in refusals[:5]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(answers) == 300
