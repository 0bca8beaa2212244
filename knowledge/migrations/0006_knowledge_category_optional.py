"""Shared categories, step 2 of 3: the old category links may be empty before they go.

Its own migration (its own transaction) so that, going back, restoring the old links and
making them required again never share a transaction on PostgreSQL.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0005_shared_categories_copy'),
    ]

    operations = [
        migrations.AlterField(
            model_name='article',
            name='category',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='articles', to='knowledge.category'),
        ),
        migrations.AlterField(
            model_name='knowledgerequest',
            name='category',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='requests', to='knowledge.category'),
        ),
    ]
