"""The flow registry: settings.CONNECT_FLOWS maps an auth type to a flow's dotted path, loaded in
IntegrationsCoreConfig.ready(). Adding a way to connect is a settings entry, not an `if`."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from integrations_core.providers.base import Provider

from .base import ConnectFlow


class UnknownFlow(LookupError):
    pass


class FlowRegistry:
    def __init__(self) -> None:
        self._flows: dict[str, ConnectFlow] = {}
        self.load_errors: list[str] = []

    def load(self, mapping: dict[str, str] | None = None) -> None:
        self._flows.clear()
        self.load_errors = []
        for auth_type, path in (mapping if mapping is not None else settings.CONNECT_FLOWS).items():
            try:
                flow = import_string(path)
            except ImportError as exc:
                self.load_errors.append(f"{auth_type}={path}: {exc}")
                continue
            flow = flow() if isinstance(flow, type) else flow
            if not isinstance(flow, ConnectFlow):
                self.load_errors.append(f"{auth_type}={path}: not a ConnectFlow")
                continue
            self._flows[str(auth_type)] = flow

    def register(self, auth_type: str, flow: ConnectFlow) -> None:
        self._flows[str(auth_type)] = flow

    def unregister(self, auth_type: str) -> None:
        self._flows.pop(str(auth_type), None)

    def get(self, auth_type: str) -> ConnectFlow:
        try:
            return self._flows[str(auth_type)]
        except KeyError:
            raise UnknownFlow(str(auth_type)) from None

    def has(self, auth_type: str) -> bool:
        return str(auth_type) in self._flows


flows = FlowRegistry()


def flow_for(provider: Provider) -> ConnectFlow:
    """The flow that connects this provider. Raises UnknownFlow (check integrations.E005)."""
    return flows.get(provider.auth_type)
