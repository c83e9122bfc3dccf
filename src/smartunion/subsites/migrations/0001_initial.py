"""Subsite and Notice take over the tables of the portal's former Channel and Notice (renamed by
portal.0002_move_channels_to_subsites): the models enter this app's migration state, the database is not touched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("orgs", "0001_initial"),
        ("portal", "0002_move_channels_to_subsites"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Subsite",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("name", models.CharField(max_length=50, verbose_name="分站名称")),
                        ("banner_title", models.CharField(blank=True, max_length=100, verbose_name="横幅标题")),
                        ("banner_text", models.CharField(blank=True, max_length=200, verbose_name="横幅说明")),
                        ("service_order", models.JSONField(
                            blank=True, default=list, help_text='服务代码的顺序，例如 ["directory", "notices", "me"]',
                            verbose_name="服务排序")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                        ("org", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                                     related_name="subsite", to="orgs.organisation",
                                                     verbose_name="所属总工会")),
                    ],
                    options={
                        "verbose_name": "城市分站",
                        "verbose_name_plural": "城市分站",
                    },
                ),
                migrations.CreateModel(
                    name="Notice",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("title", models.CharField(max_length=100, verbose_name="标题")),
                        ("body", models.TextField(blank=True, verbose_name="正文")),
                        ("published_at", models.DateTimeField(verbose_name="发布时间")),
                        ("pinned", models.BooleanField(default=False, verbose_name="置顶")),
                        ("subsite", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                      related_name="notices", to="subsites.subsite",
                                                      verbose_name="城市分站")),
                    ],
                    options={
                        "verbose_name": "通知公告",
                        "verbose_name_plural": "通知公告",
                        "ordering": ["-pinned", "-published_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
