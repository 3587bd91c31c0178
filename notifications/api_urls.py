from django.urls import path

from notifications.api import InAppNotificationViewSet

urlpatterns = [
    path("", InAppNotificationViewSet.as_view({"get": "list"}), name="notification-list"),
    path("<int:pk>/read/", InAppNotificationViewSet.as_view({"post": "read"}), name="notification-read"),
    path("read-all/", InAppNotificationViewSet.as_view({"post": "read_all"}), name="notification-read-all"),
]
