"""The capital gains report as plain data: JSON-ready dicts (the API), CSV rows (the download)
and text lines (the management command). One place decides how each figure is written, so the
page, the CSV, the API and the command never disagree.

Money is written to the penny (the exact figure rounded once, half to even); quantities as the
platform sent them (up to 10 decimals)."""

from __future__ import annotations

from decimal import Decimal

from .cgt import Disposal, MatchLine
from .reports import CgtReport, pence

QUANTUM = Decimal("1e-10")


def qty(value: Decimal) -> str:
    text = format(value.quantize(QUANTUM).normalize(), "f")
    return "0" if text in ("-0", "") else text


def money(value: Decimal | None) -> str:
    return "" if value is None else format(pence(value), "f")


def match_text(line: MatchLine) -> str:
    if line.rule == "same day":
        return f"same day ({line.acquired_on.isoformat()})"
    if line.rule == "30 days":
        return f"30 days: acquired {line.acquired_on.isoformat()}"
    return f"section 104 pool: {qty(line.quantity)} of {qty(line.pool_quantity)} costing £{money(line.pool_cost)}"


def match_dict(line: MatchLine) -> dict:
    return {"rule": line.rule, "quantity": qty(line.quantity), "cost": money(line.cost),
            "acquired_on": line.acquired_on.isoformat() if line.acquired_on else None,
            "acquisitions": list(line.references),
            "pool_quantity_before": qty(line.pool_quantity) if line.pool_quantity is not None else None,
            "pool_cost_before": money(line.pool_cost)}


def disposal_dict(disposal: Disposal) -> dict:
    return {"date": disposal.day.isoformat(), "security": disposal.label, "security_id": disposal.security,
            "quantity": qty(disposal.quantity), "gross_proceeds": money(disposal.gross_proceeds),
            "costs_of_sale": money(disposal.costs), "net_proceeds": money(disposal.proceeds),
            "allowable_cost": money(disposal.allowable_cost), "gain": money(disposal.gain),
            "transactions": list(disposal.references), "accounts": list(disposal.accounts),
            "conversions": list(disposal.notes), "matches": [match_dict(line) for line in disposal.matches]}


def report_dict(report: CgtReport) -> dict:
    totals = report.totals
    aea = totals.annual_exempt_amount
    return {
        "tax_year": report.tax_year.label, "starts": report.tax_year.start.isoformat(),
        "ends": report.tax_year.end.isoformat(), "currency": "GBP", "complete": report.complete,
        "pooling": report.pooling_note, "accounts": report.accounts,
        "excluded_accounts": [{"name": e.name, "wrapper": e.wrapper, "reason": e.reason}
                              for e in report.excluded_accounts],
        "problems": [{"security": p.label, "date": p.day.isoformat() if p.day else None, "message": p.message,
                      "fatal": p.fatal} for p in report.problems],
        "totals": {
            "disposals": totals.disposals, "proceeds": money(totals.proceeds),
            "allowable_costs": money(totals.allowable_costs), "gains": money(totals.gains),
            "losses": money(totals.losses), "net_gain": money(totals.net),
            "annual_exempt_amount": money(aea.amount), "annual_exempt_amount_known": aea.known,
            "annual_exempt_amount_source": aea.source, "taxable_gain": money(totals.taxable),
            "net_gain_before_30_october_2024": money(totals.net_before_rate_change),
            "net_gain_from_30_october_2024": money(totals.net_from_rate_change),
            "for_the_return": {key: format(value, "f") for key, value in totals.for_return().items()},
        },
        "disposals": [disposal_dict(d) for d in report.disposals],
    }


CSV_HEADER = ["tax_year", "date", "security", "quantity", "line", "rule", "matched_quantity", "acquired_on",
              "cost", "gross_proceeds", "costs_of_sale", "net_proceeds", "allowable_cost", "gain", "transactions"]


def csv_rows(report: CgtReport):
    """One row per disposal (its totals) then one per match line (how its cost was found)."""
    yield CSV_HEADER
    year = report.tax_year.label
    for d in report.disposals:
        yield [year, d.day.isoformat(), d.label, qty(d.quantity), "disposal", "", "", "", "",
               money(d.gross_proceeds), money(d.costs), money(d.proceeds), money(d.allowable_cost), money(d.gain),
               " ".join(d.references)]
        for line in d.matches:
            yield [year, d.day.isoformat(), d.label, "", "match", line.rule, qty(line.quantity),
                   line.acquired_on.isoformat() if line.acquired_on else "", money(line.cost), "", "", "", "", "",
                   " ".join(line.references)]
    t = report.totals
    yield [year, "", "TOTAL", "", "total", "", "", "", "", money(t.proceeds), "", "", money(t.allowable_costs),
           money(t.net), ""]


def text_lines(report: CgtReport, who: str) -> list[str]:
    t = report.totals
    aea = t.annual_exempt_amount
    lines = [f"UK capital gains, tax year {report.tax_year.label} "
             f"({report.tax_year.start:%-d %B %Y} to {report.tax_year.end:%-d %B %Y}) for {who}",
             report.pooling_note]
    if report.accounts:
        lines.append("Taxable accounts counted: " + ", ".join(report.accounts))
    lines += [f"Left out: {e.name} ({e.wrapper}): {e.reason}" for e in report.excluded_accounts]
    lines += [f"PROBLEM {p.label}: {p.message}" for p in report.problems]
    if not report.complete:
        lines.append("The report is INCOMPLETE: the securities above are not counted.")
    lines.append("")
    for n, d in enumerate(report.disposals, 1):
        lines.append(f"{n}. {d.day.isoformat()} sold {qty(d.quantity)} {d.label}: proceeds £{money(d.gross_proceeds)}"
                     f" less costs of sale £{money(d.costs)} = £{money(d.proceeds)}")
        for line in d.matches:
            lines.append(f"   - {qty(line.quantity)} matched {match_text(line)}: cost £{money(line.cost)}")
        lines += [f"   ({note})" for note in d.notes]
        word = "GAIN" if d.gain >= 0 else "LOSS"
        lines.append(f"   allowable cost £{money(d.allowable_cost)}; {word} £{money(abs(d.gain))}")
    if not report.disposals:
        lines.append("No disposals in taxable accounts this tax year.")
    lines += ["", f"Disposals {t.disposals}; proceeds £{money(t.proceeds)}; allowable costs £{money(t.allowable_costs)}",
              f"Gains £{money(t.gains)}; losses £{money(t.losses)}; net £{money(t.net)}",
              f"Annual exempt amount £{money(aea.amount)}{'' if aea.known else ' (not yet set: last known figure)'}; "
              f"taxable gain £{money(t.taxable)} (before any losses brought forward)"]
    if t.net_before_rate_change is not None:
        lines.append(f"Net gains before 30 October 2024 £{money(t.net_before_rate_change)}; "
                     f"from 30 October 2024 £{money(t.net_from_rate_change)} (the rates rose that day)")
    ret = t.for_return()
    lines.append(f"For the return (whole pounds): proceeds £{ret['proceeds']}, costs £{ret['allowable_costs']}, "
                 f"gains £{ret['gains']}, losses £{ret['losses']}")
    return lines
