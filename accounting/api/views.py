"""The accounting API: the person's books connections, organisations with their chart of
accounts, the category mapping (rows with suggestions; set one; accept the suggestions), where
to push, push (with each item's result) and conflicts to resolve, and invoices and bills.
Thin: a selector finds rows through the person (anyone else's id is a 404), a service acts, bad
input is a 400 with field errors in the API's one format. Connecting is the core's generic
/api/v1/connections/ route."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations_core.api.errors import error_body
from integrations_core.api.serializers import ErrorSerializer
from integrations_core.api.sync_now import sync_now_response
from integrations_core.api.throttles import SyncRequestThrottle
from integrations_core.services.connections import connection_revoke

from .. import selectors
from ..models import BooksConnection, Invoice, Organisation, PushedItem, PushTarget
from ..services.mapping import MappingError, mapping_rows, mapping_set, mapping_suggestions_accept
from ..services.push import PushError, push_run, pushed_item_resolve
from ..services.targets import push_target_set
from .serializers import (
    AcceptedSerializer,
    BooksConnectionSerializer,
    BooksSyncRequestedSerializer,
    InvoiceSerializer,
    LedgerAccountSerializer,
    MappingRowSerializer,
    MappingSetSerializer,
    OrganisationSerializer,
    PushedItemSerializer,
    PushRequestSerializer,
    PushRunSerializer,
    PushTargetSerializer,
    ResolveSerializer,
)

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}
PUSH_ERROR_STATUS = {"no_target": 409, "inactive": 409, "busy": 409, "not_supported": 409,
                     "not_a_conflict": 409, "bad_choice": 400}


def _invalid(errors) -> Response:
    return Response(error_body("invalid", "Check the highlighted fields.", errors), status=status.HTTP_400_BAD_REQUEST)


def _push_error(exc: PushError) -> Response:
    return Response(error_body(exc.code, str(exc)), status=PUSH_ERROR_STATUS.get(exc.code, 409))


class BooksConnectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                             viewsets.GenericViewSet):
    """The person's books connections. DELETE disconnects (Xero: every tenant removed from the
    app and the refresh token revoked; the books read so far stay)."""

    serializer_class = BooksConnectionSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BooksConnection.objects.none()
        return selectors.books_connections(self.request.user)

    def get_throttles(self):
        return [SyncRequestThrottle()] if self.action == "sync" else super().get_throttles()

    def destroy(self, request, pk=None):
        connection_revoke(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: BooksSyncRequestedSerializer, 409: ErrorSerializer, 503: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        return sync_now_response(request, self.get_object(), body=lambda run: {"run": run.pk, "outcome": run.outcome})


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """The organisations (Xero tenants, QuickBooks realms) the person's consents reach."""

    serializer_class = OrganisationSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        return selectors.organisations(self.request.user)

    def get_object(self):
        return selectors.organisation_get(self.request.user, self.kwargs["pk"])

    @extend_schema(responses={200: LedgerAccountSerializer(many=True), 404: ErrorSerializer})
    @action(detail=True, methods=["get"], url_path="ledger-accounts")
    def ledger_accounts(self, request, pk=None):
        return Response(LedgerAccountSerializer(selectors.ledger_accounts(self.get_object()), many=True).data)

    @extend_schema(methods=["GET"], request=None, responses={200: MappingRowSerializer(many=True), 404: ErrorSerializer})
    @extend_schema(methods=["PUT"], request=MappingSetSerializer,
                   responses={200: MappingRowSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get", "put"])
    def mapping(self, request, pk=None):
        """GET: every category with its ledger account and a suggestion. PUT: map one
        category ({category, ledger_account}; null removes it), answering the rows again."""
        organisation = self.get_object()
        if request.method == "PUT":
            body = MappingSetSerializer(data=request.data)
            if not body.is_valid():
                return _invalid(body.errors)
            try:
                mapping_set(organisation, user=request.user, category=body.validated_data["category"],
                            ledger_account_id=body.validated_data["ledger_account"])
            except MappingError as exc:
                return _invalid(exc.errors)
        return Response(MappingRowSerializer(self._rows(organisation), many=True).data)

    def _rows(self, organisation):
        target = PushTarget.objects.filter(organisation=organisation).first()
        used = selectors.used_categories(self.request.user, target.source_accounts.all() if target else None)
        return mapping_rows(organisation, user=self.request.user, used_categories=used)

    @extend_schema(request=None, responses={200: AcceptedSerializer, 404: ErrorSerializer})
    @action(detail=True, methods=["post"], url_path="mapping/accept-suggestions")
    def accept_suggestions(self, request, pk=None):
        organisation = self.get_object()
        target = PushTarget.objects.filter(organisation=organisation).first()
        used = selectors.used_categories(request.user, target.source_accounts.all() if target else None)
        return Response({"saved": mapping_suggestions_accept(organisation, user=request.user, used_categories=used)})

    @extend_schema(methods=["GET"], request=None, responses={200: PushTargetSerializer, 404: ErrorSerializer})
    @extend_schema(methods=["PUT"], request=PushTargetSerializer, responses={200: PushTargetSerializer, **ERRORS})
    @action(detail=True, methods=["get", "put"], url_path="push-target")
    def push_target(self, request, pk=None):
        """Which of the person's bank accounts are pushed, to which bank account of the books."""
        organisation = self.get_object()
        if request.method == "PUT":
            body = PushTargetSerializer(data=request.data)
            if not body.is_valid():
                return _invalid(body.errors)
            try:
                push_target_set(organisation, user=request.user,
                                books_bank_account_id=body.validated_data["books_bank_account"],
                                source_account_ids=body.validated_data["source_accounts"])
            except MappingError as exc:
                return _invalid(exc.errors)
        target = PushTarget.objects.filter(organisation=organisation).first()
        if target is None:
            return Response(error_body("not_found", "Nothing chosen yet."), status=status.HTTP_404_NOT_FOUND)
        return Response({"books_bank_account": target.books_bank_account_id,
                         "source_accounts": [a.pk for a in target.source_accounts.all()]})

    @extend_schema(methods=["POST"], request=PushRequestSerializer, responses={201: PushRunSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def push(self, request, pk=None):
        """Push now; the answer lists every item's result. A re-push of unchanged items
        answers every item `unchanged` with `provider_writes` 0."""
        organisation = self.get_object()
        body = PushRequestSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body.errors)
        try:
            run = push_run(organisation, since=body.validated_data.get("since"))
        except PushError as exc:
            return _push_error(exc)
        return Response(PushRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: PushRunSerializer(many=True), 404: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def pushes(self, request, pk=None):
        return Response(PushRunSerializer(selectors.push_runs(self.get_object())[:20], many=True).data)


class PushedItemViewSet(viewsets.ReadOnlyModelViewSet):
    """What was pushed, per item; `?status=conflict` lists the conflicts to resolve."""

    serializer_class = PushedItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PushedItem.objects.none()
        return selectors.pushed_items(self.request.user, status=self.request.query_params.get("status") or None)

    def get_object(self):
        return selectors.pushed_item_get(self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=[OpenApiParameter("status", str, description="created | updated | unchanged | "
                                                "conflict | skipped | failed")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ResolveSerializer, responses={200: PushedItemSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Settle a conflict: "theirs" keeps the books' edit, "ours" pushes ours over it; the next
        push applies it."""
        item = self.get_object()
        body = ResolveSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body.errors)
        try:
            item = pushed_item_resolve(item, choice=body.validated_data["choice"])
        except PushError as exc:
            return _push_error(exc)

        return Response(PushedItemSerializer(item).data)


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Sales invoices and bills with their payments; `?kind=invoice|bill`, `?outstanding=true`."""

    serializer_class = InvoiceSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invoice.objects.none()
        params = self.request.query_params
        kind = params.get("kind") if params.get("kind") in ("invoice", "bill") else None
        return selectors.invoices(self.request.user, kind=kind, outstanding=params.get("outstanding") == "true")

    @extend_schema(parameters=[OpenApiParameter("kind", str, enum=["invoice", "bill"]),
                               OpenApiParameter("outstanding", bool)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
