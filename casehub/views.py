"""The start page: sends each person to where their work is."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from casehub.navigation import knowledge_review_url
from core import roles
from core.api.throttles import record_failure, refused_for
from escalation import selectors


@login_required
def home(request):
    """Officers and supervisors to the workbench, the knowledge team to its review queue,
    department people to their department's board; anyone else to the open escalations."""
    user = request.user
    if roles.has_role(user, roles.OFFICERS, roles.SUPERVISORS):
        return redirect("workbench")
    if roles.has_role(user, roles.KNOWLEDGE_TEAM) and (review := knowledge_review_url()):
        return redirect(review)
    department = selectors.departments_of(user).first()
    if department is not None:
        return redirect("department-board", code=department.code)
    return redirect("queue")


class LoginView(auth_views.LoginView):
    """Django's login form, with password guesses throttled as on the token endpoint."""

    def post(self, request, *args, **kwargs):
        wait = refused_for(request)
        if wait is None:
            return super().post(request, *args, **kwargs)
        response = self.render_to_response(
            self.get_context_data(form=self.get_form(), retry_after=wait), status=429
        )
        response["Retry-After"] = str(wait)
        return response

    def form_invalid(self, form):
        record_failure(self.request)
        return super().form_invalid(form)
