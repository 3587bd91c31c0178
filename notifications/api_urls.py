from django.urls import path

from notifications.api import NotificationViewSet

urlpatterns = [
    path("", NotificationViewSet.as_view({"get": "list"}), name="notification-list"),
    path("<int:pk>/read/", NotificationViewSet.as_view({"post": "read"}), name="notification-read"),
    path("read-all/", NotificationViewSet.as_view({"post": "read_all"}), name="notification-read-all"),
]
