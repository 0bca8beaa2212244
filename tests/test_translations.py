"""Every string a person reads is translatable, and the Simplified Chinese catalogue is complete."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.utils.functional import Promise

from core.admin import ServiceTransitionAdmin

PROJECT_APPS = {"core", "escalation", "compensation", "knowledge"}


def _admin_labels():
    """(model, name, label) of every column, filter, read-only field and model field the
    project's admin pages show, inlines included."""
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        names = {*model_admin.list_display, *model_admin.get_readonly_fields(None)}
        names |= {name for name in model_admin.list_filter if isinstance(name, str)}
        names |= {field.name for field in model._meta.concrete_fields}
        names |= {field.name for field in model._meta.many_to_many}
        for name in sorted(names - {"id", "__str__"}):
            if "__" not in name:
                yield model, name, label_for_field(name, model, model_admin)
        for inline in model_admin.inlines:
            for field in inline.model._meta.concrete_fields:
                if field.name != "id":
                    yield inline.model, field.name, label_for_field(field.name, inline.model)


def test_every_label_the_admin_shows_is_translatable():
    untranslatable = [
        f"{model.__name__}.{name}: {label!r}"
        for model, name, label in _admin_labels()
        if not isinstance(label, Promise)
    ]
    assert untranslatable == []


@pytest.mark.parametrize(
    "model",
    [model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS],
    ids=lambda model: model.__name__,
)
def test_every_model_the_admin_lists_has_a_translatable_name(model):
    assert isinstance(model._meta.verbose_name, Promise)
    assert isinstance(model._meta.verbose_name_plural, Promise)


def test_every_field_of_the_admin_transition_forms_has_a_translatable_label():
    labels = {
        f"{model.__name__}.{transition}.{name}": field.label
        for model, model_admin in admin.site._registry.items()
        for transition, form in getattr(model_admin, "fsm_forms", {}).items()
        for name, field in form.base_fields.items()
    }
    assert labels
    assert [name for name, label in labels.items() if not isinstance(label, Promise)] == []


def test_every_transition_button_in_the_admin_has_a_translatable_label():
    labels = {
        f"{model.__name__}.{transition.name}": model_admin.get_fsm_label(transition)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ServiceTransitionAdmin)
        for transition in model._meta.get_field("state").get_all_transitions(model)
        if model_admin.is_fsm_transition_visible(transition)
    }
    assert len(labels) > 10
    assert [name for name, label in labels.items() if not isinstance(label, Promise)] == []
