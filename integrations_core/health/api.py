"""`GET /api/v1/health/connections/` and `…/{id}/`: the person's own connections' health, with
the score's inputs; anyone else's id is a 404. `GET /api/v1/notifications/` and
`POST …/{id}/read/`: the person's in-app alerts."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.serializers import ErrorSerializer
from integrations_core.models import Notification
from integrations_core.selectors import connection_get_for_user

from .selectors import connection_health_build, connection_health_for_user


class ScoreInputsSerializer(serializers.Serializer):
    gate = serializers.FloatField()
    consent = serializers.FloatField()
    reliability = serializers.FloatField()
    freshness = serializers.FloatField()
    streak = serializers.FloatField()


class ConnectionHealthSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="connection.pk")
    provider = serializers.CharField()
    institution_name = serializers.CharField(source="connection.institution_name")
    status = serializers.CharField(source="connection.status")
    user_state = serializers.CharField(source="connection.user_state")
    last_synced_at = serializers.DateTimeField(source="connection.last_synced_at", allow_null=True)
    next_sync_at = serializers.DateTimeField(source="connection.next_sync_at", allow_null=True)
    consecutive_failures = serializers.IntegerField(source="connection.consecutive_failures")
    runs = serializers.IntegerField(help_text="Finished runs counted (the last 30 at most).")
    error_rate = serializers.FloatField(allow_null=True, help_text="Over the last 30 finished runs; partial = ½.")
    latency_p50 = serializers.FloatField(allow_null=True, help_text="Seconds, over the last 30 finished runs.")
    latency_p95 = serializers.FloatField(allow_null=True)
    quota_left_today = serializers.IntegerField(allow_null=True, help_text="Calls left today, where the provider "
                                                                           "has a daily limit.")
    daily_call_quota = serializers.IntegerField(allow_null=True)
    consent_expires_at = serializers.DateTimeField(source="expires_at", allow_null=True)
    score = serializers.FloatField(help_text="0–1; formula in docs/health.md.")
    score_inputs = ScoreInputsSerializer()


class ConnectionHealthListView(APIView):
    """Health of each of my connections, worst first."""

    @extend_schema(responses=ConnectionHealthSerializer(many=True), operation_id="health_connections_list")
    def get(self, request):
        return Response(ConnectionHealthSerializer(connection_health_for_user(request.user), many=True).data)


class ConnectionHealthDetailView(APIView):
    """Health of one of my connections."""

    @extend_schema(responses={200: ConnectionHealthSerializer, 404: ErrorSerializer},
                   operation_id="health_connections_retrieve")
    def get(self, request, pk):
        connection = connection_get_for_user(request.user, pk)
        return Response(ConnectionHealthSerializer(connection_health_build([connection])[0]).data)


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "created_at", "read_at", "is_read"]


class NotificationListView(APIView):
    """My notifications (alerts), newest first; `?unread=true` for the unread ones."""

    @extend_schema(responses=NotificationSerializer(many=True))
    def get(self, request):
        qs = Notification.objects.filter(user=request.user)
        if request.query_params.get("unread") == "true":
            qs = qs.filter(read_at__isnull=True)
        return Response(NotificationSerializer(qs[:200], many=True).data)


class NotificationReadView(APIView):
    """Mark one of my notifications read."""

    @extend_schema(request=None, responses={200: NotificationSerializer, 404: ErrorSerializer})
    def post(self, request, pk):
        notification = Notification.objects.filter(pk=pk, user=request.user).first()
        if notification is None:
            raise Http404("No such notification")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(NotificationSerializer(notification).data)
