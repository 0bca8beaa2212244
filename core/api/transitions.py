"""The uniform transitions endpoint, ``GET``/``POST …/{id}/transitions/``, for any resource.

A viewset mixes in ``TransitionsMixin`` and names its ``machine`` (``core.transitions``), the
serializer of ``{"transition", …fields}`` and the service call that fires one; the list of
allowed transitions, validation, idempotency and the answer are the same for every resource.
Its OpenAPI description comes from ``transitions_schema`` in ``extend_schema_view``.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.idempotency import idempotent
from core.api.serializers import AvailableTransitionSerializer, TransitionRequestSerializer
from core.transitions import Machine


class TransitionsMixin:
    machine: Machine
    transition_serializer_class: type[TransitionRequestSerializer]

    def fire_transition(self, obj: Any, *, actor, name: str, **fields: Any) -> None:
        """Call the resource's service for transition ``name``."""
        raise NotImplementedError

    def transition_result(self, obj: Any) -> Any:
        """The resource as the caller sees it after the transition."""
        fresh = get_object_or_404(self.get_queryset(), pk=obj.pk)  # type: ignore[attr-defined]
        return self.get_serializer(fresh).data  # type: ignore[attr-defined]

    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def transitions(self, request, pk=None):
        obj = self.get_object()  # type: ignore[attr-defined]
        if request.method == "GET":
            return Response(self.machine.described(obj, request.user))
        return self._fire(request, obj)

    @idempotent
    def _fire(self, request, obj):
        arguments = self.transition_serializer_class(data=request.data)
        arguments.is_valid(raise_exception=True)
        name = arguments.validated_data["transition"]
        self.fire_transition(obj, actor=request.user, name=name, **arguments.arguments())
        return Response(self.transition_result(obj))


def transitions_schema(*, request, response, examples: list, listed: list, noun: str) -> list:
    """The two ``extend_schema`` of a resource's transitions action (GET lists, POST fires)."""
    return [
        extend_schema(
            methods=["GET"],
            responses=AvailableTransitionSerializer(many=True),
            examples=listed,
            summary=f"Transitions the caller may fire on the {noun} now",
        ),
        extend_schema(
            methods=["POST"],
            request=request,
            responses={200: response},
            examples=examples,
            summary=f"Fire one {noun} transition",
        ),
    ]
