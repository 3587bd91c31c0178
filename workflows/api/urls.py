"""The routes of the task API, included at /api/v1/ by config.urls."""

from django.urls import path

from workflows.api.views import TaskViewSet

app_name = "workflows"

urlpatterns = [
    path("tasks/", TaskViewSet.as_view({"get": "list"}), name="task-list"),
    path("tasks/<int:pk>/claim/", TaskViewSet.as_view({"post": "claim"}), name="task-claim"),
    path("tasks/<int:pk>/release/", TaskViewSet.as_view({"post": "release"}), name="task-release"),
    path("tasks/<int:pk>/reassign/", TaskViewSet.as_view({"post": "reassign"}), name="task-reassign"),
]
