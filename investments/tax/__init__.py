"""What do I owe HMRC: the UK capital gains report (share identification, `cgt.py`) and the
dividend and interest income report, per tax year (`rules.py`), for taxable accounts only.
See docs/tax-reports.md for the rules implemented and the cases not handled."""
