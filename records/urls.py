"""The records pages (records.web.views)."""

from django.urls import path

from records.web import views

app_name = "records"

urlpatterns = [
    path("records/", views.home, name="home"),
    path("records/gallring/<int:run_id>/", views.run_page, name="run"),
    path("records/loggkontroll/<int:review_id>/", views.log_review_page, name="log_review"),
    path("records/read-log/", views.read_log_page, name="read_log"),
    path("records/read-log.csv", views.read_log_csv, name="read_log_csv"),
]
