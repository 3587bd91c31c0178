"""Each delivery gets its own Message-ID (one per row, so existing rows are given theirs one by
one before the column becomes unique), and a count of re-queueings after a lost worker."""

from django.db import migrations, models

import notifications.models


def give_message_ids(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    for delivery in Delivery.objects.filter(message_id="").only("pk").iterator():
        Delivery.objects.filter(pk=delivery.pk).update(message_id=notifications.models.new_message_id())


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0003_web_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="lease_requeues",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="How often the delivery was left being sent by a worker that stopped, and was queued again.",
                verbose_name="queued again after a lost worker",
            ),
        ),
        migrations.AddField(
            model_name="delivery",
            name="message_id",
            field=models.CharField(default="", editable=False, max_length=200, verbose_name="Message-ID"),
            preserve_default=False,
        ),
        migrations.RunPython(give_message_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="delivery",
            name="message_id",
            field=models.CharField(default=notifications.models.new_message_id, editable=False, max_length=200,
                                   unique=True, verbose_name="Message-ID"),
        ),
    ]
