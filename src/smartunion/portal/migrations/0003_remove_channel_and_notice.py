"""The portal keeps no models: Channel and Notice now live on as subsites.Subsite and subsites.Notice (same tables,
see 0002), so they leave the portal's migration state only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0002_move_channels_to_subsites"),
        ("subsites", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notice"),
                migrations.DeleteModel(name="Channel"),
            ],
            database_operations=[],
        ),
    ]
