"""Request checks every view relies on, made once for the whole site."""

from __future__ import annotations

from django.http import Http404, HttpResponseBadRequest, JsonResponse

from core.api.parsers import NUL


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
