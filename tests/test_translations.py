"""Every string a person reads is translatable, and the Simplified Chinese catalogue is complete."""

import ast
import gettext
import shutil
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.core.management import call_command
from django.urls import reverse
from django.utils.functional import Promise

from core.admin import ServiceTransitionAdmin
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.conftest import UNDER_CI
from tests.factories import UserFactory

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


# --- the catalogue ---

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
#: What makemessages reads: the shipped code and templates, not tests or demo data.
IGNORED = [".venv/*", "staticfiles/*", "var/*", "tests/*", "casehub/demo/*"]


def read_po(path: Path) -> dict:
    """``{"entries": {key: [msgstr, …]}, "flags": {key: {flag, …}}}`` of a .po file's live
    entries, keyed as ``gettext`` keys its catalogue: ``msgid``, ``"context\x04msgid"``, or
    ``(msgid, msgid_plural)`` for plurals. The header and obsolete ``#~`` entries are left out.
    Entries are blank-line-separated blocks, as makemessages writes them."""
    entries: dict = {}
    flags: dict = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        entry_flags: set[str] = set()
        name = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry_flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith('"') and name is not None:
                fields[name] += ast.literal_eval(line)
            elif line and not line.startswith("#"):
                name, _, text = line.partition(" ")
                fields[name] = ast.literal_eval(text)
        if not fields.get("msgid"):
            continue
        key = fields["msgid"]
        if "msgctxt" in fields:
            key = f"{fields['msgctxt']}\x04{key}"
        if "msgid_plural" in fields:
            key = (key, fields["msgid_plural"])
        entries[key] = [text for name, text in sorted(fields.items()) if name.startswith("msgstr")]
        flags[key] = entry_flags
    return {"entries": entries, "flags": flags}


def test_every_message_in_the_catalogue_is_translated_and_none_is_fuzzy():
    catalogue = read_po(CATALOGUE / "django.po")

    assert len(catalogue["entries"]) > 400
    assert [key for key, strings in catalogue["entries"].items() if not all(strings)] == []
    assert [key for key, flags in catalogue["flags"].items() if "fuzzy" in flags] == []


def test_the_compiled_catalogue_matches_the_po_file():
    """The committed .mo is what ``compilemessages`` makes of the committed .po (which
    leaves out untranslated and fuzzy entries)."""
    catalogue = read_po(CATALOGUE / "django.po")
    entries = {
        key: strings
        for key, strings in catalogue["entries"].items()
        if all(strings) and "fuzzy" not in catalogue["flags"][key]
    }
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    expected = {}
    for key, strings in entries.items():
        if isinstance(key, tuple):
            expected.update({(key[0], n): text for n, text in enumerate(strings)})
        else:
            expected[key] = strings[0]

    assert {key: text for key, text in mo.items() if key != ""} == expected


def _gettext_tools_missing() -> str | None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msguniq") if shutil.which(tool) is None]
    return f"needs GNU gettext ({', '.join(missing)})" if missing else None


def test_the_catalogue_holds_exactly_the_strings_the_code_marks(tmp_path, settings, monkeypatch):
    """makemessages over a copy of the project adds nothing and drops nothing: a string
    marked for translation but missing here (or left here after the code dropped it) fails.

    It runs in a copy because makemessages writes into the ``locale`` folder beside the code.
    """
    if missing := _gettext_tools_missing():
        if UNDER_CI:
            pytest.fail(f"CI must run this test but it {missing}", pytrace=False)
        pytest.skip(missing)
    copy = tmp_path / "project"
    skipped = shutil.ignore_patterns(
        ".*", "var", "staticfiles", "tests", "__pycache__", "*.egg-info"
    )
    shutil.copytree(ROOT, copy, ignore=skipped)
    settings.LOCALE_PATHS = [str(copy / "locale")]
    monkeypatch.chdir(copy)

    call_command(
        "makemessages", locale=["zh_Hans"], no_location=True, ignore_patterns=IGNORED, verbosity=0
    )

    committed = read_po(CATALOGUE / "django.po")["entries"]
    extracted = read_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")["entries"]
    assert sorted(map(str, extracted.keys() - committed.keys())) == [], "not in the catalogue"
    assert sorted(map(str, committed.keys() - extracted.keys())) == [], "no longer in the code"


# --- what people read, in their language ---


def test_a_refused_transition_is_explained_in_the_callers_language(api, officer, case_in):
    case = case_in("assigned")
    url = f"/api/v1/cases/{case.pk}/transitions/"

    english = api(officer.user).post(url, {"transition": "close"})
    chinese = api(officer.user).post(url, {"transition": "close"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 409
    assert english.json()["detail"] == "Cannot close a case that is assigned."
    assert chinese.json()["detail"] == "无法对处于 已分派 状态的工单执行 close。"
    assert chinese.json()["code"] == english.json()["code"] == "transition_not_allowed"


def test_a_field_error_is_in_the_callers_language(api, officer, case_in):
    case = case_in("new")
    url = f"/api/v1/cases/{case.pk}/transitions/"
    body = {"transition": "assign", "officer": "nobody-by-that-name"}

    english = api(officer.user).post(url, body)
    chinese = api(officer.user).post(url, body, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 400
    assert english.json() == {"officer": ["No user named 'nobody-by-that-name'."]}
    assert chinese.json() == {"officer": ["没有名为 'nobody-by-that-name' 的用户。"]}


def test_a_cap_refusal_names_the_cap_in_the_callers_language(api, officer, case_in):
    KindFactory(code="coupon")
    PolicyFactory(role="level_2")
    case = case_in("investigating")
    body = {"case": case.pk, "kind": "coupon", "amount": "600.00", "reason": "Late twice."}

    english = api(officer.user).post("/api/v1/compensations/", body)
    chinese = api(officer.user).post("/api/v1/compensations/", body, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 422
    assert english.json()["detail"] == (
        "Refused by the approval ceiling per grant: one grant may be at most 500.00 CNY."
    )
    assert chinese.json()["detail"] == "超出单笔审批上限，已拒绝：单笔补偿最多 500.00 CNY。"
    assert chinese.json()["cap"] == english.json()["cap"] == "approval_ceiling"


def test_a_role_refusal_is_in_the_callers_language(api, nobody):
    english = api(nobody).get("/api/v1/knowledge/requests/")
    chinese = api(nobody).get("/api/v1/knowledge/requests/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 403
    assert english.json()["detail"] == "Your role may not raise or read knowledge-update requests."
    assert chinese.json()["detail"] == "您的角色无权提交或查看知识更新申请。"


def test_the_admin_case_page_shows_buttons_and_labels_in_chinese(client, case_in):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    case = case_in("assigned")

    page = client.get(
        reverse("admin:escalation_case_change", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "开始调查" in page  # the "start" button
    assert "流转（状态）" in page
    assert "开单人" in page  # the "opened by" field
    assert "工单事件" in page  # the audit inline


def test_a_calendar_error_in_the_admin_is_in_chinese(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:escalation_businesscalendar_add")
    form = {
        "name": "Office",
        "timezone": "Asia/Shanghai",
        "weekly_hours": '{"mon": [["9:00", "12:00"]]}',
        "holidays-TOTAL_FORMS": "0",
        "holidays-INITIAL_FORMS": "0",
    }

    page = client.post(url, form, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "mon：&#x27;9:00&#x27; 不是 HH:MM 格式的时间" in page
