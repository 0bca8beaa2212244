"""One exception handler for the API: each domain refusal answers its code's status."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django_fsm import ConcurrentTransition
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import CaseHubError, ErrorCode, InvalidInput


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, CaseHubError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, ConcurrentTransition):
        code = ErrorCode.CONCURRENT_TRANSITION
        body = {
            "detail": _("Another change to this record won the race; reload and retry."),
            "code": str(code),
            "allowed": [],
        }
        return Response(body, status=code.status)
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """Django's 404 for URLs no route matches: JSON under ``/api/``, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)
