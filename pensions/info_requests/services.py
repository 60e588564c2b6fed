"""Writes for information requests: create (a draft letter), mark sent (the reply is then due),
mark answered, and the daily reminder for overdue replies. Logs carry ids and outcomes only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import PensionInformationRequest, RequestStatus

logger = logging.getLogger(__name__)

# Schemes usually answer within a month (TPR's disclosure regulations allow up to two months for
# some information); four weeks is when a reminder to chase is useful, not a legal deadline.
REPLY_DUE_DAYS = 28
DETAIL_KEYS = ("full_name", "previous_names", "date_of_birth", "ni_number", "current_address",
               "previous_addresses", "employer_name", "employment_start", "employment_end", "email")


@dataclass
class RequestTransitionError(Exception):
    code: str
    message: str


def _details(details: dict) -> dict:
    """Only the known keys, dates as ISO strings (JSON)."""
    out = {}
    for key in DETAIL_KEYS:
        value = details.get(key)
        if isinstance(value, date):
            value = value.isoformat()
        out[key] = value or ""
    return out


def information_request_create(*, user, scheme, details: dict) -> PensionInformationRequest:
    request = PensionInformationRequest.objects.create(user=user, scheme=scheme, person_details=_details(details))
    logger.info("pension information request %s created for scheme %s", request.pk, scheme.register_id)
    return request


def information_request_mark_sent(request: PensionInformationRequest, *, sent_on: date | None = None
                                  ) -> PensionInformationRequest:
    today = timezone.localdate()
    sent_on = sent_on or today
    if request.status == RequestStatus.ANSWERED:
        raise RequestTransitionError("already_answered", "This request has been answered already.")
    if sent_on > today:
        raise RequestTransitionError("sent_in_future", "The date you sent it cannot be in the future.")
    if sent_on < request.created_at.date() - timedelta(days=1):
        raise RequestTransitionError("sent_before_created", "The date you sent it is before the letter was written.")
    request.status = RequestStatus.SENT
    request.sent_on = sent_on
    request.reply_due_on = sent_on + timedelta(days=REPLY_DUE_DAYS)
    request.reminded_at = None
    request.save(update_fields=["status", "sent_on", "reply_due_on", "reminded_at", "updated_at"])
    return request


def information_request_mark_answered(request: PensionInformationRequest, *, answered_on: date | None = None,
                                      notes: str = "") -> PensionInformationRequest:
    answered_on = answered_on or timezone.localdate()
    if request.status == RequestStatus.ANSWERED:
        raise RequestTransitionError("already_answered", "This request has been answered already.")
    if answered_on > timezone.localdate():
        raise RequestTransitionError("answered_in_future", "The reply date cannot be in the future.")
    if request.sent_on and answered_on < request.sent_on:
        raise RequestTransitionError("answered_before_sent", "The reply date cannot be before you sent the letter.")
    request.status = RequestStatus.ANSWERED
    request.answered_on = answered_on
    request.reply_notes = notes
    request.save(update_fields=["status", "answered_on", "reply_notes", "updated_at"])
    return request


def information_request_delete(request: PensionInformationRequest) -> None:
    request.delete()


def information_request_overdue(request: PensionInformationRequest, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return request.status == RequestStatus.SENT and request.reply_due_on is not None and request.reply_due_on < today


def information_requests_remind(today: date | None = None) -> int:
    """Once per overdue request: e-mail its owner (the scheme's name and the due date only, never
    their details) and stamp reminded_at, which the requests page shows as an overdue notice."""
    today = today or timezone.localdate()
    due = (PensionInformationRequest.objects.select_related("scheme", "user")
           .filter(status=RequestStatus.SENT, reply_due_on__lt=today, reminded_at__isnull=True))
    reminded = 0
    for request in due:
        with transaction.atomic():
            locked = (PensionInformationRequest.objects.select_for_update()
                      .filter(pk=request.pk, reminded_at__isnull=True).first())
            if locked is None:
                continue
            if request.user.email:
                link = settings.SITE_URL.rstrip("/") + reverse("web:pension-request", args=[request.pk])
                send_mail(
                    subject=f"No reply yet from {request.scheme.name}",
                    message=(f"You wrote to {request.scheme.name} on {request.sent_on:%d %B %Y} asking about a "
                             f"pension. A reply was due by {request.reply_due_on:%d %B %Y}. It may be worth "
                             f"chasing them, or asking the Pension Tracing Service for their current contact "
                             f"details.\n\n{link}\n"),
                    from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[request.user.email])
            locked.reminded_at = timezone.now()
            locked.save(update_fields=["reminded_at", "updated_at"])
            reminded += 1
            logger.info("pension information request %s reminder sent", request.pk)
    return reminded
