"""Connect flows (docs/design/family-agnostic-core.md, step 8): how a person links a provider,
one registry entry per `AuthType` in settings.CONNECT_FLOWS. The core asks `flow_for(provider)`;
it never branches on the auth type itself."""
