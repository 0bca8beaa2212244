"""Request checks every view relies on, made once for the whole site."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync, iscoroutinefunction
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from servestatic.middleware import ServeStaticMiddleware

from core.api.parsers import NUL

logger = logging.getLogger(__name__)


def static_files(get_response):
    """ServeStatic's static files, served in the mode of the server in front.

    ServeStatic's middleware is async only: under WSGI (gunicorn) Django would wrap every
    request, static or not, in an event loop and two thread hops to call it. In an async
    chain its own middleware serves; in a sync chain :class:`SyncStaticFiles` finds the same
    files with the same configuration, and serves them synchronously under WSGI and with
    ServeStatic's async response under ASGI.
    """
    if iscoroutinefunction(get_response):
        return ServeStaticMiddleware(get_response)
    return SyncStaticFiles(get_response)


static_files.sync_capable = True  # type: ignore[attr-defined]
static_files.async_capable = True  # type: ignore[attr-defined]


class _StaticFileResponse(FileResponse):
    def set_headers(self, filelike) -> None:
        """ServeStatic has already written every header (length, type, caching, encoding)."""


class SyncStaticFiles:
    def __init__(self, get_response):
        async def never_called(request):  # ServeStatic reads its settings; it never serves
            raise AssertionError

        self.files = ServeStaticMiddleware(never_called)
        self.get_response = get_response

    def __call__(self, request):
        files = self.files
        if files.autorefresh:
            static_file = files.find_file(request.path_info)
        else:
            static_file = files.files.get(request.path_info)
        if static_file is None:
            return self.get_response(request)
        if isinstance(request, ASGIRequest):
            # A sync chain inside the ASGI server: its response must stream asynchronously.
            return async_to_sync(ServeStaticMiddleware.aserve)(static_file, request)
        served = static_file.get_response(request.method or "GET", request.META)
        response = _StaticFileResponse(served.file or (), status=int(served.status))
        del response["Content-Type"]
        for key, value in served.headers:
            if value is not None:
                response[key] = value
        return response


class RefuseNulCharacters:
    """A NUL character in the path is a 404, in the query string a 400 naming the parameter.

    Path segments and query parameters name objects (a department code, a category, a
    username) that views and filters look up as given, and PostgreSQL refuses NUL in text
    with an error (a 500). No name holds one, so the answer is known before any view runs:
    the path names nothing (404, JSON under ``/api/`` like every API 404), the parameter is
    invalid (400, ``{name: [message]}`` under ``/api/``). Request bodies are checked by the
    API's parsers (``core.api.parsers``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404
        invalid = sorted(
            name
            for name, values in request.GET.lists()
            if "\x00" in name or any("\x00" in value for value in values)
        )
        if not invalid:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({name: [str(NUL)] for name in invalid}, status=400)
        return HttpResponseBadRequest(NUL, content_type="text/plain; charset=utf-8")


class DatabaseUnavailable:
    """A database that stops answering mid-request (a dropped connection, a failover) is a
    503 with ``Retry-After``, never a 500: the request can be sent again, and the next one
    draws a fresh connection (the pool checks each as it hands it out). Under ``/api/`` the
    body is the API's error shape; pages get a short page that needs no database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s", type(exception).__name__, exc_info=True)
        message = _("The database did not answer; try again in a moment.")
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = "1"
        return response


#: What a view's django-csp decorators leave on its response.
_VIEW_POLICY = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_site_policies: list[tuple[str, str, str, tuple[str, ...]]] = []


@receiver(setting_changed)
def _forget_site_policies(setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policies.clear()


def site_policies() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """``(header, policy, exemption attribute, excluded path prefixes)`` for the policy and
    its report-only twin, where set, as django-csp builds them from the settings."""
    if not _site_policies:
        built = []
        for header, setting, exempt, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
        ):
            policy = build_policy(report_only=report_only)
            if policy:
                prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
                built.append((header, policy, exempt, tuple(prefixes or ())))
        # Swapped in whole: threads building at once each leave the same complete list.
        _site_policies[:] = built
    return _site_policies


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the site's policy built once.

    django-csp builds the header from the settings for every response, twice over (the
    policy and its report-only twin): a thirtieth of an intake request. A response that no
    view decorator changed and that used no nonce gets the site's policy as built once;
    any other response, and every response under ``DEBUG``, is django-csp's own.
    """

    def process_response(self, request, response):
        if (
            settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _VIEW_POLICY)
        ):
            return super().process_response(request, response)
        for header, policy, exempt, excluded in site_policies():
            if (
                header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(excluded)
            ):
                response[header] = policy
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
