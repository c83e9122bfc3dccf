"""Employer.county_code and Employer.area_path; the indexes come after the rows are filled (0006)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0003_add_join_token_gig_coverage_review_days'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='employer',
            name='employer_region_name_idx',
        ),
        migrations.AddField(
            model_name='employer',
            name='area_path',
            field=models.CharField(default='', editable=False, max_length=255, verbose_name='属地组织路径'),
        ),
        migrations.AddField(
            model_name='employer',
            name='county_code',
            field=models.CharField(default='', editable=False, max_length=6, verbose_name='所在县（区）代码'),
        ),
        migrations.AlterField(
            model_name='employer',
            name='normalized_name',
            field=models.CharField(editable=False, max_length=150, verbose_name='规范化名称'),
        ),
    ]
