from __future__ import annotations

from pathlib import Path

import pytest

from investments.providers.activities.provider import ActivitiesProvider
from investments.providers.ajbell.provider import AjBellProvider
from investments.providers.freetrade.provider import FreetradeProvider
from investments.providers.hargreaves_lansdown.provider import HargreavesLansdownProvider
from investments.providers.investengine.provider import InvestEngineProvider
from investments.providers.trading212_csv.provider import Trading212CsvProvider
from investments.providers.vanguard_uk.provider import VanguardUkProvider

SAMPLES = Path(__file__).resolve().parents[3] / "sandbox" / "statements"

# provider class, sample file, rows in it
FORMATS = [
    (Trading212CsvProvider, "trading212.csv", 12),
    (VanguardUkProvider, "vanguard_uk.csv", 14),
    (HargreavesLansdownProvider, "hargreaves_lansdown.csv", 6),
    (AjBellProvider, "ajbell.csv", 9),
    (FreetradeProvider, "freetrade.csv", 9),
    (InvestEngineProvider, "investengine.csv", 4),
    (ActivitiesProvider, "activities.csv", 10),
    (ActivitiesProvider, "activities.json", 4),
]


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture(params=FORMATS, ids=[f[1] for f in FORMATS])
def fmt(request):
    return request.param
