from rest_framework.throttling import UserRateThrottle


class ConnectionCreateThrottle(UserRateThrottle):
    scope = "connection_create"


class SyncRequestThrottle(UserRateThrottle):
    scope = "sync_request"


class StatementImportThrottle(UserRateThrottle):
    scope = "statement_import"
