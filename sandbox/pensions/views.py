"""The sandbox pension data service's two endpoints, in the dashboards shape (see
pensions/dashboards/client.py for the protocol). A find without a consent in force (no
reference, or an `expiresAt` already past on the sandbox clock) is refused with 403, as is a
view without the consent reference; a find whose data lacks the NI number or date of birth
answers no pensions (the sandbox matches on them)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sandbox import clock
from sandbox.faults import with_latency

from . import data


class _Encoder(json.JSONEncoder):
    def default(self, o):
        return str(o) if isinstance(o, Decimal) else super().default(o)


def _json(body: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, encoder=_Encoder)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return _json({"error": code, "message": message}, status)


@csrf_exempt
@require_POST
@with_latency
def find(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "bad_request", "The body is not JSON")
    consent = body.get("consent") or {}
    try:
        expires = datetime.fromisoformat(str(consent.get("expiresAt")))
    except ValueError:
        expires = None
    if not consent.get("consentReference") or expires is None or expires <= clock.now():
        return _error(403, "consent_required", "No consent in force for this find request")
    find_data = body.get("findData") or {}
    if not find_data.get("nino") or not find_data.get("dateOfBirth"):
        return _json({"findRequestId": "", "pensionIdentifiers": []})
    person = data.person_hash(str(find_data["nino"]))
    today = clock.today()
    sticky = str(find_data.get("lastName", "")).lower().endswith("-calculating")
    peis = [{"pei": data.pei_make(key, person, today, sticky=sticky and key == "meridian"),
             "matchType": "POSS" if key == "oldmill" else "DEFN"} for key in data.KEYS]
    return _json({"findRequestId": f"find-{person}-{today:%Y%m%d}", "pensionIdentifiers": peis})


@require_GET
@with_latency
def view(request: HttpRequest, pei: str) -> JsonResponse:
    if not request.headers.get("X-Consent-Reference"):
        return _error(403, "consent_required", "No consent reference")
    arrangement = data.arrangement(pei, clock.today())
    if arrangement is None:
        return _error(404, "not_found", "No such pension identifier")
    return _json({"pensionArrangements": [arrangement]})
