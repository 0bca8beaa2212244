"""Demo data of the quality checks, called by manage.py seed_demo (idempotent): a service
centre's sensitive terms in Chinese and English. Terms already there are left as edited."""

from __future__ import annotations

from quality.models import SensitiveTerm

PROMISE, BLAME, LEGAL, PRIVACY, ABUSIVE = (
    SensitiveTerm.Category.PROMISE,
    SensitiveTerm.Category.BLAME,
    SensitiveTerm.Category.LEGAL,
    SensitiveTerm.Category.PRIVACY,
    SensitiveTerm.Category.ABUSIVE,
)
#: (term, language, category, note)
TERMS = [
    ("保证", "zh", PROMISE, "只承诺能兑现的时间和结果。"),
    ("绝对", "zh", PROMISE, "避免绝对化表述。"),
    ("一定能", "zh", PROMISE, "说明条件，不要打包票。"),
    ("全额退款", "zh", PROMISE, "退款须经审核后再告知客户。"),
    ("肯定没问题", "zh", PROMISE, ""),
    ("是你的错", "zh", BLAME, "描述事实，不指责客户。"),
    ("你自己弄坏", "zh", BLAME, ""),
    ("起诉", "zh", LEGAL, "涉及法律问题请转法务。"),
    ("律师", "zh", LEGAL, ""),
    ("投诉到底", "zh", LEGAL, "客户情绪激烈：请主管关注。"),
    ("赔偿金", "zh", LEGAL, ""),
    ("身份证号", "zh", PRIVACY, "不要在线程里写证件号码。"),
    ("银行卡号", "zh", PRIVACY, ""),
    ("笨蛋", "zh", ABUSIVE, ""),
    ("guarantee", "en", PROMISE, "Promise only what we can deliver."),
    ("guaranteed", "en", PROMISE, ""),
    ("refund guaranteed", "en", PROMISE, "Refunds are reviewed before the customer is told."),
    ("100% sure", "en", PROMISE, ""),
    ("never again", "en", PROMISE, ""),
    ("your fault", "en", BLAME, "Describe what happened; do not blame the customer."),
    ("you broke", "en", BLAME, ""),
    ("lawsuit", "en", LEGAL, "Legal threats go to the legal team."),
    ("sue", "en", LEGAL, ""),
    ("lawyer", "en", LEGAL, ""),
    ("ID number", "en", PRIVACY, "Never write identity numbers in a thread."),
    ("card number", "en", PRIVACY, ""),
    ("stupid", "en", ABUSIVE, ""),
    ("idiot", "en", ABUSIVE, ""),
]


def seed(stdout=None) -> None:
    added = 0
    for term, language, category, note in TERMS:
        _, created = SensitiveTerm.objects.get_or_create(
            term__iexact=term,
            defaults={"term": term, "language": language, "category": category, "note": note},
        )
        added += created
    if stdout:
        stdout.write(
            f"quality: {added} new sensitive terms ({SensitiveTerm.objects.count()} in all)"
        )
