"""The one list of categories: cases, and the knowledge answers written from them, share it."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def name_from_code(code: str) -> str:
    """A first name for a category met only by its code (``product_defect`` → "Product defect")."""
    return code.replace("_", " ").replace("-", " ").strip().capitalize() or code


class CategoryQuerySet(models.QuerySet):
    def ensure(self, code: str) -> Category:
        """The category with ``code``, added to the list (named after its code) if new.

        Safe under concurrent calls: the insert skips a code another transaction just added.
        """
        found = self.filter(code=code).first()
        if found is not None:
            return found
        self.bulk_create([Category(code=code, name=name_from_code(code))], ignore_conflicts=True)
        return self.get(code=code)

    def ensure_listed(self, code: str) -> None:
        """Make sure ``code`` is on the list, asking the database at most once per process
        every ``CASEHUB_CATEGORY_CACHE_SECONDS`` for a code already seen (intake's hot path:
        categories are few and are not taken off the list while cases use them)."""
        seen = _listed.get(code)
        now = time.monotonic()
        if seen is not None and now - seen < settings.CASEHUB_CATEGORY_CACHE_SECONDS:
            return
        self.bulk_create([Category(code=code, name=name_from_code(code))], ignore_conflicts=True)
        _listed[code] = now


#: Codes known to be on the list, and when this process last made sure of it.
_listed: dict[str, float] = {}


class Category(models.Model):
    """A subject area. Intake adds a case's category to the list when it is new; the admin
    names them; knowledge answers and requests are filed under the same categories."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Knowledge answers in this category need two distinct approvers before publishing."
        ),
    )

    basic = models.BooleanField(
        _("basic"),
        default=False,
        help_text=_(
            "Simple enough for the shared pool: certified staff of other departments may "
            "take its cases while the unassigned queue waits too long."
        ),
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name
