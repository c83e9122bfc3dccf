"""Recompute every employer's normalised name (region-aware, traditional characters folded), county code and area
path, in primary-key batches so a table of hundreds of thousands of rows is never held in memory at once."""

from django.db import migrations

BATCH = 2000
FEDERATION_KINDS = ("national", "province", "city", "county")


def fill(apps, schema_editor):
    from smartunion.core.text import normalize_employer_name

    Employer = apps.get_model("orgs", "Employer")
    Organisation = apps.get_model("orgs", "Organisation")
    Region = apps.get_model("orgs", "Region")
    if not Employer.objects.exists():
        return
    parents = dict(Region.objects.values_list("code", "parent_id"))
    federation_at: dict[str, str] = {}
    for region_id, path in (Organisation.objects.filter(kind__in=FEDERATION_KINDS, status="active",
                                                        region__isnull=False)
                            .order_by("-path").values_list("region_id", "path")):
        federation_at[region_id] = path  # the lowest path of a region wins, as in orgs.regions
    areas: dict[str, str] = {}

    def area_of(code: str) -> str:
        if code not in areas:
            step, found, seen = code, "", set()
            while step and step not in seen:
                seen.add(step)
                if step in federation_at:
                    found = federation_at[step]
                    break
                step = parents.get(step)
            areas[code] = found
        return areas[code]

    last = 0
    while True:
        rows = list(Employer.objects.filter(pk__gt=last).order_by("pk")
                    .select_related("township_union").only("id", "name", "region_id", "township_union__path")[:BATCH])
        if not rows:
            break
        for row in rows:
            row.normalized_name = normalize_employer_name(row.name, region=row.region_id)
            row.county_code = row.region_id[:6]
            row.area_path = row.township_union.path if row.township_union_id else area_of(row.region_id)
        Employer.objects.bulk_update(rows, ["normalized_name", "county_code", "area_path"], batch_size=BATCH)
        last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("orgs", "0004_employer_county_code_area_path")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
