"""``manage.py compensation_audit`` recomputes every budget from the ledger."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from compensation import services
from compensation.models import BudgetCounter, LedgerEntry


@pytest.fixture
def history(case, officer, supervisor, grant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issued = grant(officer.user, case, "100.00")
        pending = grant(officer.user, case, "300.00")
        grant(officer.user, case, "40.00")
    issued.refresh_from_db()
    services.grant_revoke(grant=issued, actor=supervisor, reason="Sent twice.")
    services.grant_decline(grant=pending, actor=supervisor, reason="No.")


def test_audit_passes_when_ledger_and_budgets_agree(history, capsys):
    call_command("compensation_audit")

    assert capsys.readouterr().out.startswith("OK: ")


def test_audit_fails_naming_the_budget_a_counter_disagrees_on(history, capsys):
    BudgetCounter.objects.filter(scope="case").update(used=Decimal("1.00"))

    with pytest.raises(CommandError):
        call_command("compensation_audit")

    assert "budget case:" in capsys.readouterr().err


def test_audit_fails_when_a_grant_state_disagrees_with_its_ledger(history, capsys):
    entry = LedgerEntry.objects.filter(kind="revoke").first()
    LedgerEntry.objects.filter(pk=entry.pk).delete()  # bypasses the append-only model guard

    with pytest.raises(CommandError):
        call_command("compensation_audit")

    assert f"grant {entry.grant_id} (revoked)" in capsys.readouterr().err


def test_ledger_entries_cannot_be_changed_or_deleted(history):
    entry = LedgerEntry.objects.first()

    with pytest.raises(Exception, match="append-only"):
        entry.save()
    with pytest.raises(Exception, match="append-only"):
        entry.delete()
