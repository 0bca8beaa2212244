"""List filters for cases: ``?state=new,assigned&priority=P1&officer=me`` and friends."""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError

from core.api.filters import FilterSet
from escalation.models import Case, CaseState
from escalation.sla import status as sla_status


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    pass


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO-8601 instant, given to the database in UTC.

    Python accepts UTC offsets up to ±24 h, PostgreSQL only up to ±15:59: passed on as given,
    ``…-19:12`` would be a database error (500) instead of a filter that simply works.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError as overflow:
            raise forms.ValidationError(
                _("Date and time out of range."), code="overflow"
            ) from overflow


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class CaseFilter(FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, method="filter_in")
    priority = django_filters.MultipleChoiceFilter(
        choices=Case.Priority.choices, method="filter_in"
    )
    channel = django_filters.ChoiceFilter(choices=Case.Channel.choices)
    category = CharInFilter(field_name="category", lookup_expr="in")
    officer = django_filters.CharFilter(
        method="filter_officer", help_text="A username, `me`, or `none` for unassigned cases."
    )
    customer = django_filters.CharFilter(field_name="customer__external_id")
    tier = django_filters.ChoiceFilter(
        field_name="customer__tier", choices=[("standard",) * 2, ("priority",) * 2, ("vip",) * 2]
    )
    escalation_level = django_filters.NumberFilter(min_value=0)
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_q", help_text="Words in the title or reference.")
    sla = django_filters.CharFilter(
        method="filter_sla",
        help_text=(
            "Open cases by the clocks their `sla` list shows: `breached` (a clock breached in "
            "this cycle, even if stopped since), `warned` (past the warning, still counting), "
            "`paused` (waiting on the customer) or `due_within=<seconds>` (a counting clock due "
            "by then)."
        ),
    )

    class Meta:
        model = Case
        fields = []

    def filter_in(self, queryset, name, value):
        return queryset.filter(**{f"{name}__in": value}) if value else queryset

    def filter_officer(self, queryset, name, value):
        if value == "none":
            return queryset.filter(officer__isnull=True)
        if value == "me":
            return queryset.filter(officer__user=self.request.user)
        return queryset.filter(officer__user__username=value)

    def filter_sla(self, queryset, name, value):
        try:
            condition = sla_status.case_condition(value, timezone.now())
        except ValueError as problem:
            raise ValidationError(
                {
                    "sla": [
                        _(
                            "Use breached, warned, paused or due_within=<seconds> "
                            "(0 to %(max)d seconds)."
                        )
                        % {"max": sla_status.DUE_WITHIN_MAX_SECONDS}
                    ]
                }
            ) from problem
        return queryset.filter(condition)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(reference__iexact=value.strip()))
