"""The quality pages (quality.web.views)."""

from django.urls import path

from quality.web import risk_views, views

app_name = "quality"

urlpatterns = [
    path("statistics/signals/", views.charts_page, name="charts"),
    path("statistics/signals/chart.svg", views.chart_image, name="chart"),
    path("quality/signals/<int:analysis_id>/", views.analysis_page, name="analysis"),
    path("quality/signals/<int:analysis_id>/chart.svg", views.analysis_chart, name="analysis_chart"),
    path("quality/lead-times/", views.lead_times_page, name="lead_times"),
    path("quality/risk-analyses/", risk_views.register_page, name="risk_analyses"),
    path("quality/risk-analyses/<int:analysis_id>/", risk_views.analysis_page, name="risk_analysis"),
]
