"""``/notifications/``: a person's notifications, newest first; opening the page reads them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from escalation import selectors

SHOWN = 100


@login_required
def notifications(request):
    items = list(selectors.notifications_of(request.user)[:SHOWN])
    return render(request, "escalation/notifications.html", {"items": items})


@require_POST
@login_required
def notifications_read(request):
    selectors.notifications_of(request.user).filter(read_at=None).update(read_at=timezone.now())
    return redirect("notifications")
