"""A published new-answer request points at the article it created (it used to stay null)."""

from django.db import migrations


def link(apps, schema_editor):
    KnowledgeRequest = apps.get_model("knowledge", "KnowledgeRequest")
    unlinked = KnowledgeRequest.objects.filter(
        kind="new", article__isnull=True, published_version__isnull=False
    ).select_related("published_version")
    for request in unlinked:
        KnowledgeRequest.objects.filter(pk=request.pk).update(
            article_id=request.published_version.article_id
        )


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0003_live_order_index'),
    ]

    operations = [migrations.RunPython(link, migrations.RunPython.noop)]
