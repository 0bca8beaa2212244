"""Demo data of the knowledge app, called by ``manage.py seed_demo`` (idempotent).

Categories (one sensitive), about twenty published answers in English and Chinese (two of
them hot), and requests in mixed states, some raised from demo cases. Everything goes
through the services, so the demo has the same versions, audit and case events as real use.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from escalation.models import Case, Category
from knowledge import services
from knowledge.models import Article, KnowledgeRequest

CATEGORIES = {
    "installation": ("Installation", False),
    "delivery": ("Delivery", False),
    "promotion": ("Promotions and coupons", False),
    "product_defect": ("Product defects", False),
    "refund": ("Refunds and compensation", True),
}
ANSWERS = [
    ("installation", "Installation delayed: what to offer", "Apologise, book a **priority installation** slot within 24 hours and offer a priority-install voucher.", ["delay", "voucher"]),
    ("installation", "空调安装延迟的标准答复", "致歉并在24小时内安排**优先安装**；可发放优先安装券。", ["安装", "延迟"]),
    ("installation", "Installer did not show up", "Check the installer's route in the dispatch system, call the customer back within 30 minutes with a new slot.", ["no-show"]),
    ("installation", "高温天气安装排期规则", "气温超过35°C时，老人和婴儿家庭的空调安装优先排期。", ["高温", "优先"]),
    ("delivery", "Parcel stuck in transit", "Open a trace with logistics; after 7 days without a scan, reship at once.", ["trace", "reship", "parcel_stuck"]),
    ("delivery", "冰箱配送地址错误怎么办", "核实地址后由物流改派，不额外收费；已签收的需上门取回。", ["配送", "地址"]),
    ("delivery", "Delivered item is damaged", "Ask for photos, offer a replacement or a refund; do not ask the customer to ship it back first.", ["damage"]),
    ("promotion", "Festival coupon not applied at checkout", "Festival coupons apply to the item price after other discounts; re-apply manually if the order is within 24 hours.", ["coupon", "618"]),
    ("promotion", "满减规则说明", "满300减50的优惠券可以与店铺折扣叠加，但不能与平台红包叠加。", ["满减", "优惠券"]),
    ("promotion", "Price protection after a price drop", "Refund the difference within 15 days of purchase for the same item and seller.", ["price protection"]),
    ("promotion", "价格保护规则", "购买后15天内同商品降价，可申请退还差价。", ["价保"]),
    ("product_defect", "Washing machine leaks", "Book a technician visit; if the drum seal failed within the first year, replace the machine.", ["leak", "washer"]),
    ("product_defect", "电视屏幕闪烁", "先指导恢复出厂设置；仍闪烁则安排上门检测，一年内免费更换屏幕。", ["电视", "闪烁"]),
    ("product_defect", "Smart AC cannot bind to the app", "Reset Wi-Fi on the unit (hold MODE 5 s), use a 2.4 GHz network, then bind again.", ["app", "wifi"]),
    ("product_defect", "遥控器失灵处理", "更换电池后仍失灵，免费寄送新遥控器。", ["遥控器"]),
    ("refund", "Refund not received after 14 days", "Check the payment channel's status; escalate to finance with the refund reference.", ["refund"]),
    ("refund", "退款金额不对", "核对订单优惠分摊；差额由财务在3个工作日内补退。", ["退款"]),
    ("refund", "Compensation for repeated delays", "Second delay on the same order: a 50 CNY coupon within officer authority.", ["compensation"]),
    ("delivery", "Delivery window missed", "Offer a new window and a courtesy coupon; log the carrier's reason.", ["window"]),
    ("installation", "安装师傅未按时上门", "30分钟内回电客户并重新预约，记录派单问题。", ["上门"]),
]  # fmt: skip
HOT = {"Installation delayed: what to offer", "满减规则说明"}


def _people() -> dict:
    users = get_user_model().objects.in_bulk(
        ["kb1", "kb2", "officer1", "officer2", "frontline"], field_name="username"
    )
    return users


def _publish_answer(people, code, title, body, tags) -> Article:
    category = Category.objects.get(code=code)
    request = services.request_create(
        actor=people["officer1"], kind="new", category=category, title=title, body=body, tags=tags
    )
    for actor, name in ((people["officer1"], "submit"), (people["kb2"], "claim")):
        services.request_transition(request=request, actor=actor, name=name)
    services.request_transition(request=request, actor=people["kb2"], name="approve")
    if category.sensitive:
        services.request_transition(request=request, actor=people["kb1"], name="approve")
    request = services.request_transition(request=request, actor=people["kb2"], name="publish")
    return request.published_version.article


def _open_requests(people) -> int:
    """A handful of requests in the review queue, some raised from demo cases."""
    cases = list(Case.objects.filter(category__in=CATEGORIES).order_by("pk")[:4])
    promotion = Article.objects.filter(title="满减规则说明").first()
    plans = [
        ("officer1", "new", None, "Fan motor noisy after a week", "Book a technician; replace the fan within 30 days.", "product_defect", "draft"),
        ("officer2", "new", None, "以旧换新补贴如何计算", "旧机按品类定额补贴，空调200元。", "promotion", "submitted"),
        ("officer1", "correction", promotion, "满减规则说明", "满300减50的优惠券**自6月起**也可与平台红包叠加。", "promotion", "in_review"),
        ("frontline", "new", None, "Instalment plan shown wrong", "Explain the fee-free plan; finance corrects it within 2 days.", "refund", "changes_requested"),
    ]  # fmt: skip
    created = 0
    for index, (author, kind, article, title, body, code, state) in enumerate(plans):
        if KnowledgeRequest.objects.filter(title=title, kind=kind).exists():
            continue
        case = cases[index] if index < len(cases) else None
        request = services.request_create(
            actor=people[author],
            kind=kind,
            article=article,
            case=case,
            title=title,
            body=body,
            category=Category.objects.get(code=code),
            urgency="high" if index % 2 else "normal",
        )
        created += 1
        if state == "draft":
            continue
        services.request_transition(request=request, actor=people[author], name="submit")
        if state == "submitted":
            continue
        services.request_transition(request=request, actor=people["kb1"], name="claim")
        if state == "changes_requested":
            services.request_transition(
                request=request,
                actor=people["kb1"],
                name="request_changes",
                comment="Say how long the correction takes.",
            )
    return created


@transaction.atomic
def seed(stdout=None) -> None:
    for code, (name, sensitive) in CATEGORIES.items():
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "sensitive": sensitive}
        )
    people = _people()
    if len(people) < 5:
        if stdout:
            stdout.write("knowledge: demo accounts missing; run the escalation demo first")
        return
    published = 0
    for code, title, body, tags in ANSWERS:
        if Article.objects.filter(title=title).exists():
            continue
        article = _publish_answer(people, code, title, body, tags)
        published += 1
        if title in HOT:
            services.article_set_hot(
                article=article,
                actor=people["kb1"],
                hot=True,
                until=timezone.now() + timedelta(days=7),
            )
    requests = _open_requests(people)
    if stdout:
        stdout.write(
            f"knowledge: {published} answers published ({Article.objects.count()} in all), "
            f"{requests} requests raised"
        )
