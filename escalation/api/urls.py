from rest_framework.routers import SimpleRouter

from escalation.api.task_views import TaskGroupViewSet, TaskViewSet
from escalation.api.views import CaseViewSet, DepartmentViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("task-groups", TaskGroupViewSet, basename="task-group")
router.register("tasks", TaskViewSet, basename="task")
router.register("departments", DepartmentViewSet, basename="department")

urlpatterns = router.urls
