"""The only code in this app that writes: categorisation, corrections, rules, transfers, training,
budgets and recurring-payment detection."""
