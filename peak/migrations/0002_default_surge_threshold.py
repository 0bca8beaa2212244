from django.db import migrations


def add_default(apps, schema_editor):
    """The threshold for every category, at the defaults PRODUCT.md gives, so the admin
    shows what applies and can change it."""
    SurgeThreshold = apps.get_model("peak", "SurgeThreshold")
    SurgeThreshold.objects.get_or_create(category="", defaults={"min_count": 20, "ratio": 3.0})


class Migration(migrations.Migration):
    dependencies = [("peak", "0001_surges")]

    operations = [migrations.RunPython(add_default, migrations.RunPython.noop)]
