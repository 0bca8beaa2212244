"""``/workbench/``: an officer's cases, the unassigned queue and what is about to breach.

Sorted by SLA urgency with ticking countdowns, filtered with the API's own filters
(``escalation.api.filters.CaseFilter``), searched by reference, customer or title, and
paginated. The case list is a fragment: filters, paging and live events re-fetch only it.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from core import roles
from escalation import floor, selectors, services
from escalation.api.filters import CaseFilter
from escalation.models import OPEN_STATES, Availability, Case, CaseState, Category, Customer
from escalation.views.access import CASE_WORKERS, roles_required

PAGE_SIZE = 25
VIEWS = {
    "mine": _("My cases"),
    "unassigned": _("Unassigned"),
    "breaching": _("About to breach"),
    "open": _("All open"),
}
SLA_CHOICES = [
    ("", _("Any SLA status")),
    ("breached", _("Breached")),
    ("warned", _("Warned")),
    ("paused", _("Paused")),
    ("due_within=3600", _("Due within an hour")),
]


def _any(label):
    return [("", label)]


class WorkbenchFilters(forms.Form):
    """The controls above the list; the API's ``CaseFilter`` does the filtering."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("State"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    tier = forms.ChoiceField(label=_("Customer tier"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    sla = forms.ChoiceField(label=_("SLA status"), required=False, choices=SLA_CHOICES)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        open_states = [(value, label) for value, label in CaseState.choices if value in OPEN_STATES]
        self.fields["state"].choices = _any(_("Any open state")) + open_states
        self.fields["priority"].choices = _any(_("Any priority")) + Case.Priority.choices
        self.fields["tier"].choices = _any(_("Any tier")) + Customer.Tier.choices
        self.fields["category"].choices = _any(_("Any category")) + list(categories)


def filtered_cases(request, view: str):
    """The tab's cases after the filters and the search, most urgent first; and any error."""
    user = request.user
    data = QueryDict(mutable=True)
    for key in ("state", "priority", "tier", "category", "sla"):
        if value := request.GET.get(key, "").strip():
            data[key] = value
    cases = selectors.case_list(user=user)
    filterset = CaseFilter(data=data, queryset=cases, request=request)
    errors: dict = {}
    try:
        if filterset.is_valid():
            cases = filterset.qs
        else:
            errors = dict(filterset.errors)
    except ValidationError as refusal:
        errors = refusal.detail if isinstance(refusal.detail, dict) else {"sla": refusal.detail}
    cases = selectors.search_cases(cases, request.GET.get("q", ""))
    cases = selectors.workbench_view(cases, user=user, view=view, now=timezone.now())
    return selectors.by_sla_urgency(cases), errors


@roles_required(*CASE_WORKERS)
def workbench(request):
    view = request.GET.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    cases, errors = filtered_cases(request, view)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    officer = (
        getattr(request.user, "officer_profile", None) if roles.is_officer(request.user) else None
    )
    rows = list(page.object_list)
    for case in rows:
        # Only unassigned cases offer a button here (taking the case); the rest are opened.
        case.may_take = (
            officer is not None
            and case.officer_id is None
            and "assign" in services.allowed_transitions(case, request.user)
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "view": view,
        "views": VIEWS,
        "page": page,
        "rows": rows,
        "officer": officer,
        "errors": errors,
        "query": query.urlencode(),
        "now": timezone.now(),
    }
    if request.htmx and request.htmx.target == "case-list":
        return render(request, "escalation/workbench/_list.html", context)
    categories = Category.objects.order_by("code").values_list("code", "name")
    if officer is not None:
        context |= {
            "officer_fatigue": floor.fatigue_of([officer])[officer.pk],
            "availability_choices": Availability.choices,
            "assignment_rules": floor.policy(),
        }
    context |= {
        "filters": WorkbenchFilters(request.GET or None, categories=categories),
        # The knowledge stream refreshes the hot answers beside the list.
        "live_streams": "/ws/workbench/ /ws/knowledge/",
        "last_event_id": selectors.last_event_id(),
    }
    return render(request, "escalation/workbench/page.html", context)
