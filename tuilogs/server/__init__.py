"""`tuilogs serve`: the local Logplex (drain ingest, SQLite store, Platform API, forwarding).

Entry points for the CLI: `main.serve`, `main.start_in_thread`, `main.discover`,
`auth.load_or_create_token`, `ingest_local.run_ingest`.
"""
