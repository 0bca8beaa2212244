"""Factories for compensation kinds and authority policies (grants go through the service)."""

from decimal import Decimal

import factory

from compensation.models import AuthorityPolicy, CompensationKind


class KindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompensationKind
        django_get_or_create = ["code"]

    code = "coupon"
    name = factory.LazyAttribute(lambda k: k.code.title())
    money_like = False
    issuer = "compensation.issuers.voucher_code"


class PolicyFactory(factory.django.DjangoModelFactory):
    """Level 2 of the demo: 200 per grant, 500 ceiling, 1,000 a day, 1,000 per case/customer."""

    class Meta:
        model = AuthorityPolicy
        django_get_or_create = ["role"]

    role = "level_2"
    currency = "CNY"
    per_grant_limit = Decimal("200")
    approval_ceiling = Decimal("500")
    per_day_limit = Decimal("1000")
    per_month_limit = Decimal("10000")
    per_case_limit = Decimal("1000")
    per_customer_limit = Decimal("1000")
    timezone = "Asia/Shanghai"
