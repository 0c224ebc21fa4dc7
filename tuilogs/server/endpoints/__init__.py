"""The router's HTTP endpoints, one module per resource (routes are listed in `server.app`).

`drain` is Logplex's ingest (`POST /drains/{app}`), `otlp` OpenTelemetry's (`POST /v1/logs`);
`apps`, `log_sessions`, `log_drains` are the Platform API subset; `history` holds the
extensions for stored history. `common` has what they share: the token check, request parsing
that raises `ApiError`, finding an app.
"""
