"""`tuilogs serve`: the local Logplex (drain ingest, log store, Platform API, forwarding).

Where things are: `run` starts a router (`serve`, `start_in_thread`); `app` lists the routes
of `endpoints/`; `router` holds a running router's state; `store/` is the `LogStore` protocol
and its SQLite implementation; `wire` is every JSON and stream shape the API sends; `hub`
fans new lines out to tails; `forward` delivers to drains; `syslog` listens for syslog;
`maintenance` runs the store's upkeep thread; `auth` holds the token; `settings` what a
router is configured with.
"""
