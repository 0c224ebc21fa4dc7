"""The Platform API client: Heroku's `api.heroku.com` and the local router speak the same API.

Layer rule: this package may import the core (`tuilogs.core.record`, `buffer`, `sources`, ...) and
httpx, never textual, `tuilogs.ui` or `tuilogs.server`. One client serves both backends; see
docs/backends.md for how the backend is chosen.
"""

from __future__ import annotations

from tuilogs.core.drain_urls import mask_url, validate_drain_url

from .client import PlatformClient, PlatformError
from .credentials import Backend, resolve_backend

__all__ = [
    "Backend",
    "PlatformClient",
    "PlatformError",
    "mask_url",
    "resolve_backend",
    "validate_drain_url",
]
