"""Indexes for scope (area_path) and name dispatch (county_code, normalized_name), built once the rows are filled."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("orgs", "0005_recompute_employer_names")]

    operations = [
        migrations.AlterField(
            model_name="employer",
            name="area_path",
            field=models.CharField(db_index=True, default="", editable=False, max_length=255,
                                   verbose_name="属地组织路径"),
        ),
        migrations.AddIndex(
            model_name="employer",
            index=models.Index(fields=["county_code", "normalized_name"], name="employer_county_name_idx"),
        ),
    ]
