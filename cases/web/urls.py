"""The web pages' URLs. A case's forms are named by its parts (cases.parts)."""

from django.urls import path, register_converter

from cases import parts
from cases.web import case, corrections, key_time, public, register, reporting, work


class CasePartFormConverter:
    """The name of one of the case's forms, as the parts list them (cases.parts): another
    name matches no URL (404)."""

    regex = "[-a-zA-Z0-9_]+"

    def to_python(self, value):
        if value not in parts.form_names():
            raise ValueError(value)
        return value

    def to_url(self, value):
        return value


register_converter(CasePartFormConverter, "case_part_form")

app_name = "web"

urlpatterns = [
    path("", reporting.home, name="home"),
    path("report/", reporting.report_start, name="report_start"),
    path("report/<slug:report_type>/", reporting.report_form, name="report_form"),
    path("my-reports/", reporting.my_reports, name="my_reports"),
    path("feedback/", public.public_form, name="public_form"),
    path("feedback/thanks/", public.public_thanks, name="public_thanks"),
    path("feedback/status/", public.public_status, name="public_status"),
    path("inbox/", work.inbox, name="inbox"),
    path("actions/", work.actions_board, name="actions"),
    path("tasks/<int:task_id>/claim/", work.claim, name="claim"),
    path("tasks/<int:task_id>/release/", work.release, name="release"),
    path("tasks/<int:task_id>/reassign/", work.reassign, name="reassign"),
    path("cases/", register.register, name="register"),
    path("cases/export.<slug:file_format>", register.register_export, name="register_export"),
    path("cases/<int:report_id>/", case.case_page, name="case"),
    path("cases/<int:report_id>/print/", case.case_print, name="case_print"),
    path("cases/<int:report_id>/pdf/", case.case_pdf_file, name="case_pdf"),
    path("cases/<int:report_id>/do/<slug:name>/", case.transition, name="transition"),
    path("cases/<int:report_id>/actions/<int:action_id>/", case.update_action, name="update_action"),
    path(
        "cases/<int:report_id>/notifications/<int:notification_id>/<slug:name>/",
        case.notification_step,
        name="notification_step",
    ),
    path("cases/<int:report_id>/key-time/", key_time.key_time, name="key_time"),
    path("cases/<int:report_id>/correct/<slug:name>/", corrections.correct, name="correct"),
    path("cases/<int:report_id>/description/", corrections.edit_description, name="edit_description"),
    path("cases/<int:report_id>/<case_part_form:part_name>/", case.part, name="part"),
]
