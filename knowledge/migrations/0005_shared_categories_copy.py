"""Cases and knowledge share one list of categories (escalation.Category): step 1 of 3.

Every knowledge category joins the shared list (its name and sensitive flag win over the
name a case category got from its code), and articles and requests are pointed at it.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_to_shared_list(apps, schema_editor):
    Old = apps.get_model("knowledge", "Category")
    Shared = apps.get_model("escalation", "Category")
    Article = apps.get_model("knowledge", "Article")
    KnowledgeRequest = apps.get_model("knowledge", "KnowledgeRequest")
    for old in Old.objects.all():
        shared, _ = Shared.objects.update_or_create(
            code=old.code, defaults={"name": old.name, "sensitive": old.sensitive}
        )
        Article.objects.filter(category_id=old.pk).update(shared_category_id=shared.pk)
        KnowledgeRequest.objects.filter(category_id=old.pk).update(shared_category_id=shared.pk)


class Migration(migrations.Migration):

    dependencies = [
        ('escalation', '0006_shared_categories'),
        ('knowledge', '0004_link_published_new_requests'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='shared_category',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='escalation.category'),
        ),
        migrations.AddField(
            model_name='knowledgerequest',
            name='shared_category',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='escalation.category'),
        ),
        migrations.RunPython(copy_to_shared_list, migrations.RunPython.noop),
    ]
