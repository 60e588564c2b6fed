"""Load the taxonomy (data/taxonomy.json) into Category. An upsert, so a later migration that
calls `load_taxonomy` again after the file changes updates labels and icons in place."""

import json
from pathlib import Path

from django.db import migrations

TAXONOMY = Path(__file__).resolve().parent.parent / "data" / "taxonomy.json"


def load_taxonomy(apps, schema_editor):
    Category = apps.get_model("transactions", "Category")
    rows = json.loads(TAXONOMY.read_text(encoding="utf-8"))["categories"]
    for row in rows:
        code = row.pop("code")
        Category.objects.update_or_create(code=code, defaults=row)


class Migration(migrations.Migration):
    dependencies = [("transactions", "0001_initial")]

    operations = [migrations.RunPython(load_taxonomy, migrations.RunPython.noop)]
