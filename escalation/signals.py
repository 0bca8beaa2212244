"""Signals other apps listen to (escalation imports none of them).

``case_events_recorded`` is sent with ``events=[CaseEvent, …]`` (their cases loaded) each time
``services.record_event`` appends to a case's audit trail, inside the writing transaction: a
receiver that acts on committed data defers with ``transaction.on_commit``. Bulk writers (the
intake's combined insert, the SLA sweeper) do not send it; the apps that need their events
catch up from the audit trail on their own schedule. With no receiver, sending costs a
dictionary lookup.
"""

from django.dispatch import Signal

case_events_recorded = Signal()
