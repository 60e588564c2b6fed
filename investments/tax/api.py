"""The tax reports in the API: /api/v1/investments/tax/cgt/?tax_year=2024 and
/api/v1/investments/tax/income/?tax_year=2024. Money is a string with pence ("329.33"), in GBP.
A bad tax year is a 400 in the API's error format with the field named; the person is always
the one asking (nobody else's trades can be reached)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.serializers import ErrorSerializer

from .export import money, report_dict
from .income import IncomeLine, IncomeReport
from .rules import PSA_SOURCE, TaxYear, TaxYearError
from .selectors import cgt_report_for_user, income_report_for_user

TAX_YEAR = OpenApiParameter("tax_year", str, required=False,
                            description="2024 or 2024-25: the UK tax year from 6 April 2024 to 5 April 2025. "
                                        "Default: the current tax year.")


class TaxYearQuerySerializer(serializers.Serializer):
    tax_year = serializers.CharField(required=False)

    def validate_tax_year(self, value: str) -> TaxYear:
        try:
            return TaxYear.parse(value)
        except TaxYearError as exc:
            raise serializers.ValidationError(str(exc)) from None


class MatchSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=["same day", "30 days", "section 104"])
    quantity = serializers.CharField(help_text="Units matched, in the disposal's units.")
    cost = serializers.CharField(help_text="Allowable cost of those units, GBP.")
    acquired_on = serializers.DateField(allow_null=True)
    acquisitions = serializers.ListField(child=serializers.CharField(), help_text="Transaction ids matched.")
    pool_quantity_before = serializers.CharField(allow_null=True)
    pool_cost_before = serializers.CharField(allow_blank=True)


class DisposalSerializer(serializers.Serializer):
    date = serializers.DateField()
    security = serializers.CharField()
    security_id = serializers.CharField()
    quantity = serializers.CharField()
    gross_proceeds = serializers.CharField()
    costs_of_sale = serializers.CharField()
    net_proceeds = serializers.CharField()
    allowable_cost = serializers.CharField()
    gain = serializers.CharField(help_text="Negative: a loss.")
    transactions = serializers.ListField(child=serializers.CharField())
    accounts = serializers.ListField(child=serializers.CharField())
    conversions = serializers.ListField(child=serializers.CharField(), help_text="FX rates used, if any.")
    matches = MatchSerializer(many=True)


class ForReturnSerializer(serializers.Serializer):
    proceeds = serializers.CharField()
    allowable_costs = serializers.CharField()
    gains = serializers.CharField()
    losses = serializers.CharField()


class CgtTotalsSerializer(serializers.Serializer):
    disposals = serializers.IntegerField()
    proceeds = serializers.CharField()
    allowable_costs = serializers.CharField()
    gains = serializers.CharField()
    losses = serializers.CharField()
    net_gain = serializers.CharField()
    annual_exempt_amount = serializers.CharField()
    annual_exempt_amount_known = serializers.BooleanField()
    annual_exempt_amount_source = serializers.CharField()
    taxable_gain = serializers.CharField()
    net_gain_before_30_october_2024 = serializers.CharField(allow_blank=True)
    net_gain_from_30_october_2024 = serializers.CharField(allow_blank=True)
    for_the_return = ForReturnSerializer(help_text="Whole pounds, rounded in the person's favour.")


class ExcludedAccountSerializer(serializers.Serializer):
    name = serializers.CharField()
    wrapper = serializers.CharField()
    reason = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    security = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    message = serializers.CharField()
    fatal = serializers.BooleanField()


class CgtReportSerializer(serializers.Serializer):
    tax_year = serializers.CharField()
    starts = serializers.DateField()
    ends = serializers.DateField()
    currency = serializers.CharField()
    complete = serializers.BooleanField(help_text="False: some securities could not be computed (see problems).")
    pooling = serializers.CharField()
    accounts = serializers.ListField(child=serializers.CharField())
    excluded_accounts = ExcludedAccountSerializer(many=True)
    problems = ProblemSerializer(many=True)
    totals = CgtTotalsSerializer()
    disposals = DisposalSerializer(many=True)


class IncomeLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["dividend", "interest"])
    account = serializers.CharField()
    security = serializers.CharField(allow_blank=True)
    payments = serializers.IntegerField()
    gross = serializers.CharField()
    withheld = serializers.CharField()
    net = serializers.CharField()


class IncomeTotalsSerializer(serializers.Serializer):
    gross = serializers.CharField()
    withheld = serializers.CharField()
    net = serializers.CharField()


class IncomeReportSerializer(serializers.Serializer):
    tax_year = serializers.CharField()
    currency = serializers.CharField()
    dividends = IncomeLineSerializer(many=True)
    interest = IncomeLineSerializer(many=True)
    dividend_totals = IncomeTotalsSerializer()
    interest_totals = IncomeTotalsSerializer()
    dividend_allowance = serializers.CharField(allow_blank=True)
    dividend_allowance_source = serializers.CharField()
    dividends_over_allowance = serializers.CharField()
    personal_savings_allowance = serializers.DictField(child=serializers.CharField(), allow_null=True)
    personal_savings_allowance_source = serializers.CharField()
    exempt = IncomeLineSerializer(many=True, help_text="Income in ISAs/SIPPs: exempt, not for the return.")
    excluded_accounts = ExcludedAccountSerializer(many=True)
    problems = serializers.ListField(child=serializers.CharField())


def _line(line: IncomeLine) -> dict:
    return {"kind": line.kind, "account": line.account, "security": line.security, "payments": line.payments,
            "gross": money(line.gross), "withheld": money(line.withheld), "net": money(line.net)}


def income_dict(report: IncomeReport) -> dict:
    totals = lambda t: {"gross": money(t.gross), "withheld": money(t.withheld), "net": money(t.net)}  # noqa: E731
    psa = report.personal_savings_allowance
    return {
        "tax_year": report.tax_year.label, "currency": "GBP", "dividends": [_line(x) for x in report.dividends],
        "interest": [_line(x) for x in report.interest], "dividend_totals": totals(report.dividend_totals),
        "interest_totals": totals(report.interest_totals), "dividend_allowance": money(report.dividend_allowance.amount),
        "dividend_allowance_source": report.dividend_allowance.source,
        "dividends_over_allowance": money(report.dividends_over_allowance),
        "personal_savings_allowance": None if psa is None else {k: money(v) for k, v in psa.items()},
        "personal_savings_allowance_source": PSA_SOURCE, "exempt": [_line(x) for x in report.exempt],
        "excluded_accounts": [{"name": e.name, "wrapper": e.wrapper, "reason": e.reason} for e in report.excluded],
        "problems": report.problems,
    }


def _tax_year(request) -> TaxYear:
    query = TaxYearQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("tax_year") or TaxYear.of(timezone.localdate())


class CgtReportView(APIView):
    """The UK capital gains report for one tax year: every disposal in the person's taxable
    accounts, matched same day, 30 days, then Section 104 pool, line by line."""

    @extend_schema(parameters=[TAX_YEAR], responses={200: CgtReportSerializer, 400: ErrorSerializer})
    def get(self, request):
        return Response(report_dict(cgt_report_for_user(request.user, _tax_year(request))))


class IncomeReportView(APIView):
    """Dividends and interest in the person's taxable accounts for one tax year."""

    @extend_schema(parameters=[TAX_YEAR], responses={200: IncomeReportSerializer, 400: ErrorSerializer})
    def get(self, request):
        return Response(income_dict(income_report_for_user(request.user, _tax_year(request))))
