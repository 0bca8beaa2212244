"""One list of categories for cases and knowledge, filled with every category already in use
(cases, SLA policies, officers' skills); each is named after its code until renamed."""

import re

from django.db import migrations, models

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")


def name_from_code(code):
    return code.replace("_", " ").replace("-", " ").strip().capitalize() or code


def fill_from_use(apps, schema_editor):
    Case = apps.get_model("escalation", "Case")
    SlaPolicy = apps.get_model("escalation", "SlaPolicy")
    EscalationOfficer = apps.get_model("escalation", "EscalationOfficer")
    Category = apps.get_model("escalation", "Category")
    codes = set(Case.objects.values_list("category", flat=True).distinct())
    codes |= set(SlaPolicy.objects.exclude(category="").values_list("category", flat=True))
    for skills in EscalationOfficer.objects.values_list("skills", flat=True):
        codes |= {skill for skill in skills or [] if isinstance(skill, str)}
    Category.objects.bulk_create(
        [Category(code=code, name=name_from_code(code)) for code in sorted(codes) if SLUG.match(code)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('escalation', '0005_sla_policy_order'),
    ]

    operations = [
        migrations.CreateModel(
            name='Category',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=64, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('sensitive', models.BooleanField(default=False, help_text='Knowledge answers in this category need two distinct approvers before publishing.', verbose_name='sensitive')),
            ],
            options={
                'verbose_name': 'category',
                'verbose_name_plural': 'categories',
                'ordering': ['code'],
            },
        ),
        migrations.RunPython(fill_from_use, migrations.RunPython.noop),
    ]
