"""Hostile text through every text field of the API, and every page that shows it.

Each payload goes in where a department system, a chatbot or an officer could put it: case
intake (title, description, customer name, contact context), a task group and its task, a
thread message, a grant's reason, a knowledge request, a resolution. The API must answer
with a 2xx or a 4xx (never a 500) and keep the text exactly as sent; every page that shows
it must show it as text, never as markup; and SQL in the text stays text.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from core import roles
from escalation.models import Case
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.factories import DepartmentFactory, MembershipFactory, OfficerFactory, UserFactory
from tests.knowledge.factories import CategoryFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert("x2")>',
    "<svg/onload=alert('x3')>",
    "javascript:alert('x4')",
    "'; DROP TABLE escalation_case; --",
    "' OR '1'='1",
    "{{ request.user.password }} {% debug %}",
    "</textarea><iframe src=//evil.example>",
    "\u202egnp.exe 空调安装 ☃",
]
#: What no page may contain: each payload's markup, unescaped.
MARKUP = ["<script>alert(", "<img src=x", "<svg/onload", "<iframe src=", "</textarea><iframe"]


@pytest.fixture
def people(db, sla_policy):
    supervisor = UserFactory(username="supervisor", roles=[roles.SUPERVISORS])
    officer = OfficerFactory(user__username="officer", level=2, lead=supervisor)
    frontline = UserFactory(username="frontline", roles=[roles.FRONTLINE])
    kb = UserFactory(username="kb1", roles=[roles.KNOWLEDGE_TEAM])
    tech = DepartmentFactory(code="tech", name="Technical support")
    member = UserFactory(username="tech_member", roles=[roles.DEPARTMENT_MEMBERS])
    MembershipFactory(user=member, department=tech)
    PolicyFactory(role="level_2")
    PolicyFactory(role="supervisor")
    KindFactory(code="coupon")
    CategoryFactory(code="repair")
    return {
        "supervisor": supervisor,
        "officer": officer,
        "frontline": frontline,
        "kb": kb,
        "member": member,
    }


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ok(response, expected=(200, 201)):
    assert response.status_code in expected, (response.status_code, response.content[:400])
    return response.json()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_text_field_keeps_the_payload_and_every_page_shows_it_as_text(
    client, people, payload
):
    officer = people["officer"]
    case = ok(
        as_user(people["frontline"]).post(
            "/api/v1/cases/",
            {
                "title": f"T {payload}",
                "description": f"D {payload}",
                "channel": "phone",
                "category": "repair",
                "priority": "P3",
                "customer": {"external_id": f"C-{abs(hash(payload))}", "name": f"N {payload}"},
                "context": {
                    "intent": f"I {payload}",
                    "bot_transcript": f"B {payload}",
                    "interactions": [
                        {
                            "channel": "chat",
                            "at": timezone.now().isoformat(),
                            "summary": f"S {payload}",
                        }
                    ],
                },
            },
            format="json",
        )
    )
    assert (case["title"], case["description"]) == (f"T {payload}", f"D {payload}")
    assert case["customer"]["name"] == f"N {payload}"
    pk = case["id"]
    Case.objects.filter(pk=pk).update(officer=officer)
    officer_api = as_user(officer.user)
    for name in ("assign", "start"):
        body = {"transition": name}
        if name == "assign":
            body["officer"] = "officer"
        ok(officer_api.post(f"/api/v1/cases/{pk}/transitions/", body, format="json"))
    group = ok(
        officer_api.post(
            "/api/v1/task-groups/",
            {
                "case": pk,
                "title": f"G {payload}",
                "tasks": [
                    {
                        "department": "tech",
                        "assignee": "tech_member",
                        "title": f"K {payload}",
                        "details": f"E {payload}",
                        "due_at": (timezone.now() + timedelta(hours=4)).isoformat(),
                    }
                ],
            },
            format="json",
        )
    )
    task = group["tasks"][0]["id"]
    ok(
        as_user(people["member"]).post(
            f"/api/v1/tasks/{task}/messages/", {"body": f"M {payload}"}, format="json"
        )
    )
    grant = ok(
        officer_api.post(
            "/api/v1/compensations/",
            {"case": pk, "kind": "coupon", "amount": "300.00", "currency": "CNY",
             "reason": f"R {payload}"},
            format="json",
        )
    )  # fmt: skip
    assert grant["state"] == "pending_approval"
    request = ok(
        officer_api.post(
            "/api/v1/knowledge/requests/",
            {"kind": "new", "title": f"Q {payload}", "body": f"A {payload}", "category": "repair",
             "case": pk},
            format="json",
        )
    )  # fmt: skip
    ok(
        officer_api.post(
            f"/api/v1/knowledge/requests/{request['id']}/transitions/",
            {"transition": "submit"},
            format="json",
        )
    )

    pages = {
        people["officer"].user: [
            "/workbench/",
            "/workbench/?view=open",
            f"/workbench/?q={payload[:20]}",
            f"/cases/{pk}/",
            f"/cases/{pk}/compensation/",
            f"/cases/{pk}/knowledge/",
            "/queue/",
            f"/knowledge/?q={payload[:30]}",
            f"/knowledge/requests/{request['id']}/",
        ],
        people["supervisor"]: ["/approvals/", "/dashboard/", f"/cases/{pk}/"],
        people["kb"]: ["/knowledge/review/", f"/knowledge/requests/{request['id']}/"],
        people["member"]: ["/departments/tech/"],
    }
    #: Where each field must show, escaped: so the pages above are known to show them.
    shown = {
        f"/cases/{pk}/": [f"T {payload}", f"D {payload}", f"N {payload}"],
        "/approvals/": [f"R {payload}", f"T {payload}"],
        "/knowledge/review/": [f"Q {payload}"],
        f"/knowledge/requests/{request['id']}/": [f"Q {payload}"],
        "/departments/tech/": [f"K {payload}"],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            html = response.content.decode()
            for markup in MARKUP:
                assert markup not in html, (url, markup)
            assert "md5$" not in html, url  # template syntax in the text is never evaluated
            for text in shown.get(url, []):
                assert escape(text) in html, (url, text)
    client.force_login(people["officer"].user)
    for panel in ("header", "timeline", "tasks", "transitions"):
        html = client.get(f"/cases/{pk}/panels/{panel}/").content.decode()
        assert all(markup not in html for markup in MARKUP), panel

    # SQL stays text: the tables are all there and the text came back as it went in.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM escalation_case")
        assert cursor.fetchone()[0] >= 1
    detail = ok(officer_api.get(f"/api/v1/cases/{pk}/"))
    assert detail["context"]["intent"] == f"I {payload}"
    listed = ok(officer_api.get("/api/v1/cases/", {"q": payload}))
    assert listed["count"] >= 0
