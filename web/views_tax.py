"""The tax pages under the portfolio: the capital gains report for a tax year (every disposal's
computation line by line, a CSV download, a print stylesheet) and the dividend and interest
report. Thin: the figures come from investments.tax, the same code as the API and the command.
Only the person's own trades are ever read."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from investments.tax.export import csv_rows
from investments.tax.rules import PSA_SOURCE, TaxYear, TaxYearError
from investments.tax.selectors import cgt_report_for_user, income_report_for_user, tax_years_with_activity

YEARS_OFFERED = 6


def _year(request) -> tuple[TaxYear | None, str]:
    text = request.GET.get("tax_year", "").strip()
    if not text:
        return TaxYear.of(timezone.localdate()), ""
    try:
        return TaxYear.parse(text), ""
    except TaxYearError as exc:
        return None, str(exc)


def _year_choices(request, chosen: TaxYear | None) -> list[TaxYear]:
    current = TaxYear.of(timezone.localdate())
    years = {TaxYear(current.start_year - n) for n in range(YEARS_OFFERED)} | set(tax_years_with_activity(request.user))
    if chosen is not None:
        years.add(chosen)
    return sorted(years, reverse=True)


def _bad_year(request, template: str, problem: str) -> HttpResponse:
    return render(request, template, {"problem": problem, "years": _year_choices(request, None)}, status=400)


@login_required
@require_GET
def cgt_report_page(request):
    year, problem = _year(request)
    if year is None:
        return _bad_year(request, "web/portfolio/cgt.html", problem)
    report = cgt_report_for_user(request.user, year)
    return render(request, "web/portfolio/cgt.html", {"report": report, "year": year,
                                                       "years": _year_choices(request, year)})


@login_required
@require_GET
def cgt_report_csv(request):
    year, problem = _year(request)
    if year is None:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    report = cgt_report_for_user(request.user, year)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="capital-gains-{year.label}.csv"'
    csv.writer(response).writerows(csv_rows(report))
    return response


@login_required
@require_GET
def income_report_page(request):
    year, problem = _year(request)
    if year is None:
        return _bad_year(request, "web/portfolio/income.html", problem)
    report = income_report_for_user(request.user, year)
    return render(request, "web/portfolio/income.html", {"report": report, "year": year, "psa_source": PSA_SOURCE,
                                                          "years": _year_choices(request, year)})
