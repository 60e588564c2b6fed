"""Mock Xero: identity (login.xero.com authorize, identity.xero.com token and revocation),
GET/DELETE /connections and the Accounting API 2.0, speaking Xero's JSON, from the business
persona (sandbox/business/persona.py). Its own app (label sandbox_xero) so its tables and
migrations stay apart from the other mocks'."""
