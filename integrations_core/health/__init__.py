"""Integration health: per connection and per provider, the health score, the operators' page,
the person's API, /healthz, /readyz and the Prometheus endpoint (docs/health.md)."""
