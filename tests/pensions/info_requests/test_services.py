"""Tracking a request: draft -> sent (reply due 4 weeks later) -> answered, and the daily reminder."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core import mail

from pensions.info_requests.letter import information_letter
from pensions.info_requests.models import PensionInformationRequest, RequestStatus
from pensions.info_requests.services import (
    RequestTransitionError,
    information_request_create,
    information_request_mark_answered,
    information_request_mark_sent,
    information_request_overdue,
    information_requests_remind,
)
from pensions.models import PensionScheme

DETAILS = {"full_name": "Ada Lovelace", "previous_names": "Ada Byron", "date_of_birth": date(1980, 2, 29),
           "ni_number": "AB123456C", "current_address": "1 High Street, Leeds LS1 1AA",
           "previous_addresses": "2 Low Road, York YO1 1AA", "employer_name": "Wm Morrison Supermarkets plc",
           "employment_start": date(2001, 4, 6), "employment_end": date(2009, 4, 5), "email": "ada@example.com"}


@pytest.fixture
def request_draft(register, user):
    with time_machine.travel("2026-03-01 10:00 +00:00", tick=False):
        return information_request_create(user=user, scheme=PensionScheme.objects.get(register_id="now-pensions"),
                                          details=DETAILS)


def test_letter_carries_the_persons_details_and_the_schemes_address(request_draft):
    letter = information_letter(request_draft)
    for text in ("Ada Lovelace", "Ada Byron", "29 February 1980", "AB123456C", "1 High Street, Leeds LS1 1AA",
                 "Wm Morrison Supermarkets plc", "6 April 2001", "5 April 2009", "NOW: Pensions Trust",
                 "Maclaren House", "M32 0FP"):
        assert text in letter.body, text
    assert letter.to_email == "membersupport@nowpensions.com"
    assert letter.mailto.startswith("mailto:membersupport@nowpensions.com?subject=")
    assert "AB123456C" in letter.mailto  # the e-mail version carries the same body


def test_details_are_encrypted_at_rest(request_draft):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT person_details FROM pensions_pensioninformationrequest")
        (raw,) = cursor.fetchone()
    assert b"AB123456C" not in bytes(raw) and b"Lovelace" not in bytes(raw)
    assert PensionInformationRequest.objects.get().person_details["ni_number"] == "AB123456C"


@time_machine.travel("2026-03-31 12:00 +01:00", tick=False)  # BST has started: 31 March in London
def test_marking_sent_sets_the_reply_due_four_weeks_later(request_draft):
    request = information_request_mark_sent(request_draft)
    assert request.status == RequestStatus.SENT
    assert request.sent_on == date(2026, 3, 31) and request.reply_due_on == date(2026, 4, 28)


@time_machine.travel("2026-03-10 12:00 +00:00", tick=False)
def test_sent_dates_in_the_future_or_after_answering_are_refused(request_draft):
    with pytest.raises(RequestTransitionError) as caught:
        information_request_mark_sent(request_draft, sent_on=date(2026, 3, 11))
    assert caught.value.code == "sent_in_future"
    information_request_mark_sent(request_draft, sent_on=date(2026, 3, 2))
    with pytest.raises(RequestTransitionError) as caught:
        information_request_mark_answered(request_draft, answered_on=date(2026, 3, 1))
    assert caught.value.code == "answered_before_sent"
    information_request_mark_answered(request_draft, answered_on=date(2026, 3, 9), notes="Pot worth £1,234")
    with pytest.raises(RequestTransitionError) as caught:
        information_request_mark_sent(request_draft)
    assert caught.value.code == "already_answered"


def test_reminder_is_sent_once_when_the_reply_is_overdue(request_draft, user):
    with time_machine.travel("2026-03-02 09:00 +00:00", tick=False):
        information_request_mark_sent(request_draft)  # reply due 30 March
    with time_machine.travel("2026-03-30 23:30 +01:00", tick=False):  # still the due day in London
        assert not information_request_overdue(request_draft)
        assert information_requests_remind() == 0
    with time_machine.travel("2026-03-31 08:00 +01:00", tick=False):
        assert information_request_overdue(request_draft)
        assert information_requests_remind() == 1
        assert information_requests_remind() == 0  # once only
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email] and "NOW: Pensions Trust" in message.subject
    assert "AB123456C" not in message.body and "Lovelace" not in message.body  # no personal details by e-mail
    request_draft.refresh_from_db()
    assert request_draft.reminded_at is not None


def test_answered_requests_are_never_reminded(request_draft):
    with time_machine.travel("2026-03-02 09:00 +00:00", tick=False):
        information_request_mark_sent(request_draft)
        information_request_mark_answered(request_draft)
    with time_machine.travel("2026-06-01 09:00 +01:00", tick=False):
        assert information_requests_remind() == 0


def test_the_reminder_task_runs_the_service(request_draft):
    from pensions.info_requests.tasks import information_requests_remind_task

    with time_machine.travel("2026-03-02 09:00 +00:00", tick=False):
        information_request_mark_sent(request_draft)
    with time_machine.travel("2026-04-06 09:00 +01:00", tick=False):  # new tax year, long overdue
        assert information_requests_remind_task.delay().get() == 1
