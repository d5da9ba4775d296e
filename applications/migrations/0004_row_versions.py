import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_cutoff_pool_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name=model,
            name=name,
            field=field,
            preserve_default=name != "updated_at",
        )
        for model in ("teammember", "resourcerequest")
        for name, field in (
            ("version", models.PositiveIntegerField(default=1)),
            (
                "last_edited_by",
                models.ForeignKey(
                    blank=True,
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+",
                    to=settings.AUTH_USER_MODEL,
                ),
            ),
            (
                "updated_at",
                models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            ),
        )
    ]
