"""Knowledge panels other pages fetch: hot answers (workbench), suggestions for a case.

Rendered here so escalation never imports knowledge. "Request a knowledge update" posts to
the same service as the API (``knowledge.services.request_create``), prefilled from the case.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from core import roles
from core.web import attempt
from escalation.selectors import cases_visible_to
from knowledge import selectors, services
from knowledge.models import KnowledgeRequest

HOT_SHOWN = 5


def hot_panel(request):
    if not request.user.is_authenticated:
        raise PermissionDenied
    ranked = list(selectors.article_ranking(hot_only=True)[:HOT_SHOWN])
    return render(
        request, "knowledge/_hot_panel.html", {"articles": selectors.articles_by_id(ranked)}
    )


def _case_for(request, case_id: int):
    if not roles.has_role(request.user, roles.OFFICERS, roles.SUPERVISORS):
        raise PermissionDenied
    return get_object_or_404(cases_visible_to(request.user), pk=case_id)


def _panel(request, case, *, raised=None, refusal=None, status: int = 200):
    context = {
        "case": case,
        "articles": selectors.suggested_for_case(case=case),
        "intent": (case.context or {}).get("intent", ""),
        "raised": raised,
        "refusal": refusal,
        "prefill_title": request.POST.get("title") if refusal else case.title,
        "prefill_body": request.POST.get("body")
        if refusal
        else (case.resolution or case.description),
    }
    return render(request, "knowledge/_case_panel.html", context, status=status)


def case_panel(request, case_id: int):
    return _panel(request, _case_for(request, case_id))


@require_POST
def request_from_case(request, case_id: int):
    case = _case_for(request, case_id)
    raised, refusal = attempt(
        lambda: services.request_create(
            actor=request.user,
            kind=KnowledgeRequest.Kind.NEW,
            title=request.POST.get("title", "")[:200],
            body=request.POST.get("body", "")[:20000],
            case=case,
        )
    )
    return _panel(
        request, case, raised=raised, refusal=refusal, status=refusal.status if refusal else 200
    )
