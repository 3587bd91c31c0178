"""The web pages of reporting, at the same addresses as before the move (included at / by config.urls)."""

from django.urls import path

from reporting.web import delegations, views

urlpatterns = [
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/cases/", views.statistics_cases_page, name="statistics-cases"),
    path("compilations/", views.compilations_page, name="compilations"),
    path("compilations/quality-chapter/", views.quality_chapter_page, name="quality-chapter"),
    path("compilations/quality-chapter/texts/", views.chapter_texts_page, name="chapter-texts"),
    path("compilations/reviews/", views.reviews_page, name="summary-reviews"),
    path("compilations/exports/<uuid:job_id>/", views.compilation_job_page, name="compilation-job"),
    path("imports/reports/", views.import_page, name="report-import"),
    path("delegations/", delegations.register, name="delegations"),
    path(
        "cases/<int:report_id>/regulator-document/",
        views.regulator_document_page,
        name="regulator-document-page",
    ),
]
