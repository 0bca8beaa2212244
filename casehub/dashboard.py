"""``/dashboard/``: the war report (战报) as charts, each with its numbers as a table.

The figures come from ``casehub.war_report`` (a fixed number of aggregates). Charts are SVG
drawn on the server by pygal and shown as images, so they need no script and no style on
the page; the table under each is what screen readers read and what people copy, and each
downloads as CSV. The page follows ``/ws/floor/`` and re-fetches its figures at most once a
second however many events arrive (``dashboard.js``). ``?wall=1`` is the wall screen: no
navigation, large type.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from dataclasses import dataclass

import pygal
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pygal.style import Style

from casehub.war_report import WarReport, war_report
from compensation.models import AuthorityPolicy
from core import roles
from escalation import selectors
from escalation.models import CaseState, Customer
from escalation.views.access import CASE_WORKERS, roles_required

CHART_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#7b8794",
    colors=("#1f6feb", "#d1242f", "#2da44e", "#bf8700", "#8250df"),
    font_family="'Noto Sans CJK SC', 'Noto Sans SC', system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    value_font_size=12,
)


@dataclass
class Table:
    """One section's numbers: what the chart shows, as rows a person can read or copy."""

    slug: str
    title: str
    headers: list[str]
    rows: list[list]
    chart: str = ""  # a data: URL of the SVG chart
    note: str = ""  # what the figures compare, where the title cannot say it all

    def csv(self) -> str:
        out = io.StringIO()
        csv.writer(out).writerows([self.headers, *self.rows])
        return out.getvalue()


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f} %"


def chart(kind, labels: list[str], series: list[tuple[str, list]]) -> str:
    """An SVG chart as a ``data:`` URL (no script: pygal's tooltips would load from a CDN)."""
    horizontal = kind is pygal.HorizontalBar
    figure = kind(
        style=CHART_STYLE,
        js=[],
        width=720,
        height=max(320, 34 * len(labels) * len(series)) if horizontal else 320,
        # The section's heading names the chart; CJK labels are wider than pygal measures.
        title=None,
        margin_left=48 if horizontal else 20,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        print_values=False,
        x_label_rotation=0,
        truncate_label=-1,
        explicit_size=True,
    )
    figure.x_labels = labels
    for name, values in series:
        figure.add(name, [float(value) if value is not None else None for value in values])
    # pygal writes its configuration as an inline script even with no script to load; an
    # image never runs it, and the chart needs none.
    svg = re.sub(rb"<script[^>]*>.*?</script>", b"", figure.render(), flags=re.S)
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def state_label(state: str) -> str:
    return str(CaseState(state).label)


def tables(report: WarReport, *, charts: bool = True) -> list[Table]:
    states = Table(
        "open-cases",
        _("Open cases by state"),
        [_("State"), _("Cases")],
        [[state_label(state), count] for state, count in report.open_by_state.items()],
    )
    compliance = Table(
        "sla-compliance",
        _("SLA compliance by priority and tier"),
        [
            _("Priority"),
            _("Tier"),
            _("Met today"),
            _("Breached today"),
            _("Today"),
            _("Met in 7 days"),
            _("Breached in 7 days"),
            _("7 days"),
        ],
        [
            [
                row.priority,
                str(Customer.Tier(row.tier).label),
                row.met_today,
                row.breached_today,
                percent(row.today),
                row.met_week,
                row.breached_week,
                percent(row.week),
            ]
            for row in report.compliance
        ],
    )
    breaches = Table(
        "breaches-today",
        _("SLA breaches today by hour"),
        [_("Hour"), _("Breaches")],
        [[f"{hour:02d}:00", count] for hour, count in enumerate(report.breaches_by_hour)],
    )
    budgets = Table(
        "compensation-budget",
        _("Compensation today against authority"),
        [_("Officer level"), _("Officers"), _("Per officer a day"), _("Authority"), _("Spent")],
        [
            [
                str(AuthorityPolicy.Role(budget.role).label),
                budget.officers,
                budget.per_officer,
                budget.total,
                budget.spent,
            ]
            for budget in report.budgets
        ],
    )
    spend = Table(
        "compensation-spend",
        _("Compensation spent today by kind and officer level"),
        [_("Kind"), _("Officer level"), _("Spent")],
        [[row.kind, str(AuthorityPolicy.Role(row.role).label), row.amount] for row in report.spend],
    )
    departments = Table(
        "departments",
        _("Department tasks"),
        [_("Department"), _("Done today"), _("Active"), _("Overdue")],
        [[row.name, row.done_today, row.active, row.overdue] for row in report.departments],
    )
    first = report.first_contact
    first_contact = Table(
        "first-contact",
        _("First-contact resolutions today"),
        [_("Resolved today"), _("By the officer alone"), _("Rate")],
        [[first.resolved_today, first.first_contact, percent(first.rate)]],
    )
    forecast = floor_table(report)
    if charts:
        forecast.chart = chart(
            pygal.Line,
            [row[0][:2] for row in forecast.rows],
            [
                (_("Expected new cases"), [row[1] for row in forecast.rows]),
                (_("Upper band"), [row[2] for row in forecast.rows]),
                (_("Floor capacity"), [row[3] for row in forecast.rows]),
            ],
        )
        states.chart = chart(
            pygal.HorizontalBar,
            [row[0] for row in states.rows],
            [(_("Cases"), [row[1] for row in states.rows])],
        )
        compliance.chart = chart(
            pygal.HorizontalBar,
            [f"{row[0]} · {row[1]}" for row in compliance.rows],
            [
                (
                    _("Today"),
                    [None if r.today is None else r.today * 100 for r in report.compliance],
                ),
                (
                    _("7 days"),
                    [None if r.week is None else r.week * 100 for r in report.compliance],
                ),
            ],
        )
        breaches.chart = chart(
            pygal.Bar,
            [f"{hour:02d}" for hour in range(24)],
            [(_("Breaches"), report.breaches_by_hour)],
        )
        budgets.chart = chart(
            pygal.Bar,
            [row[0] for row in budgets.rows],
            [
                (_("Authority"), [row[3] for row in budgets.rows]),
                (_("Spent"), [row[4] for row in budgets.rows]),
            ],
        )
        departments.chart = chart(
            pygal.Bar,
            [row[0] for row in departments.rows],
            [
                (_("Done today"), [row[1] for row in departments.rows]),
                (_("Active"), [row[2] for row in departments.rows]),
                (_("Overdue"), [row[3] for row in departments.rows]),
            ],
        )
    return [states, forecast, compliance, breaches, budgets, spend, departments, first_contact]


def floor_table(report: WarReport) -> Table:
    """The next 24 hours' forecast, all categories together, against the floor's capacity."""
    floor = report.floor
    if floor.hours:
        note = _(
            "Expected new cases per hour, all categories together (the demand forecast), "
            "against the floor's capacity: %(officers)d active officers × %(per_officer)d new "
            "cases an hour each = %(capacity)d. The upper band adds up each category's 80 %% "
            "band. There are no shifts yet: every active officer counts."
        ) % {
            "officers": floor.officers,
            "per_officer": floor.per_officer,
            "capacity": floor.capacity,
        }
    else:
        note = _("No forecast yet: it is worked out from intake every hour.")
    return Table(
        "forecast",
        _("Forecast for the next 24 hours against the floor"),
        [_("Hour"), _("Expected new cases"), _("Upper band"), _("Floor capacity")],
        [
            [
                f"{timezone.localtime(hour.hour):%H:00}",
                round(hour.expected, 1),
                round(hour.high, 1),
                floor.capacity,
            ]
            for hour in floor.hours
        ],
        note=note,
    )


@roles_required(*CASE_WORKERS)
def page(request):
    """The war report; its figures alone when htmx re-fetches them after live events."""
    report = war_report()
    context = {
        "report": report,
        "tables": tables(report),
        "wall": request.GET.get("wall") == "1",
        "generated": formats.date_format(timezone.localtime(report.at), "DATETIME_FORMAT"),
        "live_streams": "/ws/floor/ /ws/workbench/",
        "compliance_today": percent(report.compliance_today),
        "sees_team": roles.is_supervisor(request.user),
    }
    if request.htmx:
        return render(request, "dashboard/_figures.html", context)
    # The socket resumes from here: what happened before is in the figures already.
    context["last_event_id"] = selectors.last_event_id()
    return render(request, "dashboard/page.html", context)


@roles_required(*CASE_WORKERS)
def table_csv(request, slug: str):
    """One of the war report's tables as CSV, as the page shows it now."""
    for table in tables(war_report(), charts=False):
        if table.slug == slug:
            response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="{slug}-{stamp}.csv"'
            return response
    raise Http404(pgettext("war report", "No such table."))
