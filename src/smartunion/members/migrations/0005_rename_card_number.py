# One name for the member card number: Membership.member_number and MemberCard.number become card_number.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0004_add_on_behalf_estimated_deadlines_job_heartbeat'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='membercard', name='card_number_version_unique'),
        migrations.RemoveConstraint(model_name='membership', name='membership_active_number_unique'),
        migrations.RenameField(model_name='membership', old_name='member_number', new_name='card_number'),
        migrations.RenameField(model_name='membercard', old_name='number', new_name='card_number'),
        migrations.AlterField(model_name='membership', name='card_number',
                              field=models.CharField(db_index=True, max_length=32, verbose_name='会员卡号')),
        migrations.AddConstraint(
            model_name='membercard',
            constraint=models.UniqueConstraint(fields=('card_number', 'version'), name='card_number_version_unique'),
        ),
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'active')), fields=('card_number',),
                                               name='membership_active_number_unique'),
        ),
    ]
