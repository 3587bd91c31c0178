"""The compilation and counting models move to the reporting app (reporting 0001): their state
leaves cases here, their tables stay where they are (``db_table`` keeps ``cases_…``), so no
row is touched. A state-only move: nothing is run against the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_archivist_role"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='countedcase',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='exportjob',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='monthlycount',
                    name='namnd',
                ),
                migrations.RemoveField(
                    model_name='monthlycount',
                    name='unit',
                ),
                migrations.RemoveField(
                    model_name='regulatordocument',
                    name='frozen_by',
                ),
                migrations.RemoveField(
                    model_name='regulatordocument',
                    name='notification',
                ),
                migrations.RemoveField(
                    model_name='regulatordocument',
                    name='supplement',
                ),
                migrations.DeleteModel(
                    name='SuppressionRule',
                ),
                migrations.DeleteModel(
                    name='CountedCase',
                ),
                migrations.DeleteModel(
                    name='ExportJob',
                ),
                migrations.DeleteModel(
                    name='MonthlyCount',
                ),
                migrations.DeleteModel(
                    name='RegulatorDocument',
                ),
            ],
            database_operations=[],
        ),
    ]
