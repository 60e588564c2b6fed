"""Investment services that compute over records: pooled book cost, reconciliation."""
