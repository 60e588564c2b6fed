"""The web app keeps no tables of its own: manual accounts became bank accounts under a
per-person `manual` connection (open_banking/services/manual.py, migration 0002)."""
