"""The portal's city channel becomes the subsites app's Subsite (城市分站): "channel" is reserved for new media.

Tables and rows stay where they are and take the names the subsites models use (subsites_subsite, subsites_notice,
column subsite_id); subsites.0001_initial then takes the models over in the migration state and portal.0003 drops
them from the portal's, neither touching the database.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="channel", table="subsites_subsite"),
        migrations.AlterModelTable(name="notice", table="subsites_notice"),
        migrations.RenameField(model_name="notice", old_name="channel", new_name="subsite"),
    ]
