"""Load the GB/T 2260 regions from the code table shipped in the repository."""

from django.db import migrations


def load(apps, schema_editor):
    from smartunion.core import codes

    Region = apps.get_model("orgs", "Region")
    entries = codes.entries("regions")
    # Parents first, so every foreign key points at a row that exists.
    order = {"province": 0, "city": 1, "county": 2}
    rows = [
        Region(code=e["code"], name=e["name"], level=e["level"], parent_id=e["parent"])
        for e in sorted(entries, key=lambda e: (order[e["level"]], e["code"]))
    ]
    Region.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def unload(apps, schema_editor):
    apps.get_model("orgs", "Region").objects.exclude(level="township").delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
