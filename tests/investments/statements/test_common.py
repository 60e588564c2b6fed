"""Every statement importer: samples parse clean, bad files give precise errors, ids are stable,
and nothing raises on hostile input."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations_core.providers.base import AuthType, Capability, Family
from integrations_core.providers.sources import RowError, StatementParser

from .conftest import FORMATS, sample


def test_descriptor_and_protocol(fmt):
    cls, _name, _rows = fmt
    provider = cls()
    assert isinstance(provider, StatementParser)
    assert provider.family == Family.INVESTMENTS and provider.auth_type == AuthType.FILE_UPLOAD
    assert Capability.INVESTMENT_TRANSACTIONS in provider.capabilities
    assert provider.connection_model == "investments.InvestmentConnection"
    assert provider.max_bytes > 0


def test_sample_parses_clean_every_row_mapped(fmt):
    cls, name, rows = fmt
    statement = cls().parse(sample(name), name)
    assert statement.errors == []
    assert statement.rows == rows
    assert statement.transactions, "every sample has transactions"
    assert statement.account.type == "investment"
    for record in statement.transactions:
        assert isinstance(record.amount, Decimal)
        assert record.fees >= 0 and record.taxes >= 0
        if record.type in ("buy", "withdrawal", "fee", "tax"):
            assert record.amount < 0, record
        if record.type in ("sell", "deposit", "interest"):
            assert record.amount > 0, record
        if record.security_external_id:
            assert record.security_external_id in {s.external_id for s in statement.securities}


def test_same_file_same_ids_and_ids_unique(fmt):
    cls, name, _rows = fmt
    first = [t.external_id for t in cls().parse(sample(name), name).transactions]
    second = [t.external_id for t in cls().parse(sample(name), name).transactions]
    assert first == second
    assert len(set(first)) == len(first)


def test_bad_file_gives_precise_errors(fmt):
    cls, name, _rows = fmt
    statement = cls().parse(sample(f"bad/{name}"), name)
    assert statement.errors
    for error in statement.errors:
        assert isinstance(error, RowError) and error.message
        assert error.line >= 1 and error.column


def test_empty_binary_and_oversize_files_are_refused():
    for cls, name, _rows in FORMATS:
        provider = cls()
        for data, words in ((b"", "empty"), (b"%PDF-1.7\x00\x01\x02\x00\xff" * 10, "not a text"),
                            (b"a" * (provider.max_bytes + 1), "limit")):
            statement = provider.parse(data, name)
            assert [e.line for e in statement.errors] == [0]
            assert words in statement.errors[0].message
            assert statement.transactions == []


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=600), which=st.integers(min_value=0, max_value=len(FORMATS) - 1))
def test_parse_never_raises_on_arbitrary_bytes(data, which):
    cls, name, _rows = FORMATS[which]
    statement = cls().parse(data, name)
    assert statement.account.external_id


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list(',"\n\r\t;£()-.0123456789abcdeTZ:/{}[]')), max_size=300),
       which=st.integers(min_value=0, max_value=len(FORMATS) - 1))
def test_parse_never_raises_on_csv_like_text(text, which):
    cls, name, _rows = FORMATS[which]
    header = sample(name).split(b"\n", 8)
    statement = cls().parse(b"\n".join(header[:7]) + b"\n" + text.encode("utf-8"), name)
    assert isinstance(statement.errors, list)
