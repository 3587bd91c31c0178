"""Deadline rules in the admin: the legal basis shown, terms of a rule in use not changed in
place (a new version instead), and only for those with the admin's model permissions."""

import datetime
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases.models import CaseClock, DeadlineRule, User
from tests.factories import file

pytestmark = pytest.mark.django_db


def change_url(rule):
    return reverse("admin:cases_deadlinerule_change", args=[rule.pk])


def form_data(rule, **changes):
    data = {
        "report_type": rule.report_type,
        "code": rule.code,
        "name": rule.name,
        "starts_at": rule.starts_at,
        "amount": rule.amount,
        "unit": rule.unit,
        "warn_before_hours": json.dumps(rule.warn_before_hours),
        "escalate_after_hours": rule.escalate_after_hours,
        "legal_reference": rule.legal_reference_id or "",
        "basis": rule.basis,
        "valid_from": rule.valid_from.isoformat(),
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else "",
    }
    data.update(changes)
    return data


def test_the_list_and_the_form_show_the_legal_basis_and_reference(admin_client):
    listing = admin_client.get(reverse("admin:cases_deadlinerule_changelist")).content.decode()
    assert "GDPR art. 33(1)" in listing and "Art. 33 dataskyddsförordningen (EU) 2016/679" in listing
    page = admin_client.get(change_url(DeadlineRule.current("breach-imy-notification"))).content.decode()
    assert "Anmälan av personuppgiftsincident till tillsynsmyndigheten" in page


def test_a_rule_that_clocks_run_under_keeps_its_terms_and_gets_a_new_version_instead(admin_client, cast, org):
    report = file("data_breach", cast["reporter"], org.unit_a)
    rule = DeadlineRule.current("breach-imy-notification")
    due = CaseClock.objects.get(report=report).due_at

    refused = admin_client.post(change_url(rule), form_data(rule, amount=96))
    assert refused.status_code == 200 and "Save as new" in str(
        refused.context["adminform"].form.non_field_errors()
    )
    rule.refresh_from_db()
    assert rule.amount == 72

    renamed = admin_client.post(
        change_url(rule),
        form_data(rule, name="Anmälan till IMY (72 timmar)", warn_before_hours="[6, 24, 48]"),
    )
    assert renamed.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Anmälan till IMY (72 timmar)" and rule.warn_before_hours == [48, 24, 6]

    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    new_version = admin_client.post(
        change_url(rule), form_data(rule, amount=48, valid_from=tomorrow.isoformat(), _saveasnew="1")
    )
    assert new_version.status_code == 302
    assert DeadlineRule.objects.filter(code="breach-imy-notification").count() == 2
    assert CaseClock.objects.get(report=report).due_at == due
    assert DeadlineRule.current("breach-imy-notification", tomorrow).amount == 48


def test_warnings_must_be_whole_hours(admin_client):
    rule = DeadlineRule.current("complaint-answer")
    response = admin_client.post(change_url(rule), form_data(rule, warn_before_hours='["soon"]'))
    assert response.status_code == 200 and "warn_before_hours" in response.context["adminform"].form.errors


def test_rules_apply_to_every_board_so_staff_with_the_model_permission_only_read_them(client, admin_client):
    # Deadline rules are shared reference data: a superuser edits them (docs/administration.md);
    # the model permission alone used to let any staff member change every board's clocks.
    rule = DeadlineRule.current("complaint-answer")
    staff = User.objects.create_user("handlaggare", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(change_url(rule)).status_code == 403
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_deadlinerule", "change_deadlinerule"])
    )
    assert client.get(change_url(rule)).status_code == 200
    assert client.post(change_url(rule), form_data(rule, basis="Lokal rutin 2027")).status_code == 403
    assert admin_client.post(change_url(rule), form_data(rule, basis="Lokal rutin 2027")).status_code == 302
