"""A person's request to a pension scheme for information about a pension they may hold, and its
tracking (draft -> sent -> answered, with a reply-due date and a reminder). The person's details
(name, date of birth, NI number, addresses, employment dates) are encrypted at rest, never logged
and never shown in admin; the letter is rendered from them on demand, not stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from integrations_core.fields import EncryptedJSONField
from integrations_core.models import UUIDTimestampedModel


class RequestStatus(models.TextChoices):
    DRAFT = "draft", "Letter ready to send"
    SENT = "sent", "Sent, waiting for a reply"
    ANSWERED = "answered", "Answered"


class PensionInformationRequest(UUIDTimestampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="pension_information_requests")
    scheme = models.ForeignKey("pensions.PensionScheme", on_delete=models.PROTECT, related_name="information_requests")
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    # {"full_name", "previous_names", "date_of_birth", "ni_number", "current_address",
    #  "previous_addresses", "employer_name", "employment_start", "employment_end", "email"}
    person_details = EncryptedJSONField(default=dict)
    sent_on = models.DateField(null=True, blank=True)
    reply_due_on = models.DateField(null=True, blank=True, db_index=True)
    answered_on = models.DateField(null=True, blank=True)
    reply_notes = models.TextField(blank=True)
    # Set once by the daily reminder when the reply is overdue, so a person is reminded once.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Information request to {self.scheme_id} ({self.status})"
