"""The routes of the in-app notifications API, included at /api/v1/notifications/ by config.urls."""

from django.urls import path

from notifications.api.views import InAppNotificationViewSet

urlpatterns = [
    path("", InAppNotificationViewSet.as_view({"get": "list"}), name="notification-list"),
    path("<int:pk>/read/", InAppNotificationViewSet.as_view({"post": "read"}), name="notification-read"),
    path("read-all/", InAppNotificationViewSet.as_view({"post": "read_all"}), name="notification-read-all"),
]
