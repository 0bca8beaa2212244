"""Request checks every view relies on, made once for the whole site."""

from __future__ import annotations

from asgiref.sync import async_to_sync, iscoroutinefunction
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from servestatic.middleware import ServeStaticMiddleware

from core.api.parsers import NUL


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
