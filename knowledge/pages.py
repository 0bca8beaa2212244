"""``/knowledge/`` (search the answers) and ``/knowledge/articles/<id>/`` (one answer).

Every internal user reads them. Search ranks with the API's selectors (hot answers first,
then the best matches) and loads only the page's articles; each result shows a snippet
with the query's matches marked (``knowledge.highlight``).
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core import roles
from core.web import Refusal, attempt, roles_required
from escalation.models import Category
from knowledge import selectors, services
from knowledge.highlight import highlight, snippet
from knowledge.models import Article

PAGE_SIZE = 20
MAX_QUERY = 200


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search answers"), required=False, max_length=MAX_QUERY)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Any category")), *categories]


@roles_required(*selectors.READERS)
def search(request):
    categories = list(Category.objects.order_by("code").values_list("code", "name"))
    form = SearchForm(request.GET or None, categories=categories)
    q, category = "", ""
    if form.is_valid():
        q, category = form.cleaned_data["q"].strip(), form.cleaned_data["category"]
    ranking = selectors.article_ranking(q=q, category=category)
    page = Paginator(ranking, PAGE_SIZE).get_page(request.GET.get("page"))
    articles = selectors.articles_by_id(list(page.object_list))
    names = dict(categories)  # rows load their category's code only
    for article in articles:
        article.category_name = names.get(article.category.code, article.category.code)
        article.marked_title = highlight(article.title, q)
        body = article.published_version.body_html if article.published_version else ""
        article.snippet = snippet(body, q)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "q": q,
        "page": page,
        "articles": articles,
        "query": query.urlencode(),
    }
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "knowledge/_results.html", context)
    return render(request, "knowledge/search.html", context)


def _article_context(request, article: Article, refusal: Refusal | None = None) -> dict:
    versions = list(selectors.article_versions(article=article))
    ids = [version.request_id for version in versions if version.request_id]
    return {
        "article": article,
        "versions": versions,
        "openable": selectors.visible_request_ids(request.user, ids),
        "may_pin": roles.has_role(request.user, roles.KNOWLEDGE_TEAM) and not article.is_retired,
        "refusal": refusal,
    }


@roles_required(*selectors.READERS)
def article_page(request, article_id: int):
    article = get_object_or_404(selectors.article_detail_queryset(), pk=article_id)
    return render(request, "knowledge/article.html", _article_context(request, article))


@require_POST
@roles_required(*selectors.READERS)
def article_hot(request, article_id: int):
    """Pin or unpin the answer on every workstation (the knowledge team; the service says)."""
    article = get_object_or_404(selectors.article_detail_queryset(), pk=article_id)
    _done, refusal = attempt(
        lambda: services.article_set_hot(
            article=article, actor=request.user, hot=request.POST.get("hot") == "1"
        )
    )
    if refusal is None:
        return HttpResponseRedirect(reverse("knowledge-article", args=[article.pk]))
    context = _article_context(request, article, refusal)
    return render(request, "knowledge/article.html", context, status=refusal.status)
