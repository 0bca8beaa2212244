"""The typing check of the pages: the warning under a message or resolution box.

The box posts what is typed (htmx, 400 ms after the last keystroke) with ``qa_field`` naming
which of the form's fields to read; the answer is the warning's content, empty when nothing
was found. Sending is never held up: the form posts as usual.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_POST

from core.web import roles_required
from quality import checks
from quality.api.views import WRITERS
from quality.templatetags.quality import qa_terms

#: The form fields a box may ask to have checked.
CHECKED_FIELDS = ("text", "body", "resolution")


@require_POST
@roles_required(*WRITERS)
def check(request):
    field = request.POST.get("qa_field", "text")
    text = request.POST.get(field, "") if field in CHECKED_FIELDS else ""
    flags = checks.flags_for(text)
    return render(request, "quality/_warning.html", {"terms": qa_terms(flags)})
