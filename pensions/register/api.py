"""API for the register (search, schemes) and the person's information requests. Thin: parse,
call a selector or service, serialise. Requests are found through the person only (404 else)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.errors import error_body
from integrations_core.api.serializers import ErrorSerializer

from ..info_requests import selectors as request_selectors
from ..info_requests.services import (
    RequestTransitionError,
    information_request_create,
    information_request_delete,
    information_request_mark_answered,
    information_request_mark_sent,
)
from . import selectors
from .serializers import (
    InformationRequestCreateSerializer,
    InformationRequestSerializer,
    LetterSerializer,
    MarkAnsweredSerializer,
    MarkSentSerializer,
    SchemeSearchSerializer,
    SchemeSerializer,
)


class SchemeSearchView(APIView):
    """find_pensions: fuzzy search by former employer, scheme or brand name."""

    @extend_schema(parameters=[OpenApiParameter("q", str, required=True,
                                                description="Former employer, scheme or brand name.")],
                   responses={200: SchemeSearchSerializer, 400: ErrorSerializer})
    def get(self, request):
        query = request.query_params.get("q", "").strip()
        if len(query) < 2:
            return Response(error_body("invalid", "Some fields are not valid.",
                                       {"q": ["Type at least two letters of an employer or scheme name."]}),
                            status=status.HTTP_400_BAD_REQUEST)
        search = selectors.find_pensions(query[:200])
        return Response(SchemeSearchSerializer(search).data)


class SchemeViewSet(viewsets.ReadOnlyModelViewSet):
    """The register's schemes, with their public contact details and sources."""

    serializer_class = SchemeSerializer
    lookup_field = "register_id"
    lookup_url_kwarg = "id"
    ordering = ("-created_at",)

    def get_queryset(self):
        return selectors.scheme_list()


class InformationRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                                viewsets.GenericViewSet):
    """A person's requests to schemes: create (the letter is ready), mark sent, mark answered."""

    serializer_class = InformationRequestSerializer
    ordering = ("-created_at",)
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return request_selectors.information_request_list(None).none()
        return request_selectors.information_request_list(self.request.user)

    def _transition(self, func, **kwargs):
        try:
            request = func(self.get_object(), **kwargs)
        except RequestTransitionError as exc:
            return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT)
        return Response(InformationRequestSerializer(request).data)

    @extend_schema(request=InformationRequestCreateSerializer, responses={201: InformationRequestSerializer,
                                                                         400: ErrorSerializer})
    def create(self, request):
        serializer = InformationRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        details = dict(serializer.validated_data)
        scheme = details.pop("scheme")
        created = information_request_create(user=request.user, scheme=scheme, details=details)
        return Response(InformationRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        information_request_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: LetterSerializer})
    @action(detail=True, methods=["get"])
    def letter(self, request, pk=None):
        """The letter and e-mail to send, rendered from the person's details (never stored)."""
        return Response(LetterSerializer.for_request(self.get_object()).data)

    @extend_schema(request=MarkSentSerializer, responses={200: InformationRequestSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def sent(self, request, pk=None):
        serializer = MarkSentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition(information_request_mark_sent, sent_on=serializer.validated_data.get("sent_on"))

    @extend_schema(request=MarkAnsweredSerializer, responses={200: InformationRequestSerializer,
                                                              409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def answered(self, request, pk=None):
        serializer = MarkAnsweredSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition(information_request_mark_answered,
                                answered_on=serializer.validated_data.get("answered_on"),
                                notes=serializer.validated_data.get("notes", ""))


__all__ = ["InformationRequestViewSet", "SchemeSearchView", "SchemeViewSet"]
