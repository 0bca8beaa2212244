"""Closure timelines: SLA policies, the clocks they start, and the sweep that warns and breaches.

- ``policies``: which policy a case gets, and why (``order``, then the most specific).
- ``clocks``: starting, pausing, resuming, stopping, extending and retargeting clocks.
- ``status``: what ``breached``, ``warned``, ``paused`` and ``due_within`` mean, once.
- ``sweep``: claims due clocks and stamps each warning and breach exactly once.
- ``admin``: calendars, policies (with "Which policy applies?"), escalation rules, clocks.

Business-time arithmetic itself is ``core.calendars`` (pure, no models).
"""
