"""GDPR art. 34: at a high risk to their rights and freedoms, the data subjects are informed of a
personal data breach "utan onödigt dröjsmål". The regulation sets no number of hours; the
default here is 72 hours from the assessment of high risk, with a warning 24 hours before,
editable per municipality in the admin like every rule."""

import datetime

from django.db import migrations

CODE = "breach-data-subjects"
VALID_FROM = datetime.date(2018, 5, 25)  # the day the GDPR applies, as its legal reference


def seed(apps, schema_editor):
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    LegalReference = apps.get_model("cases", "LegalReference")
    reference = LegalReference.objects.filter(code="gdpr-34").order_by("-valid_from").first()
    DeadlineRule.objects.get_or_create(
        code=CODE, valid_from=VALID_FROM,
        defaults={"report_type": "data_breach", "name": "Information till de registrerade",
                  "starts_at": "high_risk_assessed_at", "amount": 72, "unit": "hours", "warn_before_hours": [24],
                  "legal_reference": reference, "basis": "GDPR art. 34: utan onödigt dröjsmål"},
    )


def unseed(apps, schema_editor):
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    CaseClock = apps.get_model("cases", "CaseClock")
    if not CaseClock.objects.filter(code=CODE).exists():
        DeadlineRule.objects.filter(code=CODE, valid_from=VALID_FROM).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0007_ui_messages"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
