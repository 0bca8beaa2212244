"""Shared categories, step 3 of 3: articles and requests file under escalation.Category;
the knowledge app's own category table goes."""

import django.db.models.deletion
from django.db import migrations, models


def restore_old_links(apps, schema_editor):
    """Going back: rebuild knowledge categories from the shared ones in use, and relink."""
    Old = apps.get_model("knowledge", "Category")
    Shared = apps.get_model("escalation", "Category")
    Article = apps.get_model("knowledge", "Article")
    KnowledgeRequest = apps.get_model("knowledge", "KnowledgeRequest")
    used = set(Article.objects.values_list("shared_category_id", flat=True))
    used |= set(KnowledgeRequest.objects.values_list("shared_category_id", flat=True))
    for shared in Shared.objects.filter(pk__in=used):
        old, _ = Old.objects.update_or_create(
            code=shared.code, defaults={"name": shared.name, "sensitive": shared.sensitive}
        )
        Article.objects.filter(shared_category_id=shared.pk).update(category_id=old.pk)
        KnowledgeRequest.objects.filter(shared_category_id=shared.pk).update(category_id=old.pk)


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0006_knowledge_category_optional'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_old_links),
        migrations.RemoveIndex(
            model_name='article',
            name='article_category_idx',
        ),
        migrations.RemoveField(
            model_name='article',
            name='category',
        ),
        migrations.RemoveField(
            model_name='knowledgerequest',
            name='category',
        ),
        migrations.DeleteModel(
            name='Category',
        ),
        migrations.RenameField(
            model_name='article',
            old_name='shared_category',
            new_name='category',
        ),
        migrations.RenameField(
            model_name='knowledgerequest',
            old_name='shared_category',
            new_name='category',
        ),
        migrations.AlterField(
            model_name='article',
            name='category',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='knowledge_articles', to='escalation.category', verbose_name='category'),
        ),
        migrations.AlterField(
            model_name='knowledgerequest',
            name='category',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='knowledge_requests', to='escalation.category', verbose_name='category'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['category', 'retired_at'], name='article_category_idx'),
        ),
        migrations.AlterField(
            model_name='knowledgerequest',
            name='base_version',
            field=models.ForeignKey(blank=True, help_text="The article's version in force when the request was raised.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='knowledge.articleversion'),
        ),
    ]
