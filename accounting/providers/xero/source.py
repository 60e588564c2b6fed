"""The Xero source bound to one connection (filled in by the Xero provider work)."""


class XeroSource:
    def __init__(self, client, connection):
        self.client = client
        self.connection = connection
        self.calls = 0
