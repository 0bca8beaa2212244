"""PostgreSQL only: the GIN index that serves full-text search (see knowledge/search.py).

SQLite (the laptop demo) searches with icontains and needs nothing here, so the SQL runs
only when the connection is PostgreSQL.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS knowledge_article_search_gin "
    "ON knowledge_article USING gin (search_vector)"
)
DROP = "DROP INDEX IF EXISTS knowledge_article_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
