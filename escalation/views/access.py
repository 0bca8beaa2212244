"""Who may open which page: everyone else gets 403 (or 404 for a record they cannot see)."""

from __future__ import annotations

from core import roles
from core.web import roles_required

__all__ = ["CASE_WORKERS", "roles_required"]

#: The workbench and the case page are the officers' and supervisors'.
CASE_WORKERS = (roles.OFFICERS, roles.SUPERVISORS)
