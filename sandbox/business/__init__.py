"""The sandbox business: one sole trader per login, shared by the mock processors, books and bank."""
