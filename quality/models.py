"""The sensitive-term list that the quality check matches (edited in the admin)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class SensitiveTerm(models.Model):
    """A word or phrase an officer should think twice about before sending it."""

    class Language(models.TextChoices):
        ZH = "zh", _("Chinese")
        EN = "en", _("English")

    class Category(models.TextChoices):
        PROMISE = "promise", _("Promise or commitment")
        BLAME = "blame", _("Blame")
        LEGAL = "legal", _("Legal")
        PRIVACY = "privacy", _("Privacy")
        ABUSIVE = "abusive", _("Abusive")

    term = models.CharField(
        _("term"),
        max_length=100,
        help_text=_(
            "Matched ignoring case; Latin words only as whole words (“ass” is not found in "
            "“pass”), Chinese anywhere in the text."
        ),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language)
    category = models.CharField(_("category"), max_length=12, choices=Category)
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("Why it is sensitive, or what to write instead."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["language", "category", "term"]
        verbose_name = _("sensitive term")
        verbose_name_plural = _("sensitive terms")
        constraints = [
            models.UniqueConstraint(Lower("term"), name="unique_sensitive_term"),
        ]

    def __str__(self) -> str:
        return self.term

    def clean(self) -> None:
        self.term = (self.term or "").strip()
        if not self.term:
            raise ValidationError({"term": _("Give a word or phrase.")})
