"""The router's API token: `TUILOGS_TOKEN` when set (never written anywhere), else made on
first start and kept in the config dir with 0600 permissions.

The token guards the Platform API (Bearer), the drain endpoint (Basic auth password, as the
drain URL's userinfo) and the OTLP endpoint (Bearer, or `x-api-key` as Heroku's telemetry drains
send headers). It is never logged; comparisons are constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets

from tuilogs.core import locations as paths


def load_or_create_token() -> str:
    """`TUILOGS_TOKEN`, else the token from the config dir, creating it (0600) the first time."""
    shared = paths.shared_token()
    if shared:
        return shared
    path = paths.token_path()
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = ""
    if token:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return token
    token = secrets.token_urlsafe(32)
    try:
        # O_EXCL: two routers starting at once must agree on one token.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_token()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return token


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison; an empty or missing value never matches."""
    if not given or not token:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


def credentials_from_header(header: str | None) -> tuple[str, str] | None:
    """(scheme, secret) from an Authorization header: Bearer TOKEN, or Basic with TOKEN as password.

    Basic with an empty password takes the username instead, as the Heroku clients that send
    `base64(":" + key)` or `base64(key + ":")` both exist.
    """
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer":
        return "bearer", value
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
        user, _, password = decoded.partition(":")
        return "basic", password or user
    return None


def authorized(header: str | None, token: str) -> bool:
    creds = credentials_from_header(header)
    return creds is not None and token_matches(creds[1], token)


def otlp_authorized(authorization: str | None, api_key: str | None, token: str) -> bool:
    """An OTLP sender's token: `Authorization` as for the API (what `OTEL_EXPORTER_OTLP_HEADERS`
    usually carries), or `x-api-key` (a header `heroku telemetry:add --headers` can set)."""
    return authorized(authorization, token) or token_matches(api_key, token)
