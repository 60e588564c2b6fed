"""Every query starts from the person: another person's request is never found (a 404)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import PensionInformationRequest


def information_request_list(user):
    return PensionInformationRequest.objects.filter(user=user).select_related("scheme")


def information_request_get(user, pk) -> PensionInformationRequest:
    return get_object_or_404(information_request_list(user), pk=pk)
