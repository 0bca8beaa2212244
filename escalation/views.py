"""Web pages of the escalation app."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from core import roles
from escalation import selectors
from escalation.models import OPEN_STATES


@login_required
def home(request):
    """The officer's start page: the open queue, most urgent first, and where to go next."""
    queue = (
        selectors.case_list(user=request.user)
        .filter(state__in=OPEN_STATES)
        .order_by("priority", "created_at")[:50]
    )
    return render(
        request,
        "escalation/home.html",
        {"queue": queue, "roles": roles.role_labels(request.user)},
    )


def healthz(request):
    """Liveness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
