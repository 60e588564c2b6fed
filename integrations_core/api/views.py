from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.selectors import connection_get_for_user, providers_enabled
from integrations_core.services.oauth import AuthorizationError, authorization_complete

from .serializers import CompleteAuthorizationSerializer, ConnectionSummarySerializer, ProviderSerializer


class ProviderListView(APIView):
    """The providers this platform can connect to right now."""

    @extend_schema(responses=ProviderSerializer(many=True))
    def get(self, request):
        return Response(ProviderSerializer([p.describe() for p in providers_enabled()], many=True).data)


class ConnectionCompleteView(APIView):
    """Mobile clients finish the redirect flow here with the `code` and `state` they received."""

    @extend_schema(request=CompleteAuthorizationSerializer, responses={200: ConnectionSummarySerializer})
    def post(self, request, pk):
        connection = connection_get_for_user(request.user, pk)
        body = CompleteAuthorizationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            connection = authorization_complete(
                user=request.user, provider_slug=connection.provider, state=body.validated_data["state"],
                code=body.validated_data["code"], params=dict(request.data.items()), connection_id=connection.pk,
            )
        except AuthorizationError as exc:
            return Response({"error": {"code": exc.code, "message": exc.message, "fields": {}}},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(ConnectionSummarySerializer(connection).data)
