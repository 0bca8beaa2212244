"""Serializers every app's API shares: people, the uniform transitions endpoint, and fields
copied cheaply for hot paths."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.fields import Field

#: What a serializer or field learns while it is used, kept out of a copy.
_PER_USE = frozenset({"fields", "initial_data", "_validated_data", "_errors", "_data"})


def copy_field(field: Field) -> Field:
    """A copy of a declared field for one serializer, made without running ``__init__``.

    DRF gives each serializer a deep copy of its declared fields, and a field's deep copy
    runs its ``__init__`` again (its validators, choices and error messages built anew), on
    every request. A field's settings do not change once declared, so the copy shares them;
    what a use binds or caches (name, parent, nested fields, results) is the copy's own, and
    a nested child (``many=True``, ``ListField``) is copied the same way and bound to it.
    """
    twin = object.__new__(type(field))
    state = field.__dict__.copy()
    for name in _PER_USE.intersection(state):
        del state[name]
    twin.__dict__ = state
    child = field.__dict__.get("child")
    if isinstance(child, Field):  # bound to its parent already, under the name ""
        twin.__dict__["child"] = copied = copy_field(child)
        copied.parent = twin  # type: ignore[assignment]  # a ListField parents one too
    return twin


class CopiedFields:
    """For serializers on a hot path (intake): each instance's fields are ``copy_field``
    copies of the declared ones instead of deep copies, which halves the intake's validation
    (a tenth of the instructions an intake request runs). Declared fields must then be left
    as declared: ``get_fields`` may add or replace fields, never change one in place."""

    _declared_fields: dict[str, Field]

    def get_fields(self):
        return {name: copy_field(field) for name, field in self._declared_fields.items()}


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
