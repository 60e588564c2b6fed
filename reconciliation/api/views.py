"""The reconciliation API: matches with both sides, the unmatched items of each side with their
suggestions, confirm / reject / unmatch, pairing two items by hand, running the engine, and the
business dashboard's figures. Thin: parse, call a selector or service, serialise. Everything is
found through the person (another person's match is a 404); bad input is a 400 with field
errors, an action the match's state refuses a 409 with field errors."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.errors import error_body
from integrations_core.api.serializers import ErrorSerializer

from .. import selectors
from ..models import ReconMatch
from ..services import actions
from ..services.dashboard import business_summary
from ..services.engine import reconciliation_run
from ..services.items import ItemSourceFailed, items_collect, lookback_period
from .serializers import (
    BusinessSummarySerializer,
    ReconMatchCreateSerializer,
    ReconMatchListQuerySerializer,
    ReconMatchSerializer,
    ReconRunSerializer,
    ReconUnmatchedSerializer,
    SummaryQuerySerializer,
)

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer, 503: ErrorSerializer}


def _refused(exc: actions.ActionRefused) -> Response:
    http = status.HTTP_400_BAD_REQUEST if exc.code == "invalid" else status.HTTP_409_CONFLICT
    return Response(error_body(exc.code, exc.message, exc.fields), status=http)


def _unavailable() -> Response:
    return Response(error_body("source_unavailable", "Some of your data could not be read just now; try again."),
                    status=status.HTTP_503_SERVICE_UNAVAILABLE)


class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The person's matches (suggested, matched, confirmed, rejected), each with both items as
    they were matched and as they are now."""

    serializer_class = ReconMatchSerializer
    filterset_fields: list[str] = []
    ordering_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReconMatch.objects.none()
        query = ReconMatchListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.match_list(self.request.user, status=query.validated_data.get("status"))

    def get_object(self):
        return selectors.match_get(self.request.user, self.kwargs["pk"])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.user.is_authenticated:
            context["items"] = items_collect(self.request.user, lookback_period(timezone.localdate()))
        return context

    @extend_schema(summary="The person's matches", parameters=[ReconMatchListQuerySerializer],
                   responses={200: ReconMatchSerializer(many=True), 400: ErrorSerializer})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Pair two items by hand (confirmed, locked)", request=ReconMatchCreateSerializer,
                   responses={201: ReconMatchSerializer, **ERRORS})
    def create(self, request):
        body = ReconMatchCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            match = actions.match_create(request.user, **body.validated_data)
        except actions.ActionRefused as exc:
            return _refused(exc)
        return Response(ReconMatchSerializer(match, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def _act(self, request, fn):
        match = self.get_object()
        try:
            fn(request.user, match)
        except actions.ActionRefused as exc:
            return _refused(exc)
        except ItemSourceFailed:
            return _unavailable()
        found = ReconMatch.objects.filter(pk=match.pk).first()
        if found is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ReconMatchSerializer(found, context=self.get_serializer_context()).data)

    @extend_schema(summary="Confirm a match: it is locked (re-runs never change it)", request=None,
                   responses={200: ReconMatchSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._act(request, actions.match_confirm)

    @extend_schema(summary="Reject a match: the pair is never suggested again", request=None,
                   responses={200: ReconMatchSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(request, actions.match_reject)

    @extend_schema(summary="Unmatch a confirmed match: its items go back to the engine", request=None,
                   responses={204: None, **ERRORS})
    @action(detail=True, methods=["post"])
    def unmatch(self, request, pk=None):
        return self._act(request, actions.match_unmatch)


class UnmatchedView(APIView):
    @extend_schema(summary="Items no match holds, each side, with their suggestions",
                   responses={200: ReconUnmatchedSerializer, 503: ErrorSerializer})
    def get(self, request):
        try:
            overview = selectors.reconciliation_overview(request.user)
        except ItemSourceFailed:
            return _unavailable()
        items = {u.item.key: u.item for u in (*overview.unmatched_left, *overview.unmatched_right)}
        items.update({k: i for v in overview.suggested for k, i in ((v.match.left_key, v.left),
                                                                    (v.match.right_key, v.right)) if i})

        def side(rows):
            return [{"item": u.item, "suggestions": [v.match for v in u.suggestions]} for u in rows]

        return Response(ReconUnmatchedSerializer({"left": side(overview.unmatched_left),
                                             "right": side(overview.unmatched_right)},
                                            context={"items": items}).data)


class RunView(APIView):
    @extend_schema(summary="Run the matching now", request=None, responses={200: ReconRunSerializer, 503: ErrorSerializer})
    def post(self, request):
        try:
            run = reconciliation_run(request.user, trigger="manual")
        except ItemSourceFailed:
            return _unavailable()
        return Response(ReconRunSerializer(run).data)


class BusinessSummaryView(APIView):
    @extend_schema(summary="Income by source, fees, refunds, disputes and outstanding invoices",
                   parameters=[OpenApiParameter("since", str, description="YYYY-MM-DD"),
                               OpenApiParameter("until", str, description="YYYY-MM-DD")],
                   responses={200: BusinessSummarySerializer, 400: ErrorSerializer})
    def get(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        until = query.validated_data.get("until") or today
        since = query.validated_data.get("since") or until - timedelta(days=365)
        return Response(BusinessSummarySerializer(business_summary(request.user, since=since, until=until,
                                                                   today=today)).data)
