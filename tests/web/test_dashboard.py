"""The war report page: who may open it, its charts and tables, CSV, the wall screen, and a
constant number of queries."""

import base64
import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import roles
from escalation.models import CaseEvent
from peak import forecast
from tests.factories import CaseFactory, DepartmentFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


def person(*names):
    return UserFactory(roles=list(names))


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ([roles.SUPERVISORS], 200),
        ([roles.OFFICERS], 200),  # read-only: there is nothing to act on here
        ([roles.KNOWLEDGE_TEAM], 403),
        ([roles.DEPARTMENT_MEMBERS], 403),
        ([roles.FRONTLINE], 403),
    ],
)
def test_supervisors_and_officers_open_the_war_report(client, who, status):
    client.force_login(person(*who))

    assert client.get(URL).status_code == status
    assert client.get(f"{URL}open-cases.csv").status_code == status


def test_anonymous_people_are_sent_to_sign_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_each_chart_has_its_numbers_as_a_table_and_a_csv(client, supervisor):
    CaseFactory.create_batch(3, state="new")
    closed = CaseFactory(state="closed")
    CaseEvent.objects.create(case=closed, kind="close")
    client.force_login(supervisor)

    page = client.get(URL).content.decode()

    assert 'data-live-streams="/ws/floor/ /ws/workbench/"' in page
    latest = CaseEvent.objects.latest("pk").pk
    assert f'data-last-event="{latest}"' in page  # the socket does not replay the past
    assert re.search(r'data-figure="open">\s*3\s*<', page)
    assert re.search(r"<tr><td>New</td><td>3</td></tr>", page)
    for slug in ["open-cases", "sla-compliance", "breaches-today", "departments"]:
        assert f'data-table="{slug}"' in page and f"/dashboard/{slug}.csv" in page
    charts = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(charts) == 6  # with the forecast against the floor
    for chart in charts:
        svg = base64.b64decode(chart)
        assert b"<svg" in svg and b"<script" not in svg and b'href="http' not in svg


def test_a_table_downloads_as_the_page_shows_it(client, supervisor):
    tech = DepartmentFactory(code="tech", name="Technical support")
    TaskFactory(department=tech)
    client.force_login(supervisor)

    response = client.get(f"{URL}departments.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(
        r'attachment; filename="departments-\d{8}-\d{4}.csv"', response["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Department", "Done today", "Active", "Overdue"],
        ["Technical support", "0", "1", "0"],
    ]
    assert client.get(f"{URL}nothing.csv").status_code == 404


def test_the_figures_alone_for_a_live_refresh(client, supervisor):
    client.force_login(supervisor)

    fragment = client.get(URL, headers={"HX-Request": "true"}).content.decode()

    assert fragment.startswith('<div id="war-report"')
    assert "<header" not in fragment


def test_the_wall_screen_has_large_type_and_no_navigation(client, supervisor):
    client.force_login(supervisor)

    page = client.get(URL, {"wall": "1"}).content.decode()

    assert '<body class="wall"' in page
    assert "data-fullscreen" in page


def test_the_war_report_in_chinese(client, supervisor):
    client.force_login(supervisor)

    page = client.get(URL, headers={"Accept-Language": "zh-hans"}).content.decode()

    assert '<html lang="zh-hans">' in page
    assert "战报" in page and "各状态的未结工单" in page and "下载 CSV" in page


def test_the_page_runs_the_same_queries_for_any_size(client, supervisor):
    client.force_login(supervisor)

    def count() -> int:
        client.get(URL)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    few = count()
    for index in range(20):
        case = CaseFactory(state="investigating")
        TaskFactory(group__case=case, department=DepartmentFactory(code=f"dept{index}"))
    assert count() == few


def test_the_forecast_is_set_against_the_floor_and_says_what_it_compares(
    client, supervisor, officer, settings
):
    settings.CASEHUB_CASES_PER_OFFICER_HOUR = 4
    forecast.refresh(["installation"])
    client.force_login(supervisor)

    page = client.get(URL).content.decode()

    assert 'data-table="forecast"' in page
    assert "1 active officers × 4 new cases an hour each = 4" in page
    table = re.search(r'data-table="forecast">(.*?)</table>', page, flags=re.S).group(1)
    assert table.count("<tr><td>") == 24  # the next 24 hours


def test_without_a_forecast_the_page_says_when_it_comes(client, supervisor):
    client.force_login(supervisor)

    page = client.get(URL).content.decode()

    assert "No forecast yet: it is worked out from intake every hour." in page
