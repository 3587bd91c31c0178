"""``/api/v1/notifications/``: the signed-in user's own notifications, and marking them read."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.viewsets import ViewSet

from notifications import selectors
from notifications.messages import describe


class InAppNotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    event = serializers.CharField()
    case_number = serializers.CharField()
    report = serializers.IntegerField(source="report_id")
    title = serializers.SerializerMethodField()
    due_at = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def _described(self, obj):
        if not hasattr(obj, "_described"):
            obj._described = describe(obj)
        return obj._described

    def get_title(self, obj) -> str:
        return str(self._described(obj)["title"])

    def get_due_at(self, obj) -> str | None:
        due = self._described(obj)["due_at"]
        return due.isoformat() if due else None

    def get_link(self, obj) -> str:
        return self._described(obj)["link"]


class InAppNotificationViewSet(ViewSet):
    serializer_class = InAppNotificationSerializer
    # Named here, not only used in list(), so that the schema shows the pages the list answers with.
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(responses=InAppNotificationSerializer(many=True))
    def list(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.centre_list(request.user), request, view=self)
        return paginator.get_paginated_response(InAppNotificationSerializer(page, many=True).data)

    @extend_schema(request=None, responses=InAppNotificationSerializer)
    def read(self, request, pk):
        notification = selectors.centre_list(request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404
        selectors.mark_read(request.user, notification.pk)
        notification.refresh_from_db(fields=["read_at"])
        return Response(InAppNotificationSerializer(notification).data)

    @extend_schema(
        request=None, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})
    )
    def read_all(self, request):
        return Response({"marked": selectors.mark_read(request.user)})
