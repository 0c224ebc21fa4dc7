"""Heroku platform error codes: what `code=H12` or `Error R14 (...)` means and what to do.

The router, the dyno manager and Logplex write a short code into the logs; the explorer shows
the explanation next to it so nobody has to look it up mid-incident. Titles follow Heroku's
"Heroku Error Codes" article (https://devcenter.heroku.com/articles/error-codes); the
explanations are our own one-liners. H = HTTP/router, R = runtime, L = logging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CODES", "CODE_RE", "DOCS_URL", "ErrorCode", "find_code"]

DOCS_URL = "https://devcenter.heroku.com/articles/error-codes"


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One documented code; `kind` is derived from the letter (router, runtime or logging)."""

    code: str
    title: str
    explanation: str

    @property
    def kind(self) -> str:
        return {"H": "router", "R": "runtime", "L": "logging"}.get(self.code[:1], "")


_TABLE: tuple[tuple[str, str, str], ...] = (
    # Router (HTTP) errors.
    ("H10", "App crashed",
     "A web dyno crashed or timed out booting; check the app's own log lines before the crash "
     "and the release that introduced it."),
    ("H11", "Backlog too deep",
     "Requests arrive faster than the dynos serve them; add dynos or make slow endpoints "
     "faster."),
    ("H12", "Request timeout",
     "The app took over 30 seconds to answer; move slow work to a background worker and add "
     "timeouts to outbound calls."),
    ("H13", "Connection closed without response",
     "The dyno accepted the connection but closed it without answering; look for a crash or a "
     "killed worker process in the web server."),
    ("H14", "No web dynos running",
     "No web dynos are scaled up; run `heroku ps:scale web=1` and check the Procfile."),
    ("H15", "Idle connection",
     "The dyno sent nothing for 55 seconds on an open connection; send data or keep-alives on "
     "long-lived responses."),
    ("H16", "Redirect to herokuapp.com",
     "No longer in use: the router once reported redirects to herokuapp.com with this code."),
    ("H17", "Poorly formatted HTTP response",
     "The dyno answered with a malformed HTTP response (bad headers or status line); check the "
     "web server and any hand-built responses."),
    ("H18", "Server Request Interrupted",
     "The dyno closed the socket before the request or response was complete; look for "
     "crashes or early closes in the web server."),
    ("H19", "Backend connection timeout",
     "The router could not connect to the dyno within 5 seconds; the dyno is overloaded or "
     "its accept queue is full."),
    ("H20", "App boot timeout",
     "The web process did not bind to $PORT within 75 seconds while requests waited; speed up "
     "boot or bind earlier."),
    ("H21", "Backend connection refused",
     "The dyno refused the router's connection; the web server is not listening on $PORT or "
     "is restarting."),
    ("H22", "Connection limit reached",
     "A dyno hit its limit of concurrent connections; reduce long-lived connections or add "
     "dynos."),
    ("H23", "Endpoint misconfigured",
     "A custom routing endpoint is set up wrong; check the app's routing and proxy "
     "configuration."),
    ("H24", "Forced close",
     "The routing node serving the request shut down or was terminated mid-request; "
     "usually transient, let clients retry."),
    ("H25", "HTTP Restriction",
     "The router blocked an HTTP response it judged too large or risky to parse (e.g. "
     "oversized status line, headers or cookies); send smaller ones."),
    ("H26", "Request Error",
     "The client sent a malformed or unsupported request (e.g. bad Expect header); usually a "
     "client bug, not the app."),
    ("H27", "Client Request Interrupted",
     "The client closed the socket before the request reached the dyno; common on flaky "
     "networks and not a sign of an app problem."),
    ("H28", "Client Connection Idle",
     "The client kept the connection idle too long while sending its request; usually a slow "
     "or stalled client."),
    ("H31", "Misdirected Request",
     "The request reached a router that does not serve this app, usually through stale DNS "
     "at the client or a CDN; check the domain's DNS target."),
    ("H32", "TLS Certificate Mismatch",
     "The TLS name (SNI) the client connected with does not match the request's Host; "
     "check the client, proxy or CDN configuration."),
    ("H80", "Maintenance mode",
     "Maintenance mode is on, so the router serves the maintenance page; turn it off with "
     "`heroku maintenance:off`."),
    ("H81", "Blank app",
     "No code has been deployed to this app yet; push a release."),
    ("H82", "You've used up your dyno hour pool",
     "The account's free/eco dyno hours are exhausted, so dynos are asleep until the pool "
     "resets; upgrade or wait."),
    ("H83", "Planned Service Degradation",
     "Heroku is doing planned maintenance that degrades service; check status.heroku.com and "
     "retry later."),
    ("H99", "Platform error",
     "An internal Heroku router error, not the app's fault; check status.heroku.com and "
     "contact support if it persists."),
    # Runtime (dyno) errors.
    ("R10", "Boot timeout",
     "The web process did not bind to $PORT within 60 seconds of launch; bind to $PORT and "
     "move slow start-up work later."),
    ("R12", "Exit timeout",
     "A process did not exit within 30 seconds of SIGTERM and was killed; handle SIGTERM and "
     "shut down promptly."),
    ("R13", "Attach error",
     "`heroku run` could not attach to the one-off dyno; retry, and check the network "
     "between you and Heroku."),
    ("R14", "Memory quota exceeded",
     "The dyno uses more memory than its quota and is swapping; look for leaks or reduce "
     "workers, or use a larger dyno."),
    ("R15", "Memory quota vastly exceeded",
     "The dyno used far more memory than allowed and was killed; fix the leak or the "
     "concurrency, or use a larger dyno."),
    ("R16", "Detached",
     "The attached `heroku run` session lost its terminal and the process kept running "
     "detached; reconnect or use `run:detached`."),
    ("R17", "Checksum error",
     "The slug's checksum did not match at dyno start; redeploy to build a fresh slug."),
    ("R99", "Platform error",
     "An internal Heroku runtime error, not the app's fault; check status.heroku.com and "
     "contact support if it persists."),
    # Logging (Logplex) errors.
    ("L10", "Drain buffer overflow",
     "A log drain could not keep up and Logplex dropped messages; make the drain faster or "
     "log less."),
    ("L11", "Tail buffer overflow",
     "A `heroku logs --tail` session could not keep up and lines were dropped; filter the "
     "tail or log less."),
    ("L12", "Local buffer overflow",
     "The dyno wrote logs faster than the log router accepts them and lines were dropped; "
     "log less or in bigger lines."),
    ("L13", "Local delivery error",
     "The dyno's log router could not deliver lines to Logplex; usually transient, retry or "
     "contact support if it persists."),
    ("L14", "Certificate validation error",
     "A syslog+TLS drain presented a certificate Logplex could not validate; fix the drain's "
     "certificate chain or hostname."),
    ("L15", "Tail buffer temporarily unavailable",
     "The tail session's buffer was briefly unavailable and lines may be missing; reconnect "
     "the tail."),
)  # fmt: skip

CODES: dict[str, ErrorCode] = {code: ErrorCode(code, title, text) for code, title, text in _TABLE}

# `code=H12` (router logfmt) or `Error R14 (Memory quota exceeded)` / `Error L10 (output
# buffer overflow)` (dyno manager, Logplex, old router format). Group `code` holds the code.
CODE_RE = re.compile(r"(?<![\w.])code=(?P<kv>[HRL]\d\d)\b|\bError (?P<err>[HRL]\d\d)\b")


def find_code(message: str) -> ErrorCode | None:
    """The documented error code mentioned in `message`, or None (also for unknown codes)."""
    if not isinstance(message, str):
        return None
    for m in CODE_RE.finditer(message):
        found = CODES.get(m["kv"] or m["err"])
        if found is not None:
            return found
    return None
