"""Connecting any provider through its flow, and statement-file imports. Thin: parse, call the
flow or service, serialise. Another person's import is a 404."""

from __future__ import annotations

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.connect.base import ConnectError, ConnectStep
from integrations_core.connect.registry import UnknownFlow, flow_for
from integrations_core.models import StatementImport
from integrations_core.providers.registry import UnknownProvider, registry
from integrations_core.selectors import connection_get_for_user
from integrations_core.services.statements import (
    StatementError,
    statement_confirm,
    statement_parser_for,
    statement_preview,
    statement_size_check,
)

from .errors import error_body
from .serializers import ErrorSerializer
from .serializers_connect import (
    ConnectRequestSerializer,
    ConnectStepSerializer,
    StatementImportConfirmSerializer,
    StatementImportCreateSerializer,
    StatementImportSerializer,
)
from .throttles import ConnectionCreateThrottle, StatementImportThrottle

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer, 410: ErrorSerializer,
          429: ErrorSerializer, 503: ErrorSerializer}


def connect_error_response(exc: ConnectError | StatementError) -> Response:
    fields = getattr(exc, "fields", None) or ({exc.field: [exc.message]} if getattr(exc, "field", "") else {})
    headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else None
    return Response(error_body(exc.code, exc.message, fields), status=exc.status, headers=headers)


def step_data(step: ConnectStep | None, connection=None, *, request=None) -> dict:
    from .serializers import ConnectionSummarySerializer

    connection = connection if connection is not None else (step.connection if step else None)
    return {
        "next": step.kind if step is not None else "none",
        "connection": ConnectionSummarySerializer(connection).data if connection is not None else None,
        "authorization_url": step.url if step is not None and step.kind == "redirect" else "",
        "upload_url": step.url if step is not None and step.kind == "upload" else "",
        "client_token": step.client_token if step is not None else "",
        "state": step.state if step is not None else "",
        "fields": [asdict(field) for field in step.fields] if step is not None else [],
        "statement_import": (StatementImportSerializer(step.statement_import).data
                             if step is not None and step.statement_import is not None else None),
    }


def _provider(slug: str):
    try:
        provider = registry.get(slug)
        return provider, flow_for(provider)
    except (UnknownProvider, UnknownFlow):
        raise ConnectError("unknown_provider", "Unknown provider.", fields={"provider": ["Unknown provider."]}) from None


class ConnectionCreateView(APIView):
    """Start connecting any provider; for an API-key provider, with `credentials`, also finish."""

    throttle_classes = [ConnectionCreateThrottle]

    @extend_schema(request=ConnectRequestSerializer, responses={200: ConnectStepSerializer,
                                                                  201: ConnectStepSerializer, **ERRORS})
    def post(self, request):
        body = ConnectRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        data = {"institution_id": values["institution"], "credentials": values.get("credentials")}
        try:
            provider, flow = _provider(values["provider"])
            step = flow.start(user=request.user, provider=provider, data=data)
            if step.kind == "form" and values.get("credentials") is not None:
                connection = flow.complete(user=request.user, provider=provider, connection=None, data=data)
                return Response(step_data(None, connection), status=status.HTTP_201_CREATED)
        except ConnectError as exc:
            return connect_error_response(exc)
        created = step.connection is not None or step.statement_import is not None
        return Response(step_data(step), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class StatementImportCreateView(APIView):
    """Upload a statement file: it is parsed and previewed, with every row it could not read
    (line, column, what is wrong). Nothing is imported until the preview is confirmed."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [StatementImportThrottle]

    @extend_schema(request={"multipart/form-data": StatementImportCreateSerializer},
                   responses={201: StatementImportSerializer, **ERRORS})
    def post(self, request):
        body = StatementImportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        try:
            parser = statement_parser_for(body.validated_data["provider"])
            statement_size_check(parser, upload.size)  # before a byte is read into memory
            preview = statement_preview(user=request.user, provider=parser, upload=upload.read(),
                                        filename=upload.name)
        except StatementError as exc:
            return connect_error_response(exc)
        return Response(StatementImportSerializer(preview).data, status=status.HTTP_201_CREATED)


class StatementImportDetailView(APIView):
    @extend_schema(responses={200: StatementImportSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        return Response(StatementImportSerializer(get_object_or_404(StatementImport, pk=pk, user=request.user)).data)


class StatementImportConfirmView(APIView):
    """Import a previewed file. Refused when it has errors, has expired, or is already imported
    into that connection (nothing changes)."""

    @extend_schema(request=StatementImportConfirmSerializer, responses={200: StatementImportSerializer, **ERRORS})
    def post(self, request, pk):
        statement_import = get_object_or_404(StatementImport, pk=pk, user=request.user)
        body = StatementImportConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        connection = None
        if body.validated_data["connection"] is not None:
            connection = connection_get_for_user(request.user, body.validated_data["connection"])
        try:
            statement_import = statement_confirm(statement_import, connection=connection)
        except StatementError as exc:
            return connect_error_response(exc)
        return Response(StatementImportSerializer(statement_import).data)
