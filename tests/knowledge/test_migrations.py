"""The move to one category list, and the linking of published new answers, keep old rows."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("escalation", "0005_sla_policy_order"), ("knowledge", "0003_live_order_index")]
AFTER = [("escalation", "0006_shared_categories"), ("knowledge", "0007_drop_knowledge_category")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _seed_before(apps) -> dict:
    """Rows as they were: knowledge's own categories, a case in another category, and a
    published new answer whose request does not name its article."""
    User = apps.get_model("auth", "User")
    Customer = apps.get_model("escalation", "Customer")
    Case = apps.get_model("escalation", "Case")
    OldCategory = apps.get_model("knowledge", "Category")
    Article = apps.get_model("knowledge", "Article")
    ArticleVersion = apps.get_model("knowledge", "ArticleVersion")
    KnowledgeRequest = apps.get_model("knowledge", "KnowledgeRequest")

    author = User.objects.create(username="author")
    customer = Customer.objects.create(external_id="C-1", name="Wang")
    Case.objects.create(title="T", channel="phone", category="billing", customer=customer)
    refund = OldCategory.objects.create(code="refund", name="Refunds", sensitive=True)
    article = Article.objects.create(title="Refund late", category=refund)
    request = KnowledgeRequest.objects.create(
        kind="new", title="Refund late", body="B", category=refund, author=author, state="published"
    )
    version = ArticleVersion.objects.create(
        article=article,
        number=1,
        title="Refund late",
        body="B",
        body_html="<p>B</p>",
        request=request,
    )
    Article.objects.filter(pk=article.pk).update(published_version=version)
    KnowledgeRequest.objects.filter(pk=request.pk).update(published_version=version)
    return {"article": article.pk, "request": request.pk}


@pytest.mark.django_db(transaction=True)
def test_old_rows_move_to_the_shared_categories_and_back():
    try:
        ids = _seed_before(_migrate(BEFORE))

        apps = _migrate(AFTER)

        Category = apps.get_model("escalation", "Category")
        Article = apps.get_model("knowledge", "Article")
        KnowledgeRequest = apps.get_model("knowledge", "KnowledgeRequest")
        listed = {c.code: (c.name, c.sensitive) for c in Category.objects.all()}
        assert listed == {"billing": ("Billing", False), "refund": ("Refunds", True)}
        assert Article.objects.get(pk=ids["article"]).category.code == "refund"
        request = KnowledgeRequest.objects.get(pk=ids["request"])
        assert (request.category.code, request.article_id) == ("refund", ids["article"])

        apps = _migrate(BEFORE)

        old = apps.get_model("knowledge", "Article").objects.get(pk=ids["article"]).category
        assert (old.code, old.name, old.sensitive) == ("refund", "Refunds", True)
    finally:
        _migrate(_latest())
