from .register import admin as register_admin  # noqa: F401  (registers the register and request admins)
