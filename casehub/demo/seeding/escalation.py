"""Demo data for the escalation domain: the accounts of PRODUCT.md, departments, cases.

Only ``manage.py seed_demo`` calls this; it is idempotent.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core import roles
from escalation import services
from escalation.models import (
    OPEN_STATES,
    BusinessCalendar,
    Case,
    Customer,
    Department,
    DepartmentMembership,
    EscalationOfficer,
    EscalationRule,
    SlaClock,
    SlaPolicy,
)

PASSWORD = "casehub-demo"
DEPARTMENTS = {
    "tech": "Technical support",
    "logistics": "Logistics",
    "supply_chain": "Supply chain",
    "after_sales": "After-sales service",
    "finance": "Finance",
}
#: What the chatbot recognised, after the category (``delivery_status``, …).
INTENTS = ("status", "delay", "complaint")
CATEGORIES = [
    "installation",
    "delivery",
    "billing",
    "product_defect",
    "refund",
    "technical",
    "promotion",
    "repair",
]
TITLES = {
    "installation": [
        "Air conditioner install delayed twice",
        "空调安装一再推迟",
        "Installer no-show",
    ],
    "delivery": ["Parcel stuck in transit for 9 days", "冰箱配送地址错误", "Delivery damaged"],
    "billing": ["Charged twice for one order", "发票抬头错误", "Instalment plan wrong"],
    "product_defect": ["Washing machine leaks after a week", "电视屏幕闪烁", "Fan motor noisy"],
    "refund": ["Refund not received after 14 days", "退款金额不对", "Return label missing"],
    "technical": ["App cannot bind the smart AC", "Firmware update bricked router", "遥控器失灵"],
    "promotion": ["Festival coupon not applied", "满减规则不清楚", "Price protection refused"],
    "repair": ["Repair visit missed twice", "维修后仍然漏水", "Spare part back-ordered"],
}
#: Officers besides officer1-3: a peak-season floor, with room for every escalation that
#: intake sends (24 officers, 60 open cases each).
PEAK_TEAM = range(4, 25)
PEAK_TEAM_CAPACITY = 60
NAMES = ["王女士", "李先生", "张女士", "刘先生", "陈女士", "Anna Schmidt", "John Miller", "Mei Tan"]


#: The channels the chatbot answers before it hands a customer over.
BOT_CHANNELS = ("chat", "app")


def transcript(title: str) -> str:
    """What the chatbot heard before it handed the customer over."""
    return "\n".join(
        [
            "bot: 您好，我是小助手，请问有什么可以帮您？ / Hi, how can I help?",
            f"customer: {title}",
            "bot: 已为您查询订单，状态暂未更新。需要我为您登记跟进吗？",
            "customer: 已经问了两次了，我要投诉，转人工",
            "bot: 好的，正在为您转接服务升级专员。",
        ]
    )


def _user(username: str, *, groups: list[str], first_name: str = "", **extra):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": first_name, **extra}
    )
    if created:
        user.set_password(PASSWORD)
        user.save()
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


@transaction.atomic
def seed_people() -> dict:
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)
    people = {}
    people["admin"] = _user(
        "admin", groups=[], first_name="Admin", is_staff=True, is_superuser=True
    )
    people["supervisor"] = _user(
        "supervisor", groups=[roles.SUPERVISORS], first_name="Supervisor", is_staff=True
    )
    for level in (1, 2, 3):
        user = _user(f"officer{level}", groups=[roles.OFFICERS], first_name=f"Officer {level}")
        EscalationOfficer.objects.get_or_create(
            user=user,
            defaults={
                "level": level,
                "skills": [*CATEGORIES, "demo_breach"],
                "lead": people["supervisor"],
                "max_open_cases": 40,
            },
        )
        people[user.username] = user
    for number in PEAK_TEAM:
        user = _user(f"officer{number}", groups=[roles.OFFICERS], first_name=f"Officer {number}")
        EscalationOfficer.objects.get_or_create(
            user=user,
            defaults={
                "level": (1, 2, 2, 3)[number % 4],
                "skills": list(CATEGORIES),
                "lead": people["supervisor"],
                "max_open_cases": PEAK_TEAM_CAPACITY,
            },
        )
        people[user.username] = user
    for username in ("kb1", "kb2"):
        people[username] = _user(
            username, groups=[roles.KNOWLEDGE_TEAM], first_name=username.upper()
        )
    people["frontline"] = _user("frontline", groups=[roles.FRONTLINE], first_name="Frontline")
    for code, name in DEPARTMENTS.items():
        department, _ = Department.objects.get_or_create(code=code, defaults={"name": name})
        for suffix, is_lead in (("member", False), ("lead", True)):
            user = _user(f"{code}_{suffix}", groups=[roles.DEPARTMENT_MEMBERS])
            DepartmentMembership.objects.get_or_create(
                department=department, user=user, defaults={"is_lead": is_lead}
            )
            people[user.username] = user
    return people


#: How the demo's customers like to hear from us: a third ask for electronic notices only.
PREFERENCES = (
    {"channels": ["paper", "app"], "electronic_only": True},
    {"channels": ["sms", "phone"]},
    {"channels": ["email", "sms"], "electronic_only": True},
    {"channels": ["phone", "sms"], "electronic_only": True},
    {"channels": ["paper"]},
    {},
)


def seed_customers() -> list[Customer]:
    customers = []
    for index in range(60):
        tier = ("standard", "standard", "priority", "vip")[index % 4]
        preferences = dict(PREFERENCES[index % len(PREFERENCES)])
        if "email" in preferences.get("channels", []):
            preferences["email"] = f"customer{10000 + index}@example.com"
        if {"sms", "phone"} & set(preferences.get("channels", [])):
            preferences["phone"] = f"+86 138 0000 {index:04d}"
        customer, _ = Customer.objects.get_or_create(
            external_id=f"C-{10000 + index}",
            defaults={
                "name": NAMES[index % len(NAMES)],
                "tier": tier,
                "contact_preferences": preferences,
            },
        )
        customers.append(customer)
    return customers


def _drive(case: Case, target: str, people: dict) -> None:
    """Move a freshly opened case along the lifecycle to ``target``."""
    supervisor = people["supervisor"]
    steps = {
        "new": [],
        "assigned": [],
        "investigating": ["start"],
        "awaiting_customer": ["start", "wait_for_customer"],
        "resolved": ["start", "resolve"],
        "closed": ["start", "resolve", "close"],
        "reopened": ["start", "resolve", "reopen"],
        "cancelled": ["cancel"],
    }[target]
    if case.officer_id is None and target not in ("new", "cancelled"):
        officer = EscalationOfficer.objects.filter(level__gte=2).order_by("?").first()
        services.case_assign(case=case, actor=supervisor, officer=officer)
        case.refresh_from_db()
    arguments = {
        "resolve": {"resolution": "Replaced the unit and confirmed with the customer."},
        "reopen": {"reason": "Customer reports the problem is back."},
        "cancel": {"reason": "Duplicate of another contact."},
    }
    for name in steps:
        services.case_transition(case=case, actor=supervisor, name=name, **arguments.get(name, {}))


def seed_cases(people: dict, customers: list[Customer], target: int = 200) -> int:
    rng = random.Random(20260714)
    states = (
        ["new"] * 10
        + ["assigned"] * 25
        + ["investigating"] * 45
        + ["awaiting_customer"] * 20
        + ["resolved"] * 30
        + ["closed"] * 50
        + ["reopened"] * 5
        + ["cancelled"] * 15
    )
    created = 0
    attempts = 0
    while Case.objects.count() < target and attempts < target * 3:
        attempts += 1
        category = rng.choice(CATEGORIES)
        customer = rng.choice(customers)
        title = rng.choice(TITLES[category])
        channel = rng.choice([c.value for c in Case.Channel])
        bot = {"bot_transcript": transcript(title)} if channel in BOT_CHANNELS else {}
        with transaction.atomic():
            case, deduplicated = services.case_intake(
                actor=people["frontline"],
                title=title,
                description="Escalated from the frontline after two contacts.",
                channel=channel,
                category=category,
                priority=rng.choice(["P1", "P2", "P2", "P3", "P3", "P3", "P4"]),
                customer={"external_id": customer.external_id},
                context={
                    "interactions": [
                        {
                            "channel": "chat",
                            "at": "2026-07-14T09:12:00+08:00",
                            "summary": "Customer asked twice for an update.",
                        }
                    ],
                    # A few intents per category: an ordinary hour, not a surge.
                    "intent": f"{category}_{rng.choice(INTENTS)}",
                    # What the chatbot heard, for the contacts it handed over.
                    **bot,
                },
            )
            if deduplicated:
                continue
            target_state = rng.choice(states)
            if target_state == "new" and case.officer_id is not None:
                target_state = "assigned"
            _drive(case, target_state, people)
            created += 1
    return created


def seed_timelines() -> None:
    office, _ = BusinessCalendar.objects.get_or_create(
        name="Shanghai office hours",
        defaults={"timezone": "Asia/Shanghai", "holiday_country": "CN"},
    )
    always, _ = BusinessCalendar.objects.get_or_create(
        name="24×7", defaults={"timezone": "Asia/Shanghai", "always_open": True}
    )
    # (name, match, calendar, first response, next update, resolution, order): P1 and VIP
    # come before the office-hours policies, so every P1 or VIP case runs around the clock.
    policies = [
        (
            "Demo: breaches two minutes after seeding",
            {"category": "demo_breach"},
            always,
            120,
            600,
            3600,
            10,
        ),
        ("P1, around the clock", {"priority": "P1"}, always, 15 * 60, 3600, 8 * 3600, 20),
        (
            "VIP, around the clock",
            {"customer_tier": "vip"},
            always,
            30 * 60,
            2 * 3600,
            24 * 3600,
            30,
        ),
        ("P2", {"priority": "P2"}, office, 2 * 3600, 4 * 3600, 16 * 3600, 100),
        ("Standard", {}, office, 4 * 3600, 8 * 3600, 24 * 3600, 900),
    ]
    for name, match, calendar, first, update, resolution, order in policies:
        policy, created = SlaPolicy.objects.get_or_create(
            name=name,
            defaults={
                **match,
                "calendar": calendar,
                "first_response_seconds": first,
                "next_update_seconds": update,
                "resolution_seconds": resolution,
                "order": order,
            },
        )
        if not created and policy.order == SlaPolicy.DEFAULT_ORDER != order:
            # Seeded before policies had an order: give it its place, unless someone has.
            policy.order = order
            policy.save(update_fields=["order"])
    for level, fields in {
        1: {"notify_lead": True},
        2: {"notify_lead": True, "raise_priority": True},
        3: {"notify_lead": True, "reassign_to_level": 3},
    }.items():
        EscalationRule.objects.get_or_create(level=level, defaults=fields)


def seed_breach_demo(people: dict) -> None:
    """A case nobody touches: the sweeper breaches and escalates it on its own."""
    title = "Demo: nobody answers this one — watch it breach"
    if Case.objects.filter(title=title).exists():
        return
    services.case_intake(
        actor=people["frontline"],
        title=title,
        description="First response is due two minutes after seeding; nobody will respond.",
        channel="phone",
        category="demo_breach",
        priority="P3",
        customer={"external_id": "C-DEMO-BREACH", "name": "演示客户", "tier": "standard"},
    )


def seed_extension_demo(people: dict) -> None:
    """An officer extends a deadline as often as the policy allows: the next extension
    waits for a supervisor on ``/approvals/``."""
    if SlaClock.objects.filter(extensions__gt=0).exists():
        return
    clock = (
        SlaClock.objects.filter(
            kind="resolution",
            stopped_at=None,
            paused_at=None,
            task=None,
            case__state="investigating",
            case__officer__isnull=False,
        )
        .select_related("case__officer__user")
        .order_by("due_at")
        .first()
    )
    if clock is None:
        return
    services.case_transition(
        case=clock.case,
        actor=clock.case.officer.user,
        name="extend_deadline",
        clock="resolution",
        until=clock.due_at + timedelta(hours=4),
        reason="Spare part arrives tomorrow morning.",
    )


def seed_task_groups(people: dict, wanted: int = 10) -> int:
    """Some investigating cases get task groups, with their tasks at different stages."""
    from datetime import timedelta

    from django.utils import timezone

    from escalation import taskgroups
    from escalation.models import Task, TaskGroup

    missing = wanted - TaskGroup.objects.count()
    if missing <= 0:
        return 0
    cases = Case.objects.filter(state="investigating", task_groups__isnull=True).select_related(
        "officer__user"
    )[:missing]
    departments = {d.code: d for d in Department.objects.all()}
    plans = [
        ("logistics", "Confirm the delivery slot"),
        ("after_sales", "Book an installer"),
        ("supply_chain", "Find a replacement unit"),
        ("tech", "Diagnose the fault"),
    ]
    for index, case in enumerate(cases):
        chosen = [plans[index % 4], plans[(index + 1) % 4]]
        group = taskgroups.task_group_open(
            case=case,
            actor=case.officer.user,
            title=f"Follow-up for {case.reference}",
            tasks=[
                {
                    "department": departments[code],
                    "assignee": people[f"{code}_member"],
                    "title": title,
                    "details": case.title,
                    "due_at": timezone.now() + timedelta(hours=4 + 6 * n),
                }
                for n, (code, title) in enumerate(chosen)
            ],
        )
        first = Task.objects.filter(group=group).order_by("pk").first()
        member = first.assignee
        if index % 3 >= 1:
            taskgroups.task_transition(task=first, actor=member, name="accept")
        if index % 3 == 2:
            taskgroups.task_transition(task=first, actor=member, name="start")
            taskgroups.task_message_post(
                task=first, actor=member, body="On it — customer confirmed 10:00–12:00."
            )
    return len(cases)


#: The demo's intake, so the forecast has a pattern to learn: the shape of a day by local
#: hour, of a week (Monday first), and a promotion that drew 2.5 times the usual intake from
#: twelve to nine days ago, i.e. in the week a one-week backtest fits on.
INTAKE_BY_HOUR = [
    0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.8, 1.2, 1.5, 1.4,
    1.1, 1.2, 1.4, 1.5, 1.3, 1.1, 0.9, 0.9, 1.0, 0.9, 0.6, 0.3,
]  # fmt: skip
INTAKE_BY_WEEKDAY = [1.15, 1.0, 1.0, 1.0, 0.9, 0.75, 0.6]
PROMOTION_DAYS_AGO = (12, 9)
PROMOTION_LIFT = 2.5
#: What plain ``seed_demo`` adds: five weeks of closed cases, about this many a day.
DEMO_HISTORY_WEEKS = 5
DEMO_HISTORY_PER_DAY = 120
#: How far back ``seed_demo --history N`` spreads its cases.
HISTORY_WEEKS = 17


def intake_moments(rng: random.Random, count: int, *, weeks: int) -> list:
    """``count`` past moments in the last ``weeks`` whole weeks before the current hour,
    drawn with the weights of the demo's intake pattern."""
    from django.utils import timezone

    now = timezone.localtime()
    end = now.replace(minute=0, second=0, microsecond=0)
    promotion = (
        end - timedelta(days=PROMOTION_DAYS_AGO[0]),
        end - timedelta(days=PROMOTION_DAYS_AGO[1]),
    )
    hours = [end - timedelta(hours=n) for n in range(weeks * 7 * 24, 0, -1)]
    weights = [
        INTAKE_BY_HOUR[timezone.localtime(hour).hour]
        * INTAKE_BY_WEEKDAY[timezone.localtime(hour).weekday()]
        * (PROMOTION_LIFT if promotion[0] <= hour < promotion[1] else 1.0)
        for hour in hours
    ]
    return [
        hour + timedelta(seconds=rng.uniform(0, 3599))
        for hour in rng.choices(hours, weights, k=count)
    ]


def seed_history(total: int, *, open_share: float = 0.05, batch: int = 2000) -> int:
    """Past cases, up to ``total`` cases in all, as a service centre has them after a season:
    most closed (with their stopped clocks and the events of their lifecycle), a few open
    and assigned across the team within its capacity. Written in bulk, not through intake:
    it is history, for benchmarks and a realistic database. Returns how many were added.
    """
    missing = total - Case.objects.count()
    if missing <= 0:
        return 0
    rng = random.Random(total)
    return _write_history(
        intake_moments(rng, missing, weeks=HISTORY_WEEKS), rng, open_share=open_share, batch=batch
    )


def seed_intake_history() -> int:
    """The plain demo's history: five weeks of closed cases with a daily and a weekly shape and
    a promotion, so the forecast and its backtest have something to show. Once only."""
    from django.utils import timezone

    if Case.objects.filter(created_at__lt=timezone.now() - timedelta(days=2)).exists():
        return 0
    rng = random.Random(DEMO_HISTORY_WEEKS)
    count = DEMO_HISTORY_WEEKS * 7 * DEMO_HISTORY_PER_DAY
    return _write_history(intake_moments(rng, count, weeks=DEMO_HISTORY_WEEKS), rng, open_share=0)


def _write_history(
    moments: list, rng: random.Random, *, open_share: float, batch: int = 2000
) -> int:
    from django.utils import timezone

    from escalation.models import CaseEvent, SlaClock

    calendar = BusinessCalendar.objects.get(name="24×7")
    team = list(EscalationOfficer.objects.select_related("user").order_by("pk"))
    frontline = get_user_model().objects.get(username="frontline")
    stamp = timezone.now().strftime("%y%m%d%H%M%S")
    customers = Customer.objects.bulk_create(
        [
            Customer(external_id=f"H-{stamp}-{n}", name=rng.choice(NAMES), tier=tier)
            for n, tier in enumerate(
                rng.choices(["standard", "priority", "vip"], [6, 3, 1], k=2000)
            )
        ]
    )
    room = {
        officer.pk: officer.max_open_cases - officer.cases.filter(state__in=OPEN_STATES).count()
        for officer in team
    }
    now = timezone.now()
    added = 0
    while added < len(moments):
        size = min(batch, len(moments) - added)
        cases = []
        for n in range(size):
            category = rng.choice(CATEGORIES)
            opened_at = moments[added + n]
            is_open = rng.random() < open_share
            officer = rng.choice(team)
            if is_open:
                if room[officer.pk] <= 0:
                    is_open = False
                else:
                    room[officer.pk] -= 1
            closed = min(opened_at + timedelta(hours=rng.uniform(2, 72)), now)
            cases.append(
                Case(
                    reference=f"ESC-H{stamp}-{added + n:06d}",
                    title=rng.choice(TITLES[category]),
                    description="From last season.",
                    channel=rng.choice([c.value for c in Case.Channel]),
                    category=category,
                    priority=rng.choice(["P1", "P2", "P2", "P3", "P3", "P3", "P4"]),
                    customer=rng.choice(customers),
                    officer=officer,
                    state="investigating" if is_open else "closed",
                    context={"intent": category, "interactions": []},
                    opened_by=frontline,
                    resolution="" if is_open else "Fixed and confirmed with the customer.",
                    resolved_at=None if is_open else closed,
                    closed_at=None if is_open else closed,
                )
            )
        cases = Case.objects.bulk_create(cases)
        # ``created_at`` is stamped on insert: history gets its own moments afterwards.
        for n, case in enumerate(cases):
            case.created_at = moments[added + n]
        Case.objects.bulk_update(cases, ["created_at"], batch_size=500)
        clocks, events = [], []
        for case in cases:
            start = now - timedelta(hours=1) if case.closed_at is None else case.closed_at
            for kind, target in (("first_response", 3600), ("resolution", 86400)):
                clocks.append(
                    SlaClock(
                        case=case,
                        kind=kind,
                        calendar=calendar,
                        target_seconds=target,
                        started_at=start,
                        due_at=start + timedelta(seconds=target),
                        warn_at=start + timedelta(seconds=target * 0.75),
                        stopped_at=case.closed_at or (start if kind == "first_response" else None),
                    )
                )
            lifecycle = [("created", None, "new"), ("assign", "new", "assigned")]
            lifecycle.append(("start", "assigned", "investigating"))
            if case.closed_at:
                lifecycle += [
                    ("resolve", "investigating", "resolved"),
                    ("close", "resolved", "closed"),
                ]
            # Each step dated as it happened (after the case opened, before it closed), so
            # nothing that watches recent events (notices, the floor) takes history for news.
            opened = case.created_at
            steps = [opened, opened + timedelta(minutes=1), opened + timedelta(minutes=10)]
            if case.closed_at:
                steps += [max(case.closed_at, steps[-1]), max(case.closed_at, steps[-1])]
            events += [
                CaseEvent(
                    case=case,
                    kind=kind,
                    from_state=before,
                    to_state=after,
                    actor=frontline,
                    created_at=min(at, now),
                )
                for (kind, before, after), at in zip(lifecycle, steps, strict=True)
            ]
        SlaClock.objects.bulk_create(clocks)
        CaseEvent.objects.bulk_create(events)
        added += size
    return added


def seed(stdout=None) -> None:
    people = seed_people()
    seed_timelines()
    customers = seed_customers()
    created = seed_cases(people, customers)
    seed_task_groups(people)
    seed_breach_demo(people)
    seed_extension_demo(people)
    history = seed_intake_history()
    open_count = Case.objects.filter(state__in=OPEN_STATES).count()
    if stdout:
        stdout.write(
            f"escalation: {len(people)} accounts, {len(customers)} customers, "
            f"{created} new cases and {history} past ones ({Case.objects.count()} in all, "
            f"{open_count} open)"
        )
