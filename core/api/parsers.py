"""The API's body parsers: text no database column can hold is a 400 before any view runs.

PostgreSQL refuses NUL in text and no UTF-8 text holds a lone surrogate. DRF's ``CharField``
refuses both, but a value that names an object (a department code, a username, a category)
is looked up as given, and free-form JSON is stored as given: either reached the database
and failed there (a 500). Every request body passes through one of these parsers, so each
string in it is checked here, once, and the 400 names the field that holds it, nested the
way DRF nests field errors (``{"tasks": {"1": {"department": [...]}}}``).

Input nested too deeply for Python's JSON parser is a 400 too.
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings

NUL = _("Null characters are not allowed.")
SURROGATE = _("Unpaired surrogate characters are not allowed.")

Path = tuple[str | int, ...]


def text_problem(text: str) -> str | None:
    """Why no database could store ``text`` (``None`` when it can)."""
    if "\x00" in text:
        return str(NUL)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return str(SURROGATE)
    return None


def _unstorable_strings(data) -> list[tuple[Path, str]]:
    """``(path, problem)`` of each string (value or key) in ``data`` no database could store.

    A bad key is reported on the object holding it. Walks without recursion: the parser
    has already bounded the depth.
    """
    found: list[tuple[Path, str]] = []
    pending: list[tuple[Path, object]] = [((), data)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                found.append((path, problem))
        elif isinstance(item, QueryDict):
            for key, values in item.lists():
                pending.append((path, key))
                pending.extend(((*path, key), value) for value in values)
        elif isinstance(item, dict):
            for key, value in item.items():
                pending.append((path, key))
                pending.append(((*path, key), value))
        elif isinstance(item, (list, tuple)):
            pending.extend(((*path, index), value) for index, value in enumerate(item))
    return found


def _nested_errors(found: list[tuple[Path, str]]) -> dict:
    """Field errors nested as DRF nests them: by field name, and list items by position."""
    errors: dict = {}
    for path, problem in sorted(found, key=lambda item: len(item[0])):
        *parents, last = path or (api_settings.NON_FIELD_ERRORS_KEY,)
        node = errors
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):  # a shallower problem already names this field
                break
        else:
            node.setdefault(last, [problem])
    return errors


def refuse_unstorable_text(data):
    """``data`` as parsed, or a 400 naming each field whose text no database can store."""
    found = _unstorable_strings(data)
    if found and isinstance(data, dict):
        raise serializers.ValidationError(_nested_errors(found))
    if found:
        raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [found[0][1]]})
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as too_deep:
            raise ParseError(_("JSON parse error - nested too deeply.")) from too_deep
        return refuse_unstorable_text(data)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return refuse_unstorable_text(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        refuse_unstorable_text(parsed.data)
        return parsed
