"""Task groups on pages: the case page's board and form, a department's board, the thread.

One task card (``escalation/tasks/_task.html``) serves both pages: its department, its
responsible person, its deadline countdown, its state and the transitions the person may
fire now. Forms go through the services the API calls (``escalation.taskgroups``) and show
the API's refusals beside their fields.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from core import roles
from core.web import Refusal, attempt
from escalation import selectors, taskgroups
from escalation.api.task_serializers import (
    TaskGroupCreateSerializer,
    TaskMessageSerializer,
    TaskTransitionSerializer,
)
from escalation.models import Case, Department, Task
from escalation.taskgroups import bot
from escalation.views.access import roles_required

#: Empty rows the group form offers (a row left empty is ignored).
GROUP_FORM_ROWS = 3
TASK_FIELDS = ("department", "assignee", "title", "due_at", "details")
TASK_ROLES = (roles.OFFICERS, roles.SUPERVISORS, roles.DEPARTMENT_MEMBERS)


def prepare_tasks(tasks: list[Task], user) -> list[Task]:
    """Fill in what each card shows from what the selector prefetched (no query per task)."""
    for task in tasks:
        memberships = list(task.department.memberships.all())
        task._lead_ids = {m.user_id for m in memberships if m.is_lead}
        task.allowed = taskgroups.allowed_task_transitions(task, user)
        task.clock = task.open_clocks[-1] if getattr(task, "open_clocks", None) else None
        task.in_thread = task.is_case_officer(user) or any(
            m.user_id == user.pk for m in memberships
        )
        task.members = [m.user for m in memberships] if "reassign" in task.allowed else []
    return tasks


def task_groups_context(request, case: Case) -> dict:
    groups = selectors.case_task_groups(case, user=request.user)
    for group in groups:
        prepare_tasks(group.visible_tasks, request.user)
        group.in_thread = any(task.in_thread for task in group.visible_tasks)
    return {"case": case, "groups": groups, "departments": _departments()}


def _departments() -> list[Department]:
    return list(Department.objects.filter(active=True).order_by("name"))


def group_form_context(case: Case, *, refusal: Refusal | None = None, posted=None) -> dict:
    departments = _departments()
    members = selectors.department_members(departments)
    for department in departments:
        department.people = members.get(department.pk, [])
    return {
        "group_form_rows": range(GROUP_FORM_ROWS),
        "group_departments": departments,
        "group_refusal": refusal,
        "group_posted": posted or {},
    }


def _group_data(request, case: Case) -> dict:
    """The posted form as the API's body: ``{"case", "title", "tasks": [...]}``."""
    tasks = []
    for row in range(GROUP_FORM_ROWS):
        spec = {name: request.POST.get(f"tasks-{row}-{name}", "").strip() for name in TASK_FIELDS}
        if any(spec.values()):
            tasks.append(spec)
    return {"case": case.pk, "title": request.POST.get("title", "").strip(), "tasks": tasks}


@require_POST
@roles_required(roles.OFFICERS, roles.SUPERVISORS)
def task_group_create(request, case_id: int):
    case = selectors.case_page(user=request.user, case_id=case_id)
    data = _group_data(request, case)
    given = TaskGroupCreateSerializer(data=data)
    refusal = None
    if not given.is_valid():
        refusal = Refusal(400, fields=_task_errors(given.errors))
    else:
        _group, refusal = attempt(
            lambda: taskgroups.task_group_open(
                case=case,
                actor=request.user,
                title=given.validated_data["title"],
                tasks=given.validated_data["tasks"],
            )
        )
        if refusal is not None and refusal.status == 400:
            refusal = Refusal(400, detail=refusal.detail, fields=_task_errors(refusal.fields))
    if not request.htmx:
        return HttpResponseRedirect(reverse("case", args=[case.pk]))
    context = task_groups_context(request, case)
    context |= group_form_context(case, refusal=refusal, posted=request.POST if refusal else None)
    response = render(
        request, "escalation/case/_tasks.html", context, status=refusal.status if refusal else 200
    )
    return trigger_client_event(response, f"case:{case.pk}")


def _task_errors(errors) -> dict[str, list[str]]:
    """Serializer or service errors flattened to form input names."""
    from core.web import flatten

    fields: dict[str, list[str]] = {}
    for name, value in dict(errors).items():
        if name == "tasks" and isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for row, problems in enumerate(value):
                for field, messages in (problems or {}).items():
                    fields[f"tasks-{row}-{field}"] = flatten(messages)
        else:
            fields[name] = flatten(value)
    return fields


def _task_for(request, task_id: int) -> Task:
    tasks = selectors.task_list(user=request.user).prefetch_related("department__memberships")
    return get_object_or_404(tasks.select_related("group"), pk=task_id)


def task_card(request, task: Task, refusal: Refusal | None = None, status: int = 200):
    prepare_tasks([task], request.user)
    context = {
        "task": task,
        "refusal": refusal,
        "departments": _departments(),
        "show_case": request.POST.get("board") == "1" or request.GET.get("board") == "1",
    }
    return render(request, "escalation/tasks/_task.html", context, status=status)


@require_POST
@roles_required(*TASK_ROLES)
def task_transition(request, task_id: int):
    task = _task_for(request, task_id)

    def fire():
        given = TaskTransitionSerializer(data=request.POST)
        given.is_valid(raise_exception=True)
        name = given.validated_data["transition"]
        taskgroups.task_transition(task=task, actor=request.user, name=name, **given.arguments())

    _result, refusal = attempt(fire)
    return _answer(request, task_id, refusal)


@require_POST
@roles_required(*TASK_ROLES)
def task_message(request, task_id: int):
    task = _task_for(request, task_id)

    def post():
        given = TaskMessageSerializer(data=request.POST)
        given.is_valid(raise_exception=True)
        taskgroups.task_message_post(
            task=task, actor=request.user, body=given.validated_data["body"]
        )

    _result, refusal = attempt(post)
    if not request.htmx:
        return HttpResponseRedirect(request.POST.get("back") or reverse("home"))
    response = thread(request, _task_for(request, task_id), refusal)
    return trigger_client_event(response, f"case:{task.case_id}")


def thread(request, task: Task, refusal: Refusal | None = None):
    taskgroups.check_thread_access(task, request.user)
    context = {
        "group": task.group,
        "task": task,
        "messages": list(selectors.task_thread(task)),
        "refusal": refusal,
    }
    return render(
        request, "escalation/tasks/_thread.html", context, status=refusal.status if refusal else 200
    )


@roles_required(*TASK_ROLES)
def task_thread(request, task_id: int):
    task = _task_for(request, task_id)
    _result, refusal = attempt(lambda: taskgroups.check_thread_access(task, request.user))
    if refusal is not None:
        raise PermissionDenied
    return thread(request, task)


def _answer(request, task_id: int, refusal: Refusal | None):
    fresh = _task_for(request, task_id)
    if not request.htmx:
        return HttpResponseRedirect(request.POST.get("back") or reverse("home"))
    response = task_card(request, fresh, refusal, status=refusal.status if refusal else 200)
    return trigger_client_event(response, f"case:{fresh.case_id}")


@roles_required(*TASK_ROLES)
def department_board(request, code: str):
    department = selectors.active_department(code)
    if department is None:
        raise Http404
    if not (
        request.user.is_superuser or department.pk in selectors.department_ids_of(request.user)
    ):
        raise PermissionDenied
    tasks = prepare_tasks(
        selectors.department_board_tasks(department, user=request.user), request.user
    )
    columns = _by_state(tasks)
    context = {
        "department": department,
        "columns": columns,
        "departments": _departments(),
        "show_case": True,
    }
    if request.htmx and request.htmx.target == "board":
        return render(request, "escalation/department/_board.html", context)
    context |= {
        "live_streams": f"/ws/workbench/ /ws/departments/{department.code}/",
        "last_event_id": selectors.last_event_id(),
    }
    return render(request, "escalation/department/page.html", context)


def _by_state(tasks: list[Task]) -> list[tuple[str, str, list[Task]]]:
    from escalation.models import TaskState

    columns = [(state, label, []) for state, label in TaskState.choices]
    index = {state: tasks_ for state, _label, tasks_ in columns}
    for task in tasks:
        index[task.state].append(task)
    return [
        column
        for column in columns
        if column[2] or column[0] in ("open", "accepted", "in_progress")
    ]


@roles_required(*TASK_ROLES)
def task_card_view(request, task_id: int):
    return task_card(request, _task_for(request, task_id))


def bot_context(request, case: Case, *, refusal: Refusal | None = None, posted=None) -> dict:
    """The chatbot card: what the bot heard, its follow-ups, and the hand-back form."""
    context = (case.context or {}) if isinstance(case.context, dict) else {}
    department = bot.bot_department()
    return {
        "case": case,
        "transcript": context.get("bot_transcript") or "",
        "intent": context.get("intent") or "",
        "bot_department": department,
        "bot_tasks": bot.bot_tasks(case) if department is not None else [],
        "may_hand_back": department is not None and bot.may_hand_back(case, request.user),
        "due_choices": bot.DUE_IN_HOURS,
        "bot_refusal": refusal,
        "bot_posted": posted or {},
    }


@require_POST
@roles_required(roles.OFFICERS, roles.SUPERVISORS)
def bot_hand_back(request, case_id: int):
    """Hand a follow-up back to the chatbot, as a task of its department."""
    case = selectors.case_page(user=request.user, case_id=case_id)
    try:
        hours = int(request.POST.get("due_in_hours", ""))
    except ValueError:
        hours = 0
    _group, refusal = attempt(
        lambda: bot.hand_back(
            case=case,
            actor=request.user,
            follow_up=request.POST.get("follow_up", ""),
            due_in_hours=hours,
        )
    )
    if not request.htmx:
        return HttpResponseRedirect(reverse("case", args=[case.pk]))
    fresh = selectors.case_page(user=request.user, case_id=case_id)
    context = bot_context(request, fresh, refusal=refusal, posted=request.POST if refusal else None)
    if refusal is not None:  # the card shows why; nothing changed to announce
        return render(request, "escalation/case/_bot.html", context, status=refusal.status)
    response = render(request, "escalation/case/_bot.html", context)
    return trigger_client_event(response, f"case:{case.pk}")
