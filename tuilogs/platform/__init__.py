"""The Platform API client: Heroku's `api.heroku.com` and the local router speak the same API.

Layer rule: this package may import the core (`tuilogs.core.record`, `buffer`, `ingest`, ...)
and httpx, never textual, `tuilogs.ui` or `tuilogs.server`. One client serves both backends;
see docs/backends.md for how the backend is chosen.

Modules: `errors` (typed failures), `models` (what the API answers), `client` (the calls),
`stream` (reading a log session), `live` (a tail that survives dropped streams, and
`open_app`), `history` (stored history paged in behind it), `credentials` (which backend).
"""
