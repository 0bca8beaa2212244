"""A middleware base for work before and after each request (request ids, metrics)."""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class AroundRequest:
    """A middleware that does something before and after each request, under WSGI and ASGI
    alike: subclasses define ``before(request)`` and ``after(request, response)``."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def before(self, request) -> None:
        pass

    def after(self, request, response):
        return response

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        self.before(request)
        return self.after(request, self.get_response(request))

    async def __acall__(self, request):
        self.before(request)
        return self.after(request, await self.get_response(request))
