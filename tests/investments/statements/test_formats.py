"""Format-specific behaviour: exact values, encodings, tables, ids across files."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from integrations_core.providers.sources import RowError
from investments.providers.activities.provider import ActivitiesProvider
from investments.providers.hargreaves_lansdown.provider import HargreavesLansdownProvider
from investments.providers.trading212_csv.provider import Trading212CsvProvider
from investments.providers.vanguard_uk.provider import VanguardUkProvider
from investments.statements import BadValue, parse_decimal

from .conftest import sample


def _by_id(statement):
    return {t.external_id: t for t in statement.transactions}


def test_trading212_exact_values_fx_withholding_and_split():
    statement = Trading212CsvProvider().parse(sample("trading212.csv"), "t.csv")
    rows = _by_id(statement)
    vusa = rows["EOF1000001"]
    assert (vusa.type, vusa.amount, vusa.quantity, vusa.price, vusa.price_currency) == (
        "buy", Decimal("-1502.50"), Decimal("20"), Decimal("7512.50"), "GBX")
    lloy = rows["EOF1000002"]
    assert lloy.taxes == Decimal("2.26") and lloy.amount == Decimal("-453.26")
    fill = rows["EOF1000003"]
    assert (fill.fees, fill.original_currency, fill.fx_rate) == (Decimal("0.66"), "USD", Decimal("0.7874015748"))
    dividend = next(t for t in statement.transactions if t.type == "dividend")
    assert (dividend.amount, dividend.taxes) == (Decimal("0.81"), Decimal("0.14"))  # 0.18 USD / 1.26
    split = next(t for t in statement.transactions if t.type == "split")
    assert split.quantity == Decimal("9") and split.raw["ratio"] == "10" and split.amount == 0
    assert rows["T212-0003"].amount == Decimal("-100.00")


def test_hargreaves_lansdown_windows_1252_preamble_and_pence_exact():
    data = sample("hargreaves_lansdown.csv")
    assert "£".encode("windows-1252") in data and b"\xc2\xa3" not in data  # really windows-1252
    statement = HargreavesLansdownProvider().parse(data, "hl.csv")
    assert statement.errors == []
    assert statement.account.external_id == "hargreaves_lansdown:7654321"
    assert statement.account.extra == {"wrapper": "ISA"}
    rows = _by_id(statement)
    etf = rows["B302087057"]
    assert etf.price == Decimal("85.121234") and etf.price_currency == "GBP"  # 8,512.1234p
    assert etf.amount == Decimal("-10226.50") and etf.fees == Decimal("11.95")
    sale = rows["S302087055"]
    assert (sale.type, sale.price, sale.amount, sale.fees) == ("sell", Decimal("2.5510"), Decimal("1518.65"),
                                                               Decimal("11.95"))
    assert [t.type for t in statement.transactions] == ["fee", "interest", "sell", "buy", "buy", "deposit"]


def test_vanguard_reads_both_tables_without_double_counting_trades():
    statement = VanguardUkProvider().parse(sample("vanguard_uk.csv"), "v.csv")
    tables = [t.raw["table"] for t in statement.transactions]
    assert tables.count("cash") == 8 and tables.count("investment") == 3
    buys = [t for t in statement.transactions if t.type == "buy"]
    assert [(b.quantity, b.price, b.amount) for b in buys] == [
        (Decimal("30"), Decimal("160.26"), Decimal("-4807.80")), (Decimal("7"), Decimal("34.40"), Decimal("-240.80"))]
    reversal = [t for t in statement.transactions if t.raw.get("reversal")]
    assert len(reversal) == 1 and reversal[0].amount == Decimal("-2.14")
    assert statement.account.extra == {"wrapper": "ISA"}


def test_bad_files_name_line_column_and_problem():
    t212 = Trading212CsvProvider().parse(sample("bad/trading212.csv"), "t.csv")
    assert t212.errors == [
        RowError(3, "Price / share", "'75x2.50' is not a number"),
        RowError(4, "Time", "'2024-13-03 08:02:40' is not a date and time "
                            "(expected yyyy-mm-dd hh:mm:ss or yyyy-mm-ddThh:mm:ssZ)"),
    ]
    vanguard = VanguardUkProvider().parse(sample("bad/vanguard_uk.csv"), "v.csv")
    assert RowError(22, "Quantity", "The header row has no column 'Quantity'") in vanguard.errors
    assert RowError(11, "Amount", "'-2.7.5' is not a number") in vanguard.errors


def test_wrong_header_reports_the_missing_column():
    text = sample("trading212.csv").decode().replace("Total,Currency (Total)", "Sum,Currency (Total)", 1)
    statement = Trading212CsvProvider().parse(text.encode(), "t.csv")
    assert statement.errors == [RowError(1, "Total", "The header row has no column 'Total'")]
    assert statement.transactions == []


def _reordered(data: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode())))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([list(reversed(r)) for r in rows])
    return out.getvalue().encode()


def test_columns_are_found_by_name_when_reordered():
    original = Trading212CsvProvider().parse(sample("trading212.csv"), "t.csv")
    reordered = Trading212CsvProvider().parse(_reordered(sample("trading212.csv")), "t.csv")
    assert reordered.errors == []
    assert [(t.external_id, t.amount, t.quantity) for t in reordered.transactions] == [
        (t.external_id, t.amount, t.quantity) for t in original.transactions]
    generic = ActivitiesProvider().parse(sample("activities.csv"), "a.csv")
    generic_reordered = ActivitiesProvider().parse(_reordered(sample("activities.csv")), "a.csv")
    assert [t.external_id for t in generic_reordered.transactions] == [t.external_id for t in generic.transactions]


def test_overlapping_files_share_ids_and_identical_rows_stay_distinct():
    header = "date,action,ticker,quantity,price,currency,fees\n"
    row_a = "2024-01-03,buy,VUSA,1,7512.50,GBX,0\n"
    row_b = "2024-01-04,buy,VUSA,2,7600.00,GBX,0\n"
    row_c = "2024-01-05,sell,VUSA,1,7700.00,GBX,0\n"
    first = ActivitiesProvider().parse((header + row_a + row_a + row_b).encode(), "a.csv")
    second = ActivitiesProvider().parse((header + row_a + row_a + row_b + row_c).encode(), "b.csv")
    ids_first = [t.external_id for t in first.transactions]
    ids_second = [t.external_id for t in second.transactions]
    assert len(set(ids_first)) == 3  # two identical rows are two trades
    assert ids_second[:3] == ids_first and len(set(ids_second)) == 4


def test_encodings_bom_and_windows_1252():
    text = sample("activities.csv").decode()
    plain = ActivitiesProvider().parse(text.encode(), "a.csv")
    with_bom = ActivitiesProvider().parse(b"\xef\xbb\xbf" + text.encode(), "a.csv")
    cp1252 = ActivitiesProvider().parse(text.replace("Opening transfer", "Opening £ transfer").encode("cp1252"), "a.csv")
    assert with_bom.errors == [] and cp1252.errors == []
    assert [t.external_id for t in with_bom.transactions] == [t.external_id for t in plain.transactions]
    assert cp1252.transactions[0].description == "Opening £ transfer"


def test_activities_json_lines_and_account():
    statement = ActivitiesProvider().parse(sample("bad/activities.json"), "a.json")
    assert RowError(7, "quantity", "'two' is not a number") in statement.errors
    good = ActivitiesProvider().parse(sample("activities.json"), "a.json")
    assert good.account.external_id == "my-sipp-1" and good.account.extra == {"wrapper": "SIPP"}
    assert good.transactions[1].amount == Decimal("-752.75")  # 10 x 75.125 + 1.50
    assert ActivitiesProvider().parse(b"{not json", "a.json").errors[0].message.startswith("The file is not valid JSON")


def test_strict_decimals():
    assert parse_decimal("£1,234.56") == Decimal("1234.56")
    assert parse_decimal("(12.30)") == Decimal("-12.30")
    assert parse_decimal("-£5") == Decimal("-5")
    for bad in ("1.2e3", "NaN", "inf", "1,23.4", "12.3.4", "--1", "£", "(-1)"):
        try:
            parse_decimal(bad)
        except BadValue:
            continue
        raise AssertionError(f"{bad!r} was accepted")
