"""PostgreSQL-only tests. The server and database fixtures (`postgres_server`, `postgres_url`)
live in tests/conftest.py: one definition, one server per session for every directory."""
