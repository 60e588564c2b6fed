"""Reading the register: find_pensions (fuzzy search by employer, scheme or brand name) and the
single-scheme lookup. On PostgreSQL a pg_trgm index on search_text narrows the candidates first
(migration 0001_register); rapidfuzz then scores every name of each candidate and says which one
matched. SQLite has no trigram index, so there every active scheme is a candidate."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.shortcuts import get_object_or_404
from rapidfuzz import fuzz

from .models import PensionScheme
from .names import name_normalise

# The government's Pension Tracing Service: free, covers the TPR register we only sample.
TRACING_SERVICE_URL = "https://www.gov.uk/find-pension-contact-details"
MATCH_THRESHOLD = 80  # of 100: below this a result is more likely noise than the scheme
TRIGRAM_THRESHOLD = 0.25  # word_similarity; loose on purpose, rapidfuzz decides
MAX_CANDIDATES = 300
# A scheme's own name is the strongest evidence, an employer who used it a little weaker (many
# employers share a master trust), its administrator weaker still.
FIELD_WEIGHT = {"name": 1.0, "former_name": 0.99, "brand": 0.98, "employer": 0.97, "administrator": 0.9}
FIELD_LABEL = {"name": "scheme name", "former_name": "former name", "brand": "absorbed brand",
               "employer": "employer", "administrator": "administrator"}


@dataclass(frozen=True)
class SchemeMatch:
    scheme: PensionScheme
    score: int
    matched_field: str  # a FIELD_WEIGHT key
    matched_name: str

    @property
    def why(self) -> str:
        return f"{FIELD_LABEL[self.matched_field]} “{self.matched_name}” matched ({self.score}%)"


@dataclass
class PensionSearch:
    query: str
    matches: list[SchemeMatch] = field(default_factory=list)
    tracing_service_url: str = TRACING_SERVICE_URL

    @property
    def found(self) -> bool:
        return bool(self.matches)


def _labels(scheme: PensionScheme):
    yield "name", scheme.name
    for kind, names in (("former_name", scheme.former_names), ("brand", scheme.brands),
                        ("employer", scheme.employers)):
        for name in names:
            yield kind, name
    if scheme.administrator:
        yield "administrator", scheme.administrator


def _score(query: str, name: str) -> float:
    target = name_normalise(name)
    if not target:
        return 0.0
    if query == target:
        return 100.0
    # WRatio mixes whole-string, token-set and partial ratios: typos, word order and a remembered
    # fragment ("telecom" for "British Telecommunications ...") all score. A query much shorter
    # than the name only counts as a fragment of whole words, so "bt" cannot match "abtech".
    score = fuzz.WRatio(query, target)
    if len(query) < 4 and query not in target.split():
        score = min(score, fuzz.ratio(query, target))
    return score


def scheme_candidates(query: str) -> list[PensionScheme]:
    """Schemes worth scoring. PostgreSQL: `query <% search_text` (pg_trgm word similarity), the
    operator the GIN index serves, with this transaction's threshold lowered to TRIGRAM_THRESHOLD
    (the default 0.6 would drop typos); best MAX_CANDIDATES first. Elsewhere: every active scheme."""
    schemes = PensionScheme.objects.filter(active=True)
    if connection.vendor != "postgresql":
        return list(schemes)
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db import transaction
    from django.db.models import BooleanField, F, Func, Value

    # A literal % in SQL is written %% (the driver formats parameters).
    word_similar = Func(Value(query), F("search_text"), template="(%(expressions)s)", arg_joiner=" <%% ",
                        output_field=BooleanField())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(TRIGRAM_THRESHOLD)])
        # PostgreSQL's cost model overprices GIN trigram scans and picks a sequential scan even at
        # 20,000 schemes (bench/pension_finder.py: 257 ms seq scan vs 2 ms through the index);
        # transaction-local, so nothing else is affected.
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
        return list(schemes.filter(word_similar)
                    .annotate(similarity=TrigramWordSimilarity(query, "search_text"))
                    .order_by("-similarity")[:MAX_CANDIDATES])


def find_pensions(query: str, *, limit: int = 10) -> PensionSearch:
    """Schemes whose name, former names, absorbed brands, employers or administrator look like
    `query`, best first, each with the name that matched and its score. Nothing found (or an empty
    query) still answers with the Pension Tracing Service link."""
    normalised = name_normalise(query or "")
    search = PensionSearch(query=query or "")
    if len(normalised) < 2:
        return search
    matches = []
    for scheme in scheme_candidates(normalised):
        best = max(((_score(normalised, name) * FIELD_WEIGHT[kind], kind, name) for kind, name in _labels(scheme)),
                   key=lambda t: t[0])
        if best[0] >= MATCH_THRESHOLD:
            matches.append(SchemeMatch(scheme=scheme, score=round(best[0]), matched_field=best[1],
                                       matched_name=best[2]))
    matches.sort(key=lambda m: (-m.score, FIELD_WEIGHT[m.matched_field] * -1, m.scheme.name))
    search.matches = matches[:limit]
    return search


def scheme_get(register_id: str) -> PensionScheme:
    return get_object_or_404(PensionScheme, register_id=register_id, active=True)


def scheme_list():
    return PensionScheme.objects.filter(active=True).order_by("name")
