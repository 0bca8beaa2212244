"""Issuers fulfil an approved grant and return its code; kinds name one by dotted path.

An issuer is ``issue(grant) -> str``. It must be safe to call again for the same grant
(the issuing task may retry), so the ones here derive nothing from earlier calls.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def voucher_code(grant) -> str:
    """A voucher code the customer redeems: ``<KIND>-XXXX-XXXX``."""
    prefix = grant.kind.code[:3].upper()
    return f"{prefix}-{_random(4)}-{_random(4)}"


def account_credit(grant) -> str:
    """Credit recorded on the customer's account; the code is the credit's reference."""
    return f"CR-{grant.customer.external_id}-{grant.pk}-{_random(4)}"
