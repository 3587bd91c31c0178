"""The rules of an event name are read once per process and kept until a rule or a recipient
changes (or ``cases.reference_cache.CACHE_SECONDS`` pass, for a change made in another
process); their validity dates and report type are decided at the time of each event."""

import datetime

from django.utils import timezone

from cases import reference_cache
from notifications import rules as rules_module
from notifications.models import Notification, NotificationRule, RuleRecipient
from notifications.rules import matching_rules, notify
from tests.factories import file
from tests.queries import captured_queries

EVENT = "bench.cache-test"


def rule_ids(name=EVENT, report_type="deviation", day=None):
    return [rule.pk for rule in matching_rules(name).for_type(report_type, day)]


def test_an_event_names_rules_are_read_once(cast, org):
    rule = NotificationRule.objects.create(event=EVENT, kind="new_report")
    RuleRecipient.objects.create(rule=rule, who="reporter")
    with captured_queries() as first:
        assert rule_ids() == [rule.pk]
    with captured_queries() as again:
        assert rule_ids() == [rule.pk] and rule_ids(report_type="complaint") == [rule.pk]
        assert [r.who for r in matching_rules(EVENT)[0].recipients.all()] == ["reporter"]
    assert len(first) == 2  # the rules and their recipients
    assert len(again) == 0


def test_a_saved_or_deleted_rule_or_recipient_is_seen_at_once(cast, org):
    assert rule_ids() == []
    rule = NotificationRule.objects.create(event=EVENT, kind="new_report")
    assert rule_ids() == [rule.pk]
    recipient = RuleRecipient.objects.create(rule=rule, who="reporter")
    assert [r.pk for r in matching_rules(EVENT)[0].recipients.all()] == [recipient.pk]
    recipient.delete()
    assert list(matching_rules(EVENT)[0].recipients.all()) == []
    rule.report_type = "complaint"
    rule.save()
    assert rule_ids() == [] and rule_ids(report_type="complaint") == [rule.pk]
    rule.is_active = False
    rule.save()
    assert rule_ids(report_type="complaint") == []
    rule.is_active = True
    rule.save()
    rule.delete()
    assert rule_ids(report_type="complaint") == []


def test_validity_is_decided_at_the_time_of_the_event_not_of_the_read(cast, org, monkeypatch):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    old = NotificationRule.objects.create(event=EVENT, kind="new_report", valid_to=today)
    new = NotificationRule.objects.create(event=EVENT, kind="new_report", valid_from=tomorrow)
    assert rule_ids() == [old.pk]
    monkeypatch.setattr(rules_module.timezone, "localdate", lambda *args, **kwargs: tomorrow)
    with captured_queries() as read:
        assert rule_ids() == [new.pk]
    assert len(read) == 0  # the same list read before, judged on the new day
    assert rule_ids(day=today - datetime.timedelta(days=1)) == [old.pk]


def test_a_change_made_elsewhere_is_seen_once_the_kept_list_is_old(cast, org, monkeypatch):
    rule = NotificationRule.objects.create(event=EVENT, kind="new_report")
    assert rule_ids() == [rule.pk]
    NotificationRule.objects.filter(pk=rule.pk).update(is_active=False)  # no signal, as from another process
    assert rule_ids() == [rule.pk]
    later = reference_cache.time.monotonic() + reference_cache.CACHE_SECONDS + 1
    monkeypatch.setattr(reference_cache.time, "monotonic", lambda: later)
    assert rule_ids() == []


def test_an_event_without_rules_reads_nothing_once_known(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    assert notify("report.nothing-listens", report_id=report.pk) == []
    with captured_queries() as captured:
        assert notify("report.nothing-listens", report_id=report.pk) == []
    assert len(captured) == 0


def test_a_kept_rule_still_notifies_and_a_new_recipient_is_used(cast, org):
    report = file("deviation", cast["reporter"], org.unit_a)
    rule = NotificationRule.objects.create(event=EVENT, kind="new_report", by_email=False)
    assert notify(EVENT, report_id=report.pk, data={"n": 1}) == []  # no recipient yet
    RuleRecipient.objects.create(rule=rule, who="reporter")
    created = notify(EVENT, report_id=report.pk, data={"n": 2})
    assert [(n.user, n.rule_id) for n in created] == [(cast["reporter"], rule.pk)]
    assert Notification.objects.filter(rule=rule).count() == 1
