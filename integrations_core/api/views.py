from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.connect.base import ConnectError
from integrations_core.connect.registry import UnknownFlow, flow_for
from integrations_core.providers.registry import UnknownProvider, registry
from integrations_core.selectors import connection_get_for_user, providers_enabled
from integrations_core.services.oauth import AuthorizationError

from .serializers import (
    CompleteAuthorizationSerializer,
    ConnectionSummarySerializer,
    ErrorSerializer,
    ProviderSerializer,
)
from .views_connect import connect_error_response


class ProviderListView(APIView):
    """The providers this platform can connect to right now."""

    @extend_schema(responses=ProviderSerializer(many=True))
    def get(self, request):
        return Response(ProviderSerializer([p.describe() for p in providers_enabled()], many=True).data)


class ConnectionCompleteView(APIView):
    """Finish connecting through the provider's flow: mobile clients send the `code` and `state`
    the redirect gave them; an API-key connection takes a new key (`credentials`)."""

    @extend_schema(request=CompleteAuthorizationSerializer, responses={200: ConnectionSummarySerializer,
                                                                       400: ErrorSerializer})
    def post(self, request, pk):
        connection = connection_get_for_user(request.user, pk)
        try:
            provider = registry.get(connection.provider)
            flow = flow_for(provider)
        except (UnknownProvider, UnknownFlow):
            raise Http404("No such provider") from None
        if flow.kind == "redirect":
            body = CompleteAuthorizationSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = {"state": body.validated_data["state"], "code": body.validated_data["code"],
                    "params": dict(request.data.items())}
        else:
            data = {"credentials": request.data.get("credentials")}
        try:
            connection = flow.complete(user=request.user, provider=provider, connection=connection, data=data)
        except AuthorizationError as exc:
            return Response({"error": {"code": exc.code, "message": exc.message, "fields": {}}},
                            status=status.HTTP_400_BAD_REQUEST)
        except ConnectError as exc:
            return connect_error_response(exc)
        return Response(ConnectionSummarySerializer(connection).data)
