"""The three journeys of issue 4 in a real browser, in Swedish and in English, with axe-core
on every page they pass through."""

import datetime
import re

import pytest
from django.utils import timezone

from cases.models import InvestigationTopic, Report
from notifications.models import Notification
from tests.cast import PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, local_input

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["sv", "en"]


def submit(page):
    page.click("main form:not(.lang):not(.logout) button[type=submit] >> nth=-1")
    page.wait_for_load_state()


def open_case(session, number, label):
    page = session.page
    page.click(f"text={number}")
    page.wait_for_load_state()
    session.axe(label)
    return page


def step(session, report, name, label):
    page = session.go(f"/cases/{report.pk}/")
    page.click(f"a[href='/cases/{report.pk}/do/{name}/']")
    page.wait_for_load_state()
    session.axe(label)
    return page


def expect_saved(page):
    assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_deviation_to_lex_sarah_to_ivo_and_back_to_the_reporter(browse, e2e_cast, language):
    org, cast = e2e_cast
    now = timezone.now()

    # The employee files a deviation on a phone; a validation error keeps every field.
    employee = browse(PHONE, language)
    page = employee.login("reporter", PASSWORD)
    employee.axe("start page")
    employee.screenshot("start")
    page.click("a[href='/report/']")
    employee.axe("report something")
    employee.screenshot("report-something")
    page.click("a[href='/report/deviation/']")
    employee.axe("deviation form")
    page.select_option("select[name=unit]", str(org.unit_a.pk))
    page.fill("textarea[name=description]", "Brukaren fick sin kvällsmedicin två timmar för sent.")
    page.click(".persons-box summary")
    page.fill("input[name='person-0-role']", "Brukaren i lägenhet 4")
    # A lost connection: the draft comes back from this device after a reload.
    page.reload()
    assert (
        page.input_value("textarea[name=description]")
        == "Brukaren fick sin kvällsmedicin två timmar för sent."
    )
    assert page.input_value("input[name='person-0-role']") == "Brukaren i lägenhet 4"
    submit(page)
    assert page.locator("#error-summary").is_visible()
    assert (
        page.input_value("textarea[name=description]")
        == "Brukaren fick sin kvällsmedicin två timmar för sent."
    )
    assert page.input_value("input[name='person-0-role']") == "Brukaren i lägenhet 4"
    assert page.input_value("select[name=unit]") == str(org.unit_a.pk)
    employee.axe("deviation form with an error")
    employee.screenshot("deviation-form-error")
    page.fill("input[name=occurred_at]", local_input(now - datetime.timedelta(hours=3)))
    submit(page)
    expect_saved(page)
    deviation = Report.objects.get(type="deviation", reporter=cast["reporter"])
    assert deviation.persons.count() == 1
    assert deviation.case_number in page.inner_text("main")
    assert page.evaluate("localStorage.getItem('ui-draft:report-deviation')") is None
    employee.axe("my reports after filing")

    # The manager assesses it on the risk matrix and routes it to lex Sarah.
    manager = browse(DESKTOP, language)
    page = manager.login("manager_a", PASSWORD)
    page.click("a[href='/inbox/']")
    manager.axe("inbox")
    manager.screenshot("inbox")
    open_case(manager, deviation.case_number, "deviation case page")
    page = step(manager, deviation, "assess", "assess form")
    page.locator("input[name=category]").first.check() if page.locator(
        "input[name=category]"
    ).count() else page.select_option("select[name=category]", index=1)
    page.check("input[name=risk_cell][value='3-4']")
    assert page.locator("[data-risk-output]").inner_text().strip()
    manager.screenshot("risk-matrix")
    page.select_option("select[name=route]", "lex_sarah")
    submit(page)
    expect_saved(page)
    deviation.refresh_from_db()
    assert deviation.state == "assessed" and deviation.route == "lex_sarah"
    lex = Report.objects.get(type="lex_sarah")
    manager.axe("deviation after routing")
    page = step(manager, lex, "record_immediate_measures", "immediate measures form")
    page.fill(
        "textarea[name=immediate_measures]", "Rutinen för kvällsmedicin gicks igenom med kvällspersonalen."
    )
    page.fill("input[name=immediate_measures_at]", local_input(now - datetime.timedelta(hours=1)))
    submit(page)
    expect_saved(page)

    # The manager hands the lex Sarah case's open step to the SAS (the task steps of the case page).
    page = manager.go(f"/cases/{lex.pk}/")
    page.click("a[href*='/reassign/'] >> nth=0")
    page.wait_for_load_state()
    manager.axe("reassign form")
    manager.screenshot("reassign")
    page.check(f"input[name=user][value='{cast['sas'].pk}']")
    submit(page)
    expect_saved(page)
    assert "/cases/" in page.url

    # The SAS sees the new lex Sarah report and the task in the header's bell and in the
    # notification centre; then registers, investigates, assesses.
    sas = browse(DESKTOP, language)
    page = sas.login("sas", PASSWORD)
    unread = Notification.objects.filter(user=cast["sas"], read_at__isnull=True)
    assert set(unread.values_list("kind", flat=True)) >= {"new_report", "task"}
    bell = page.locator(".notification-bell").inner_text()
    assert re.search(rf"\b{unread.count()}\b", bell), bell
    page.click(".notification-bell")
    page.wait_for_load_state()
    sas.axe("notification centre")
    sas.screenshot("notifications")
    assert page.locator("main .notifications li.unread").count() == unread.count()
    assert lex.case_number in page.inner_text("main .notifications")
    page.click("a[href='/inbox/']")
    sas.axe("SAS inbox")
    assert lex.case_number in page.inner_text("main")
    page = step(sas, lex, "register", "register form")
    page.fill("input[name=chair_informed_at]", local_input(now - datetime.timedelta(minutes=50)))
    page.fill("input[name=social_chief_informed_at]", local_input(now - datetime.timedelta(minutes=50)))
    page.locator("input[name=categories]").first.check()
    submit(page)
    expect_saved(page)
    page = step(sas, lex, "start_investigation", "start investigation form")
    submit(page)
    expect_saved(page)
    # The checklist of what the investigation must document (SOSFS 2011:5 5 kap.) is on the case
    # page; the assessment is shown disabled with what is missing, never offered and refused.
    topics = list(InvestigationTopic.objects.filter(report_type="lex_sarah", required_for_decision=True))
    page = sas.go(f"/cases/{lex.pk}/")
    assert page.locator("#checklist li.missing").count() == len(topics)
    assert page.locator("button[disabled][aria-describedby='blocked-assess']").count() == 1
    assert page.locator(f"a[href='/cases/{lex.pk}/do/assess/']").count() == 0
    sas.axe("lex Sarah case with the checklist")
    page.locator("#checklist").scroll_into_view_if_needed()
    sas.screenshot("checklist")
    for topic in topics:
        page = sas.go(f"/cases/{lex.pk}/entries/")
        page.select_option("select[name=topic]", str(topic.pk))
        page.fill("textarea[name=text]", f"Utredningen visar: {topic.name}.")
        page.fill("input[name=source]", "Intervju med kvällspersonalen")
        page.select_option("select[name=nature]", "fact")
        submit(page)
        expect_saved(page)
    sas.axe("lex Sarah case with the investigation")
    sas.screenshot("case-page")
    page = sas.go(f"/cases/{lex.pk}/causes/")
    page.fill("textarea[name=description]", "Ingen rutin för överlämning av läkemedel vid passbyte.")
    submit(page)
    expect_saved(page)
    page = sas.go(f"/cases/{lex.pk}/actions/")
    sas.axe("add action form")
    page.fill("textarea[name=description]", "Inför checklista för överlämning vid passbyte.")
    page.select_option("select[name=kind]", "preventive")
    page.locator("input[name=causes]").first.check()
    page.select_option("select[name=owner]", str(cast["manager_a"].pk))
    page.fill("input[name=due_date]", (timezone.localdate() + datetime.timedelta(days=14)).isoformat())
    submit(page)
    expect_saved(page)
    page = step(sas, lex, "assess", "lex Sarah assessment form")
    page.select_option("select[name=lex_sarah_assessment]", "missforhallande")
    page.select_option("select[name=is_serious]", "True")
    page.check("input[name=risk_cell][value='3-4']")
    submit(page)
    expect_saved(page)

    page = sas.go(f"/cases/{lex.pk}/")
    assert page.locator("#checklist li.missing").count() == 0

    # The decision maker is told that the decision waits (in the app and by e-mail), and decides
    # to notify IVO.
    waiting = Notification.objects.filter(user=cast["decision_maker"], event="task.waiting", report=lex)
    assert waiting.count() == 1 and waiting.get().data["step"] == "decide"
    delegate = browse(DESKTOP, language)
    page = delegate.login("decision_maker", PASSWORD)
    page.click(".notification-bell")
    page.wait_for_load_state()
    assert lex.case_number in page.inner_text("main .notifications")
    page = step(delegate, lex, "decide", "decision form")
    page.fill("textarea[name=decision]", "Allvarligt missförhållande; anmäls till IVO.")
    page.select_option("select[name=notify_ivo]", "True")
    submit(page)
    expect_saved(page)
    lex.refresh_from_db()
    assert lex.state == "decided"
    notification = lex.regulator_notifications.get()

    # The SAS records the notification to IVO and IVO's decision.
    page = sas.go(f"/cases/{lex.pk}/")
    page.click(f"a[href='/cases/{lex.pk}/notifications/{notification.pk}/submit/']")
    sas.axe("notification submitted form")
    page.fill("input[name=submitted_at]", local_input(timezone.now() - datetime.timedelta(minutes=2)))
    page.select_option("select[name=channel]", "e_service")
    page.fill("input[name=regulator_case_number]", "IVO 3.5.1-12345/2026")
    submit(page)
    expect_saved(page)
    # Closing explains itself: disabled until IVO's final decision is recorded.
    assert page.locator("button[disabled][aria-describedby='blocked-close']").count() == 1
    if language == "sv":
        assert "IVO:s slutliga beslut saknas" in page.inner_text(".next-steps")
    page.click(f"a[href='/cases/{lex.pk}/notifications/{notification.pk}/record_outcome/']")
    page.select_option("select[name=outcome]", "closed")
    page.fill("input[name=outcome_at]", timezone.localdate().isoformat())
    submit(page)
    expect_saved(page)
    page.click(f"a[href='/cases/{lex.pk}/notifications/{notification.pk}/complete/']")
    submit(page)
    expect_saved(page)
    sas.axe("case with the notification recorded")

    # The manager closes the action on the actions board.
    page = manager.go("/actions/")
    manager.axe("actions board")
    manager.screenshot("actions-board")
    page.select_option("select[name=status]", "done")
    page.fill("textarea[name=effect_follow_up]", "Checklistan används; inga sena doser sedan dess.")
    page.click(".action-item button[type=submit]")
    expect_saved(page)
    assert lex.actions.get().is_settled

    # The SAS gives the reporter feedback and closes the case.
    page = sas.go(f"/cases/{lex.pk}/")
    page.click("#messages summary")
    page.fill("#feedback_text", "Tack! Din rapport ledde till en ny checklista vid passbyte.")
    page.click("form[action$='/feedback/'] button[type=submit]")
    expect_saved(page)
    page = step(sas, lex, "close", "close form")
    submit(page)
    expect_saved(page)
    lex.refresh_from_db()
    assert lex.state == "closed"

    # The reporter sees the outcome in My reports.
    page = employee.go("/my-reports/")
    text = page.inner_text("main")
    assert lex.case_number in text
    assert "Allvarligt missförhållande; anmäls till IVO." in text
    assert "Tack! Din rapport ledde till en ny checklista vid passbyte." in text
    employee.axe("my reports with the outcome")
    employee.screenshot("my-reports")


@pytest.mark.parametrize("language", LANGUAGES)
def test_anonymous_complaint_answered_and_read_with_the_receipt_code(browse, e2e_cast, language):
    org, cast = e2e_cast
    public = browse(PHONE, language)
    page = public.go("/")
    public.axe("landing page")
    public.screenshot("landing")
    page.click("main a[href='/feedback/']")
    public.axe("public form")
    public.screenshot("public-form")
    page.select_option("select[name=unit]", str(org.unit_a.pk))
    page.check("input[name=kind][value='klagomal']")
    page.fill("textarea[name=description]", "Hemtjänsten kom inte på tisdagskvällen och ingen ringde.")
    submit(page)
    code = page.inner_text("#receipt-code").strip()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code)
    assert code not in page.url
    public.axe("receipt page")
    complaint = Report.objects.get(type="complaint")
    assert complaint.reporter is None and complaint.receipt.code_hash != code

    manager = browse(DESKTOP, language)
    manager.login("manager_a", PASSWORD)
    page = step(manager, complaint, "register", "complaint register form")
    page.select_option("select[name=handler]", str(cast["manager_a"].pk))
    page.select_option("select[name=complaint_source]", index=1)
    submit(page)
    expect_saved(page)
    page = manager.go(f"/cases/{complaint.pk}/ask/")
    manager.axe("question form")
    page.fill("textarea[name=text]", "Vilken tid brukar besöket vara?")
    submit(page)
    expect_saved(page)
    page = step(manager, complaint, "investigate", "position form")
    page.fill("textarea[name=position_statement]", "Besöket missades på grund av ett schemafel.")
    page.select_option("select[name=deviation_found]", "True")
    submit(page)
    expect_saved(page)
    page = step(manager, complaint, "answer", "answer form")
    page.fill("textarea[name=reply]", "Vi ber om ursäkt. Schemat är rättat och besöket läggs in igen.")
    submit(page)
    expect_saved(page)
    manager.axe("complaint case page")

    page = public.go("/feedback/status/")
    public.axe("receipt lookup")
    page.fill("input[name=code]", code.lower())
    submit(page)
    text = page.inner_text("main")
    assert "Vi ber om ursäkt. Schemat är rättat och besöket läggs in igen." in text
    assert "Vilken tid brukar besöket vara?" in text
    assert "Besöket missades på grund av ett schemafel." not in text  # the handler's position is internal
    public.axe("submitter's status page")
    public.screenshot("public-status")
    page.fill("textarea[name=text]", "Vanligtvis klockan 19.")
    submit(page)
    assert "Vanligtvis klockan 19." in page.inner_text("main")
    assert complaint.messages.filter(kind="answer").count() == 1
    public.axe("status page after answering")


@pytest.mark.parametrize("language", LANGUAGES)
def test_breach_shows_the_72_hour_clock_and_asks_for_a_reason_when_late(browse, e2e_cast, language):
    org, cast = e2e_cast
    discovered = timezone.now() - datetime.timedelta(hours=80)
    employee = browse(PHONE, language)
    page = employee.login("reporter", PASSWORD)
    page = employee.go("/report/data_breach/")
    page.select_option("select[name=unit]", str(org.unit_a.pk))
    page.fill("textarea[name=description]", "En lista med brukares namn skickades till fel mottagare.")
    page.fill("input[name=discovered_at]", local_input(discovered))
    assert "72" in page.inner_text("[data-breach-clock]")
    assert page.inner_text("[data-breach-clock-output]").strip()
    employee.axe("breach form")
    employee.screenshot("breach-form")
    submit(page)
    expect_saved(page)
    breach = Report.objects.get(type="data_breach")

    dso = browse(DESKTOP, language)
    dso.login("dso", PASSWORD)
    page = dso.go("/inbox/")
    assert breach.case_number in page.inner_text("main")
    assert page.locator("tr.overdue .flag").count() == 1
    dso.axe("DSO inbox with an overdue breach")
    page = open_case(dso, breach.case_number, "breach case page")
    assert page.locator(".clocks .clock.overdue").count() == 1
    dso.screenshot("breach-case")
    page = step(dso, breach, "assess", "breach assessment form")
    page.locator("input[name=breach_nature]").first.check()
    page.locator("input[name=data_categories]").first.check()
    page.fill("input[name=approx_subjects]", "25")
    page.fill("input[name=approx_records]", "25")
    page.fill("textarea[name=likely_consequences]", "Obehörig fick kännedom om att personerna har hemtjänst.")
    page.fill("textarea[name=breach_measures]", "Mottagaren har raderat listan.")
    page.select_option("select[name=breach_risk]", "risk")
    submit(page)
    expect_saved(page)
    page = step(dso, breach, "decide", "breach decision form")
    page.fill("textarea[name=decision]", "Incidenten anmäls till IMY.")
    page.select_option("select[name=notify_imy]", "True")
    submit(page)
    assert page.locator("#error-summary").is_visible()
    assert page.locator("textarea[name=delay_reason][aria-invalid=true]").count() == 1
    assert page.input_value("textarea[name=decision]") == "Incidenten anmäls till IMY."
    dso.axe("breach decision demanding a reason for the delay")
    dso.screenshot("breach-late-reason")
    page.fill("textarea[name=delay_reason]", "Incidenten upptäcktes inför en helg och anmälan försenades.")
    submit(page)
    expect_saved(page)
    breach.refresh_from_db()
    assert breach.state == "decided"
    assert breach.regulator_notifications.get().delay_reason.startswith("Incidenten upptäcktes")
