"""Serializers every app's API shares: people, and the uniform transitions endpoint."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from rest_framework import serializers


class PersonSerializer(serializers.Serializer):
    """A person as clients see one: ``{"id", "username", "display_name"}``."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    display_name = serializers.SerializerMethodField()

    def get_display_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


def person(user) -> dict[str, Any]:
    """A person without building a serializer per row (list pages show hundreds)."""
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": user.get_full_name() or user.get_username(),
    }


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    # A declared field named like Serializer.fields: the metaclass takes it out of the class.
    fields = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class TransitionRequestSerializer(serializers.Serializer):
    """``{"transition": name, …fields}`` for the uniform transitions endpoint.

    Subclasses declare the fields transitions take; ``transitions`` names the fields each
    one requires and ``accepts`` (by default the same) every field each one takes. An
    unknown name or a missing field is a 400 naming it.
    """

    transitions: ClassVar[dict[str, tuple[str, ...]]] = {}
    accepts: ClassVar[dict[str, tuple[str, ...]] | None] = None
    transition = serializers.ChoiceField(choices=[])

    def get_fields(self):
        fields = super().get_fields()
        # The names this endpoint knows: the schema lists them, a refusal names them.
        names = ", ".join(self.transitions)
        fields["transition"] = serializers.ChoiceField(
            choices=list(self.transitions),
            error_messages={
                "invalid_choice": _("Unknown transition {input!r}; one of: %(names)s.")
                % {"names": names}
            },
        )
        return fields

    def validate(self, attrs):
        required = self.transitions[attrs["transition"]]
        missing = {name: [_("This field is required.")] for name in required if not attrs.get(name)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs

    def arguments(self) -> dict[str, Any]:
        """The validated fields the chosen transition takes, by name."""
        name = self.validated_data["transition"]
        taken = (self.accepts or self.transitions)[name]
        return {key: self.validated_data[key] for key in taken if key in self.validated_data}
