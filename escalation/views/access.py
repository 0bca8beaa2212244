"""Who may open which page: everyone else gets 403 (or 404 for a record they cannot see)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from core import roles

#: The workbench and the case page are the officers' and supervisors'.
CASE_WORKERS = (roles.OFFICERS, roles.SUPERVISORS)


def roles_required(*names: str):
    """Signed in (else to the login page) and holding one of ``names`` (else 403)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not roles.has_role(request.user, *names):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
