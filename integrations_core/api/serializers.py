from rest_framework import serializers

from integrations_core.models import SyncRun


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    """The API's one error format (integrations_core/api/errors.py)."""

    error = ErrorDetailSerializer()


class ProviderSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    family = serializers.CharField()
    auth_type = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
    consent_days = serializers.IntegerField(allow_null=True)
    logo_url = serializers.CharField(allow_blank=True)


class CompleteAuthorizationSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=2048, required=False, allow_blank=True, default="")
    state = serializers.CharField(max_length=128)


class ConnectionSummarySerializer(serializers.Serializer):
    """Family-agnostic view of a connection; never exposes tokens or credentials."""

    id = serializers.UUIDField()
    provider = serializers.CharField()
    status = serializers.CharField()
    user_state = serializers.CharField()
    institution_id = serializers.CharField()
    institution_name = serializers.CharField()
    consent_expires_at = serializers.DateTimeField(allow_null=True)
    last_synced_at = serializers.DateTimeField(allow_null=True)
    next_sync_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = ["id", "provider", "trigger", "started_at", "finished_at", "outcome", "account_results", "added",
                  "updated", "removed", "provider_calls", "error_code", "error", "next_action"]
        read_only_fields = fields
