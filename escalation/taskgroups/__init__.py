"""Task groups: the temporary cross-department group around a case, its tasks and thread.

- ``services``: form a group, move tasks along (through ``core.transitions``), the thread;
  its public functions are re-exported here (``taskgroups.task_transition(…)``).
- ``bot``: an officer hands a follow-up back to the chatbot platform, a department too.
- ``webhooks``: each task change posted, signed, to its department's system.
- ``admin``: groups, tasks (transitions through the services) and webhook deliveries.
"""

from escalation.taskgroups.services import (
    TASK_TRANSITIONS,
    TASKS,
    allowed_task_transitions,
    check_task_specs,
    check_thread_access,
    lock_task,
    task_group_open,
    task_message_post,
    task_payload,
    task_transition,
)

__all__ = [
    "TASKS",
    "TASK_TRANSITIONS",
    "allowed_task_transitions",
    "check_task_specs",
    "check_thread_access",
    "lock_task",
    "task_group_open",
    "task_message_post",
    "task_payload",
    "task_transition",
]
