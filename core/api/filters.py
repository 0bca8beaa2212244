"""The base of the API's list filters."""

from __future__ import annotations

import django_filters
from django.utils.translation import get_language

_form_classes: dict[tuple[type, str | None], type] = {}


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, with its form class built once per class and language.

    django-filter builds a new form class, and a form field for every filter, on each
    request; a list request needs only a form of that class. The class is kept per language:
    field labels are translated when it is built.
    """

    def get_form_class(self):
        key = (type(self), get_language())
        form_class = _form_classes.get(key)
        if form_class is None:
            form_class = _form_classes[key] = super().get_form_class()
        return form_class
