"""The compensation panel of the case page: remaining authority per cap, grants, a grant form.

Fetched by the case page (``/cases/<id>/compensation/``) and rendered here, so escalation
never imports compensation. The form posts the API's body to the same service; a cap
refusal names the cap and what remains, exactly as the API's 422.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from compensation import caps, selectors, services
from compensation.api.serializers import GrantRequestSerializer
from compensation.models import CompensationKind
from core import roles
from core.web import Refusal, attempt
from escalation.selectors import cases_visible_to


def _case_for(request, case_id: int):
    if not roles.has_role(request.user, roles.OFFICERS, roles.SUPERVISORS):
        raise PermissionDenied
    return get_object_or_404(cases_visible_to(request.user).select_related("customer"), pk=case_id)


def _panel(request, case, *, refusal: Refusal | None = None, granted=None, status: int = 200):
    authority, no_policy = attempt(lambda: selectors.authority_of(user=request.user, case=case))
    if authority:
        for cap in authority["caps"]:
            cap["label"] = caps.CAP_LABELS.get(cap["cap"], cap["cap"])
    grants = list(
        selectors.grant_list(user=request.user).filter(case=case).order_by("-created_at")[:20]
    )
    cap_label = ""
    if refusal is not None and refusal.extra.get("cap"):
        cap_label = caps.CAP_LABELS.get(refusal.extra["cap"], refusal.extra["cap"])
    context = {
        "case": case,
        "authority": authority,
        "no_policy": no_policy,
        "grants": grants,
        "kinds": CompensationKind.objects.filter(active=True).order_by("code"),
        "refusal": refusal,
        "cap_label": cap_label,
        "granted": granted,
        "posted": request.POST if refusal else {},
    }
    return render(request, "compensation/_case_panel.html", context, status=status)


def case_panel(request, case_id: int):
    return _panel(request, _case_for(request, case_id))


@require_POST
def grant_create(request, case_id: int):
    case = _case_for(request, case_id)

    def grant():
        given = GrantRequestSerializer(
            data={**request.POST.dict(), "case": case.pk}, user=request.user
        )
        given.is_valid(raise_exception=True)
        return services.grant_request(actor=request.user, **given.validated_data)

    granted, refusal = attempt(grant)
    response = _panel(
        request, case, refusal=refusal, granted=granted, status=refusal.status if refusal else 200
    )
    return trigger_client_event(response, f"case:{case.pk}") if granted else response
