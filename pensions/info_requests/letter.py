"""The letter (and e-mail) a person sends to a scheme: rendered from their decrypted details on
demand, never stored or logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils import timezone

from .models import PensionInformationRequest

DATE_FIELDS = ("date_of_birth", "employment_start", "employment_end")


@dataclass(frozen=True)
class InformationLetter:
    subject: str
    body: str
    to_email: str
    postal_lines: list[str]

    @property
    def mailto(self) -> str:
        if not self.to_email:
            return ""
        return f"mailto:{self.to_email}?subject={quote(self.subject)}&body={quote(self.body)}"


def scheme_postal_lines(scheme) -> list[str]:
    address = scheme.postal_address or {}
    keys = ("postalName", "line1", "line2", "line3", "line4", "line5", "postcode")
    return [address[k] for k in keys if address.get(k)]


def information_letter(request: PensionInformationRequest) -> InformationLetter:
    details = dict(request.person_details)
    for key in DATE_FIELDS:  # stored as ISO strings (JSON); the letter writes them out in words
        if details.get(key):
            details[key] = date.fromisoformat(details[key])
    scheme = request.scheme
    subject = f"Request for information about my pension: {details.get('full_name', '')}".strip()
    body = render_to_string("pensions/info_request_letter.txt", {
        "scheme": scheme, "details": details, "postal_lines": scheme_postal_lines(scheme),
        "letter_date": request.sent_on or timezone.localdate(),
    }).strip() + "\n"
    return InformationLetter(subject=subject, body=body, to_email=scheme.email,
                             postal_lines=scheme_postal_lines(scheme))
