"""Which SLA policy a case gets: the order field, the tie-breaks, the demo's policies, the admin
that explains the choice, and the per-process cache staying true to the database."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from casehub.demo.seeding import escalation as demo
from escalation.models import BusinessCalendar, Case, SlaPolicy
from escalation.models import sla as sla_models
from escalation.sla import clocks as sla_clocks
from escalation.sla import policies
from tests.factories import CaseFactory, CustomerFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def office(db):
    return BusinessCalendar.objects.create(name="Office (tests)", timezone="Asia/Shanghai")


def policy(name, calendar, **fields):
    return SlaPolicy.objects.create(
        name=name,
        calendar=calendar,
        first_response_seconds=fields.pop("first", 3600),
        next_update_seconds=3600,
        resolution_seconds=8 * 3600,
        **fields,
    )


def chosen(priority="P2", tier="vip", category="installation"):
    return policies.policy_for(priority=priority, tier=tier, category=category)


# --- the rule: lowest order, then most specific, then oldest ---


def test_a_lower_order_wins_over_a_more_specific_policy(office, calendar_24x7):
    policy(
        "P2 vip installation", office, priority="P2", customer_tier="vip", category="installation"
    )
    vip = policy("VIP", calendar_24x7, customer_tier="vip", order=10)

    assert chosen() == vip


def test_at_equal_order_the_most_specific_wins(office, calendar_24x7):
    policy("VIP", calendar_24x7, customer_tier="vip")
    specific = policy("P2 vip", office, priority="P2", customer_tier="vip")

    assert chosen() == specific


def test_at_equal_order_and_specificity_the_oldest_wins(office, calendar_24x7):
    older = policy("P2", office, priority="P2")
    policy("VIP", calendar_24x7, customer_tier="vip")

    assert chosen() == older


def test_the_reason_names_what_decided(office, calendar_24x7):
    p2 = policy("P2", office, priority="P2")
    vip = policy("VIP", calendar_24x7, customer_tier="vip")
    ranked = lambda: policies.ranked_policies(priority="P2", tier="vip", category="x")  # noqa: E731

    assert "the older policy applies" in policies.why_this_policy(ranked())
    vip.order = 10
    vip.save()
    assert "order 10 is lower than 100 of “P2”" in policies.why_this_policy(ranked())
    vip.order = 100
    vip.customer_tier = ""
    vip.save()
    p2.customer_tier = "vip"
    p2.save()
    assert "more specific (2 of priority, tier and category against 0)" in policies.why_this_policy(
        ranked()
    )
    assert "only active policy" in policies.why_this_policy(ranked()[:1])
    assert "No active policy matches" in policies.why_this_policy([])


# --- the demo: P1 and VIP always around the clock ---


def test_every_p1_or_vip_case_in_the_demo_runs_around_the_clock(db):
    demo.seed_timelines()
    categories = [*demo.CATEGORIES, "demo_breach", "not_seeded"]

    for priority in Case.Priority.values:
        for tier in ("standard", "priority", "vip"):
            for category in categories:
                policy = chosen(priority, tier, category)
                if priority == "P1" or tier == "vip":
                    assert policy.calendar.always_open, (priority, tier, category, policy)
                else:
                    assert policy is not None


def test_a_vip_p2_case_opened_at_night_is_due_within_half_an_hour(db):
    demo.seed_timelines()
    case = CaseFactory(priority="P2", customer=CustomerFactory(tier="vip"))

    clocks = sla_clocks.start_case_clocks(case, now=datetime(2026, 7, 14, 3, 6, tzinfo=SHANGHAI))

    first = next(c for c in clocks if c.kind == "first_response")
    assert first.due_at == datetime(2026, 7, 14, 3, 36, tzinfo=SHANGHAI)


def test_reseeding_a_demo_made_before_orders_puts_p1_and_vip_first(db):
    demo.seed_timelines()
    SlaPolicy.objects.update(order=SlaPolicy.DEFAULT_ORDER)  # as the migration leaves them
    SlaPolicy.objects.filter(name="Standard").update(order=500)  # someone chose this one

    demo.seed_timelines()

    assert chosen("P2", "vip").name == "VIP, around the clock"
    assert SlaPolicy.objects.get(name="Standard").order == 500


# --- the migration keeps what each case got ---


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_policy_each_case_got():
    before = [("escalation", "0004_idempotency_moves_to_core")]
    after = [("escalation", "0005_sla_policy_order")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    calendar = old.get_model("escalation", "BusinessCalendar").objects.create(
        name="old", always_open=True
    )
    OldPolicy = old.get_model("escalation", "SlaPolicy")
    targets = {"first_response_seconds": 1, "next_update_seconds": 1, "resolution_seconds": 1}
    for name, fields in [
        ("any", {}),
        ("P2", {"priority": "P2"}),
        ("VIP", {"customer_tier": "vip"}),
        ("P2 vip billing", {"priority": "P2", "customer_tier": "vip", "category": "billing"}),
    ]:
        OldPolicy.objects.create(name=name, calendar=calendar, **fields, **targets)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    policies.forget_policies()

    assert set(SlaPolicy.objects.values_list("order", flat=True)) == {100}
    assert chosen("P3", "standard", "x").name == "any"
    assert chosen("P2", "vip", "x").name == "P2"  # the tie went to the older before, too
    assert chosen("P2", "vip", "billing").name == "P2 vip billing"
    assert chosen("P4", "vip", "x").name == "VIP"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- the admin: order in the list, the preview says which policy and why ---


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def demo_policies(db):
    demo.seed_timelines()
    return {p.name: p for p in SlaPolicy.objects.all()}


def test_the_policy_list_shows_and_edits_the_order_in_precedence_order(admin_client, demo_policies):
    office = demo_policies["P2"].calendar
    policy("Refunds", office, category="refund")
    policy("P2 refunds", office, priority="P2", category="refund")

    response = admin_client.get(reverse("admin:escalation_slapolicy_changelist"))

    listed = [p.name for p in response.context["cl"].result_list]
    assert listed == [
        "Demo: breaches two minutes after seeding",
        "P1, around the clock",
        "VIP, around the clock",
        "P2 refunds",  # order 100, two fields
        "P2",  # order 100, one field, older than Refunds
        "Refunds",
        "Standard",
    ]
    assert 'name="form-0-order"' in response.content.decode()


def test_reordering_in_the_list_applies_to_the_next_case_at_once(
    admin_client, demo_policies, settings
):
    settings.CASEHUB_SLA_POLICY_CACHE_SECONDS = 3600
    assert chosen("P2", "vip").name == "VIP, around the clock"  # now cached in this process
    url = reverse("admin:escalation_slapolicy_changelist")
    formset = admin_client.get(url).context["cl"].formset
    data = {
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "_save": "Save",
    }
    for index, form in enumerate(formset.forms):
        data[f"form-{index}-id"] = str(form.instance.pk)
        data[f"form-{index}-order"] = str(5 if form.instance.name == "P2" else form.instance.order)

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert SlaPolicy.objects.get(name="P2").order == 5
    assert chosen("P2", "vip").name == "P2"
    policies.forget_policies()


def test_the_cache_is_forgotten_again_when_an_edit_commits(
    demo_policies, settings, django_capture_on_commit_callbacks
):
    settings.CASEHUB_SLA_POLICY_CACHE_SECONDS = 3600
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        p2 = demo_policies["P2"]
        p2.order = 5
        p2.save()
        # a request in another thread reloads the policies before the commit…
        sla_models._active = (time.monotonic(), [demo_policies["VIP, around the clock"]])

    assert policies.forget_policies in callbacks
    assert chosen("P2", "vip").name == "P2"  # …and the commit throws that stale list away
    policies.forget_policies()


def test_the_preview_says_which_policy_a_case_gets_and_why(admin_client, demo_policies):
    url = reverse("admin:escalation_slapolicy_which")

    response = admin_client.get(url, {"priority": "P2", "tier": "vip", "category": "refund"})

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["answer"]["policy"] == demo_policies["VIP, around the clock"]
    assert "order 30 is lower than 100 of “P2”" in content
    assert "around the clock" in content
    assert [p.name for p in response.context["answer"]["ranked"]] == [
        "VIP, around the clock",
        "P2",
        "Standard",
    ]


def test_the_preview_refuses_unknown_facts_beside_the_field(admin_client, demo_policies):
    url = reverse("admin:escalation_slapolicy_which")

    response = admin_client.get(url, {"priority": "P9", "tier": "vip"})

    assert response.status_code == 200
    assert response.context["answer"] is None
    assert "priority" in response.context["form"].errors


def test_the_policy_page_lists_which_cases_get_it(admin_client, demo_policies):
    p2 = demo_policies["P2"]

    response = admin_client.get(reverse("admin:escalation_slapolicy_change", args=[p2.pk]))

    content = response.content.decode()
    assert "P2 · VIP · a category no policy names" in content
    assert "order 30 is lower than 100 of “P2”" in content  # the VIP ones go elsewhere
    assert "P2 · Standard · a category no policy names" in content


def test_the_policy_list_warns_of_policies_that_tie(admin_client, office, calendar_24x7):
    policy("P2", office, priority="P2")
    policy("VIP", calendar_24x7, customer_tier="vip")
    policy("P3", office, priority="P3")  # ties with VIP (a P3 VIP case), never with P2

    response = admin_client.get(reverse("admin:escalation_slapolicy_changelist"))

    warnings = [str(m) for m in response.context["messages"]]
    assert len(warnings) == 2
    assert "“P2” and “VIP” have the same order" in warnings[0]
    assert "“VIP” and “P3”" in warnings[1]
