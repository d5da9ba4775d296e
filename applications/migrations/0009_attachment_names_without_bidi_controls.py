"""Attachment names stored before uploads were cleaned lose their bidirectional control characters
and end in .pdf, as new uploads do (a name like "annex\u202efdp.exe" would otherwise keep showing
as "annexexe.pdf")."""

import re

from django.db import migrations

BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\"]')


def clean(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = UNSAFE.sub("", BIDI_CONTROLS.sub("", base))
    base = " ".join(base.split())
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    return f"{(stem.strip(' .') or 'document')[:251]}.pdf"


def clean_names(apps, schema_editor):
    Attachment = apps.get_model("applications", "Attachment")
    for attachment in Attachment.objects.only("pk", "original_name").iterator():
        cleaned = clean(attachment.original_name)
        if cleaned != attachment.original_name:
            Attachment.objects.filter(pk=attachment.pk).update(original_name=cleaned)


class Migration(migrations.Migration):
    dependencies = [("applications", "0008_text_and_json_limits")]

    operations = [migrations.RunPython(clean_names, migrations.RunPython.noop)]
