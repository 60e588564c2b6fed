"""The pensions API: the person's pensions with every valuation (source and date), manual pots,
connecting a pension provider the dashboards way (identity + consent), consent, the State
Pension forecast with the State Pension age, `request_pension_statement`, and the projection.
Thin: parse, call a selector or service, serialise. Everything is found through the person
(another person's id is a 404); bad input is a 400 with field errors in the API's one format."""

from __future__ import annotations

from dataclasses import asdict

from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.errors import error_body
from integrations_core.api.serializers import ErrorSerializer
from integrations_core.api.throttles import ConnectionCreateThrottle, SyncRequestThrottle
from integrations_core.connect.base import ConnectError
from integrations_core.connect.registry import flow_for
from integrations_core.providers.base import AuthType, Family
from integrations_core.providers.registry import UnknownProvider, registry
from integrations_core.services.connections import SyncNotPossible, connection_sync_now
from integrations_core.services.sync import SyncQueueUnavailable

from .. import selectors
from ..models import PensionAccount, PensionConnection, PensionConsent
from ..services.consent import (
    ConsentMissing,
    consent_connections_resume,
    consent_give,
    consent_in_force,
    consent_refuse,
    consent_withdraw,
)
from ..services.identity import identity_date_of_birth_set
from ..services.pots import (
    NotManual,
    assumptions_set,
    manual_pot_create,
    manual_pot_delete,
    manual_pot_update,
    manual_value_add,
    state_pension_set,
)
from ..services.projection import DEFAULTS_SOURCE, WEEKS_A_YEAR
from .serializers import (
    ConsentAnswerSerializer,
    PensionConnectionSerializer,
    PensionConsentSerializer,
    PensionDetailSerializer,
    PensionSerializer,
    PensionStatementRequestedSerializer,
    PensionValuationSerializer,
    PotCreateSerializer,
    PotUpdateSerializer,
    ProjectionAnswerSerializer,
    RetirementAssumptionsUpdateSerializer,
    StatePensionReadSerializer,
    StatePensionSerializer,
    ValueAddSerializer,
)

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def _error(code: str, message: str, http_status: int, fields: dict | None = None) -> Response:
    return Response(error_body(code, message, fields), status=http_status)


def _pension_provider(slug: str):
    try:
        provider = registry.get(slug)
    except UnknownProvider:
        provider = None
    if provider is None or provider.family != Family.PENSIONS or provider.auth_type != AuthType.FIND_REQUEST:
        raise ConnectError("unknown_provider", "Unknown pension provider.",
                           fields={"provider": ["Unknown pension provider."]})
    return provider


class PensionViewSet(viewsets.GenericViewSet):
    """Every pension the person has: from providers, found schemes and their own manual pots.
    POST creates a manual pot; PATCH edits one (a synced pension: contributions and charge only);
    DELETE removes a manual pot; POST …/values/ adds a value the person read on a statement."""

    serializer_class = PensionSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PensionAccount.objects.none()
        return selectors.pension_list(self.request.user)

    def list(self, request):
        return Response(PensionSerializer(self.get_queryset(), many=True).data)

    @extend_schema(responses={200: PensionDetailSerializer, 404: ErrorSerializer})
    def retrieve(self, request, pk=None):
        return Response(PensionDetailSerializer(selectors.pension_get(request.user, pk)).data)

    @extend_schema(request=PotCreateSerializer, responses={201: PensionDetailSerializer, 400: ErrorSerializer})
    def create(self, request):
        body = PotCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pot = manual_pot_create(request.user, **body.validated_data)
        return Response(PensionDetailSerializer(selectors.pension_get(request.user, pot.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=PotUpdateSerializer, responses={200: PensionDetailSerializer, **ERRORS})
    def partial_update(self, request, pk=None):
        pot = selectors.pension_get(request.user, pk)
        body = PotUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            manual_pot_update(pot, **body.validated_data)
        except NotManual:
            return _error("not_manual", "A pension from a provider keeps its provider's name and type: only its "
                          "contributions and charge can be set.", status.HTTP_409_CONFLICT)
        return Response(PensionDetailSerializer(selectors.pension_get(request.user, pk)).data)

    @extend_schema(responses={204: None, 404: ErrorSerializer, 409: ErrorSerializer})
    def destroy(self, request, pk=None):
        try:
            manual_pot_delete(selectors.pension_get(request.user, pk))
        except NotManual:
            return _error("not_manual", "A pension from a provider is removed by disconnecting the provider.",
                          status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ValueAddSerializer, responses={201: PensionValuationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def values(self, request, pk=None):
        pot = selectors.pension_get(request.user, pk)
        body = ValueAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        try:
            manual_value_add(pot, value=values["value"], on=values["date"],
                             contributions=values.get("contributions"), note=values["note"])
        except NotManual as exc:
            return _error("not_manual", exc.message, status.HTTP_409_CONFLICT)
        return Response(PensionValuationSerializer(pot.valuations.get(date=values["date"])).data,
                        status=status.HTTP_201_CREATED)


class PensionFindDataSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=50, help_text="A pension provider slug (GET /api/v1/providers/).")
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    date_of_birth = serializers.CharField(max_length=20, required=False, allow_blank=True)
    ni_number = serializers.CharField(max_length=20, required=False, allow_blank=True, write_only=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    address_line = serializers.CharField(max_length=200, required=False, allow_blank=True)
    consent = serializers.ChoiceField(choices=("yes", "no"), help_text="Nothing is sent without yes.")


class PensionConnectView(APIView):
    """Connect a pension provider the dashboards way: the person's identity data and their
    consent; one find request is sent, the pensions found are stored and their values fetched.
    A "no" is recorded and nothing is sent (400, code consent_refused)."""

    throttle_classes = [ConnectionCreateThrottle]

    @extend_schema(request=PensionFindDataSerializer, responses={201: PensionConnectionSerializer, 400: ErrorSerializer,
                                                           503: ErrorSerializer})
    @sensitive_variables("credentials")
    def post(self, request):
        body = PensionFindDataSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        credentials = dict(body.validated_data)
        slug = credentials.pop("provider")
        try:
            provider = _pension_provider(slug)
            connection = flow_for(provider).complete(user=request.user, provider=provider, connection=None,
                                                     data={"credentials": credentials})
        except ConnectError as exc:
            fields = {k.removeprefix("credentials."): v for k, v in (exc.fields or {}).items()}
            return _error(exc.code, exc.message, exc.status, fields)
        connection.refresh_from_db()
        return Response(PensionConnectionSerializer(connection).data, status=status.HTTP_201_CREATED)


class PensionConnectionViewSet(viewsets.ReadOnlyModelViewSet):
    """The person's pension provider connections (never their credentials)."""

    serializer_class = PensionConnectionSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PensionConnection.objects.none()
        return selectors.pension_connections(self.request.user).order_by("-created_at")

    def get_throttles(self):
        return [SyncRequestThrottle()] if self.action == "statement" else super().get_throttles()

    @extend_schema(request=None, responses={202: PensionStatementRequestedSerializer, **ERRORS, 503: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def statement(self, request, pk=None):
        """request_pension_statement: ask the provider for every pension's current view data;
        each valuation is stored with its illustration date. Refused without consent in force."""
        connection = self.get_object()
        if consent_in_force(request.user, connection.provider) is None:
            return _error(ConsentMissing.code, ConsentMissing.user_message, status.HTTP_409_CONFLICT)
        try:
            run = connection_sync_now(connection, actor=request.user)
        except SyncNotPossible as exc:
            return _error(exc.code, exc.message, status.HTTP_409_CONFLICT)
        except SyncQueueUnavailable:
            return _error("queue_unavailable", "We could not ask the provider right now. Try again shortly.",
                          status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"status": run.outcome if run else "queued", "sync_run": run.pk if run else None},
                        status=status.HTTP_202_ACCEPTED)


class ConsentView(APIView):
    """The person's consent records, newest first; POST gives, refuses or withdraws consent
    for a pension provider. A withdrawal stops every find and value request at once."""

    @extend_schema(responses={200: PensionConsentSerializer(many=True)})
    def get(self, request):
        rows = PensionConsent.objects.filter(user=request.user).order_by("-created_at")
        return Response(PensionConsentSerializer(rows, many=True).data)

    @extend_schema(request=ConsentAnswerSerializer, responses={201: PensionConsentSerializer, 200: PensionConsentSerializer,
                                                                400: ErrorSerializer})
    def post(self, request):
        body = ConsentAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            provider = _pension_provider(body.validated_data["provider"])
        except ConnectError as exc:
            return _error("invalid", exc.message, status.HTTP_400_BAD_REQUEST, exc.fields)
        answer = body.validated_data["answer"]
        if answer == "withdraw":
            consent_withdraw(request.user, provider_slug=provider.slug)
            row = PensionConsent.objects.filter(user=request.user, provider=provider.slug).first()
            if row is None:
                return _error("invalid", "There is no consent to withdraw.", status.HTTP_400_BAD_REQUEST,
                              {"answer": ["You have not given consent to this provider."]})
            return Response(PensionConsentSerializer(row).data)
        make = consent_give if answer == "yes" else consent_refuse
        row = make(request.user, provider_slug=provider.slug, provider_name=provider.name)
        if answer == "yes":
            consent_connections_resume(request.user, row)
        return Response(PensionConsentSerializer(row).data, status=status.HTTP_201_CREATED)


def _state_pension_body(user) -> dict:
    forecast, spa = selectors.state_pension_get(user)
    return {"weekly_amount": forecast.weekly_amount if forecast else None,
            "qualifying_years": forecast.qualifying_years if forecast else None,
            "forecast_date": forecast.forecast_date if forecast else None,
            "annual_amount": forecast.weekly_amount * WEEKS_A_YEAR if forecast else None,
            "state_pension_age": asdict(spa) if spa else None}


class StatePensionView(APIView):
    """The State Pension forecast the person read on GOV.UK (weekly amount, qualifying years)
    and their State Pension age computed from their date of birth (nulls until entered)."""

    @extend_schema(responses={200: StatePensionReadSerializer})
    def get(self, request):
        return Response(StatePensionReadSerializer(_state_pension_body(request.user)).data)

    @extend_schema(request=StatePensionSerializer, responses={200: StatePensionReadSerializer,
                                                               400: ErrorSerializer})
    def put(self, request):
        body = StatePensionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        born = values.pop("date_of_birth", None)
        if born is None and selectors.date_of_birth(request.user) is None:
            return _error("invalid", "Some fields are not valid.", status.HTTP_400_BAD_REQUEST,
                          {"date_of_birth": ["Give your date of birth: it sets your State Pension age."]})
        if born is not None:
            identity_date_of_birth_set(request.user, born)
        state_pension_set(request.user, **values)
        return Response(StatePensionReadSerializer(_state_pension_body(request.user)).data)


def _projection_response(user) -> Response:
    assumptions = selectors.assumptions_get(user)
    projection = selectors.projection_get(user, assumptions)
    return Response(ProjectionAnswerSerializer({
        "assumptions": vars(assumptions), "assumptions_source": DEFAULTS_SOURCE,
        "projection": vars(projection) if projection else None,
        "missing": [] if projection else ["date_of_birth"]}).data)


class ProjectionView(APIView):
    """What will I retire on: each pot grown to the retirement age, DB incomes as stated and
    the State Pension, as a year's income in today's money. PATCH changes the assumptions."""

    @extend_schema(responses={200: ProjectionAnswerSerializer})
    def get(self, request):
        return _projection_response(request.user)

    @extend_schema(request=RetirementAssumptionsUpdateSerializer, responses={200: ProjectionAnswerSerializer,
                                                                              400: ErrorSerializer})
    def patch(self, request):
        body = RetirementAssumptionsUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        current = vars(selectors.assumptions_get(request.user))
        assumptions_set(request.user, **{**current, **body.validated_data})
        return _projection_response(request.user)


__all__ = ["ConsentView", "PensionConnectView", "PensionConnectionViewSet", "PensionViewSet",
           "ProjectionView", "StatePensionView"]
