"""The compilation and counting models, moved from cases (cases 0017) with their tables as they
are: ``db_table`` keeps the old names, so this migration only creates the models' state. Their
content types are renamed from ``cases`` to ``reporting``, so the permissions granted on them
(and the admin's log) follow the models; on a new database there is nothing to rename."""

import datetime
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

MOVED = ["countedcase", "exportjob", "monthlycount", "regulatordocument", "suppressionrule"]


def _rename_content_types(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        old = ContentType.objects.using(db).filter(app_label=source, model=model).first()
        if old is None:
            continue
        # A type made for the new label already (post_migrate of an earlier run) holds no
        # grants the old one does not; the old one keeps its id, and with it the permissions.
        ContentType.objects.using(db).filter(app_label=target, model=model).delete()
        old.app_label = target
        old.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    _rename_content_types(apps, schema_editor, "cases", "reporting")


def backwards(apps, schema_editor):
    _rename_content_types(apps, schema_editor, "reporting", "cases")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0018_move_reporting_models"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CountedCase',
                    fields=[
                        ('report', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='cases.report')),
                        ('cells', models.JSONField(default=list)),
                    ],
                    options={
                        'verbose_name': 'counted case',
                        'verbose_name_plural': 'counted cases',
                        'db_table': 'cases_countedcase',
                    },
                ),
                migrations.CreateModel(
                    name='SuppressionRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('valid_from', models.DateField(default=datetime.date(2000, 1, 1), verbose_name='valid from')),
                        ('valid_to', models.DateField(blank=True, null=True, verbose_name='valid to')),
                        ('threshold', models.PositiveSmallIntegerField(default=5, help_text='Counts from 1 up to one below this are hidden in public compilations.', verbose_name='smallest count shown')),
                        ('basis', models.CharField(blank=True, max_length=200, verbose_name='basis')),
                    ],
                    options={
                        'verbose_name': 'small-count rule',
                        'verbose_name_plural': 'small-count rules',
                        'db_table': 'cases_suppressionrule',
                        'ordering': ['-valid_from'],
                    },
                ),
                migrations.CreateModel(
                    name='ExportJob',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('params', models.JSONField(verbose_name='parameters')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Ready'), ('failed', 'Failed')], default='queued', max_length=8, verbose_name='status')),
                        ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress (per cent)')),
                        ('task_id', models.CharField(blank=True, max_length=64)),
                        ('filename', models.CharField(blank=True, max_length=200, verbose_name='file name')),
                        ('content_type', models.CharField(blank=True, max_length=120)),
                        ('content', models.BinaryField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('failure', models.CharField(blank=True, choices=[('not_allowed', 'You may no longer make this compilation: your roles have changed since you asked for it.'), ('error', 'The file could not be made because of an error in the system. The error has been logged for the operator; try again later, and quote the reference below if you contact your system administrator.')], max_length=16, verbose_name='reason for the failure')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'export',
                        'verbose_name_plural': 'exports',
                        'db_table': 'cases_exportjob',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='RegulatorDocument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('notification', 'Notification'), ('supplement', 'Supplement')], max_length=12, verbose_name='kind')),
                        ('regulator_case_number', models.CharField(blank=True, max_length=60, verbose_name="the regulator's case number")),
                        ('json_bytes', models.BinaryField(verbose_name='document (JSON)')),
                        ('json_sha256', models.CharField(max_length=64)),
                        ('pdf_bytes', models.BinaryField(verbose_name='document (PDF)')),
                        ('pdf_sha256', models.CharField(max_length=64)),
                        ('frozen_at', models.DateTimeField(verbose_name='frozen at')),
                        ('frozen_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('notification', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='cases.regulatornotification')),
                        ('supplement', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='document', to='cases.supplement')),
                    ],
                    options={
                        'verbose_name': 'document sent to a regulator',
                        'verbose_name_plural': 'documents sent to a regulator',
                        'db_table': 'cases_regulatordocument',
                        'ordering': ['frozen_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='MonthlyCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField()),
                        ('type', models.CharField(max_length=20)),
                        ('dimension', models.CharField(choices=[('reports', 'Reports'), ('state', 'State'), ('kind', 'Kind'), ('risk', 'Risk level'), ('category', 'Category'), ('mark', 'Category mark'), ('complaint', 'Subject area and kind'), ('persons', 'Individuals concerned'), ('acted', 'Led to documented actions'), ('action', 'Action status'), ('breach', 'Breach outcome')], max_length=10)),
                        ('key', models.CharField(blank=True, max_length=40)),
                        ('key2', models.CharField(blank=True, max_length=40)),
                        ('n', models.BigIntegerField()),
                        ('namnd', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.orgunit')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.orgunit')),
                    ],
                    options={
                        'verbose_name': 'monthly count',
                        'verbose_name_plural': 'monthly counts',
                        'db_table': 'cases_monthlycount',
                        'indexes': [models.Index(fields=['dimension', 'month'], name='monthly_count_dim_month'), models.Index(fields=['namnd', 'dimension', 'month'], name='monthly_count_namnd_dim'), models.Index(fields=['unit', 'type', 'month'], name='monthly_count_group')],
                        'constraints': [models.UniqueConstraint(fields=('month', 'type', 'unit', 'namnd', 'dimension', 'key', 'key2'), name='monthly_count_cell')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
