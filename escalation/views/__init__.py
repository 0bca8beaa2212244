"""Web pages of the escalation app: the workbench, the case page, the department board.

Each page is a view and a template; each panel on it is a partial with its own view, so one
fragment serves the first render and every live refresh (``request.htmx``). Forms call the
same services as the API and show its refusals beside their fields (``core.web``).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core import roles
from escalation import selectors
from escalation.models import OPEN_STATES


@login_required
def queue(request):
    """The open escalations, read-only, for every role that reads cases."""
    cases = (
        selectors.case_list(user=request.user)
        .filter(state__in=OPEN_STATES)
        .order_by("priority", "created_at")[:50]
    )
    return render(
        request,
        "escalation/home.html",
        {"queue": cases, "roles": roles.role_labels(request.user)},
    )
