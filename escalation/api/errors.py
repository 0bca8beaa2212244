"""One exception handler for the API: domain refusals become 403/409/422 with a code."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from django_fsm import ConcurrentTransition
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from escalation.errors import (
    CaseHubError,
    InvalidInput,
    NotPermitted,
    RuleViolation,
    TransitionNotAllowed,
)

_STATUS = {
    TransitionNotAllowed: status.HTTP_409_CONFLICT,
    RuleViolation: status.HTTP_422_UNPROCESSABLE_ENTITY,
    NotPermitted: status.HTTP_403_FORBIDDEN,
}


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, CaseHubError):
        code = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 422)
        return Response(exc.as_dict(), status=code)
    if isinstance(exc, ConcurrentTransition):
        body = {
            "detail": "Another change to this record won the race; reload and retry.",
            "code": "concurrent_transition",
            "allowed": [],
        }
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """Django's 404 for URLs no route matches: JSON under ``/api/``, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)
