"""What the Platform API answers, as the explorer and the command line read it.

Small frozen dataclasses built from the decoded JSON by the client, so callers use attributes
instead of `dict.get` with defaults in every place. Shapes (docs/api.md): a log session
`{id, logplex_url, created_at, updated_at}`, a drain `{id, url, token, addon, app,
created_at, updated_at}`, a history page `{lines, first_id, last_id, head_id[, total]}`, a
histogram `{start, step, buckets, lines, last_id, origins: [{source, dyno, lines, errors}]}`.

No repr shows a secret: a drain URL's password is masked and a session's `logplex_url` (which
carries its own secret) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypedDict

from tuilogs.core.drain_urls import mask_url
from tuilogs.core.histogram import OriginCounts
from tuilogs.core.record import parse_timestamp

from .errors import ServerError


def _text(value: object) -> str | None:
    """A field as text; None when absent or empty."""
    return None if value is None or value == "" else str(value)


def _id(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


@dataclass(frozen=True)
class LogSession:
    """A log session: `logplex_url` streams its lines once, then expires."""

    logplex_url: str = field(repr=False)
    id: str | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @classmethod
    def from_json(cls, data: object) -> LogSession:
        url = data.get("logplex_url") if isinstance(data, dict) else None
        if not url:
            raise ServerError("the log session has no logplex_url")
        return cls(
            str(url),
            _text(data.get("id")),
            _text(data.get("created_at")),
            _text(data.get("updated_at")),
        )


@dataclass(frozen=True)
class Addon:
    """The add-on that owns a drain (Papertrail, …), as named on the app."""

    id: str | None
    name: str | None


@dataclass(frozen=True, repr=False)
class LogDrain:
    """One log drain of an app. `raw` is the API's object exactly as sent (in its key order),
    which `tuilogs drains --json` prints back; it carries the drain URL's password."""

    id: str | None
    url: str
    token: str | None
    addon: Addon | None = None
    app: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)

    @classmethod
    def from_json(cls, data: dict) -> LogDrain:
        addon, app = data.get("addon"), data.get("app")
        return cls(
            id=_text(data.get("id")),
            url=str(data.get("url") or ""),
            token=_text(data.get("token")),
            addon=Addon(_text(addon.get("id")), _text(addon.get("name")))
            if isinstance(addon, dict) and addon
            else None,
            app=_text(app.get("name")) if isinstance(app, dict) else None,
            created_at=_text(data.get("created_at")),
            updated_at=_text(data.get("updated_at")),
            raw=MappingProxyType(data),
        )

    @staticmethod
    def list_from_json(data: object) -> list[LogDrain]:
        """A log-drains answer; entries that are not objects are skipped."""
        if not isinstance(data, list):
            raise ServerError("the log-drains answer is not a list of drains")
        return [LogDrain.from_json(d) for d in data if isinstance(d, dict)]

    def __repr__(self) -> str:
        return (
            f"LogDrain(id={self.id!r}, url={mask_url(self.url)!r}, token={self.token!r}, "
            f"addon={self.addon!r}, app={self.app!r})"
        )


class StoredLine(TypedDict):
    """One stored line of a history page, as the router sends it.

    Left as the decoded JSON object rather than a dataclass: a page holds up to 10,000 lines
    and the history loader pages through a million, each formatted into text once
    (`history.format_lines`). Building an object per line measured 0.67 s per million lines
    on the 2-core machine, more than decoding the JSON (0.42 s) and formatting (0.16 s).
    """

    id: int
    timestamp: str
    source: str
    dyno: str
    message: str


@dataclass(frozen=True)
class LogPage:
    """A page of stored history (`GET /apps/{app}/log-lines`, a router extension), oldest
    first. `first_id`/`last_id` are None for an empty page; `head_id` is the newest id stored;
    `total` counts the app's lines when asked for (`total=True`), else None."""

    lines: list[StoredLine] = field(repr=False)
    first_id: int | None
    last_id: int | None
    head_id: int | None
    total: int | None = None

    @classmethod
    def from_json(cls, data: object) -> LogPage:
        try:
            lines = data.get("lines")  # type: ignore[union-attr]
            lines = [] if lines is None else lines
            if not isinstance(lines, list):
                raise TypeError
            ids = [_id(data.get(key)) for key in ("first_id", "last_id", "head_id", "total")]  # type: ignore[union-attr]
        except (AttributeError, TypeError, ValueError):
            raise ServerError("the log-lines answer is not a page of lines") from None
        return cls(lines, *ids)


@dataclass(frozen=True)
class LogHistogram:
    """Counts per time bucket and origin over an app's stored history (`GET /apps/{app}/
    log-histogram`, a router extension): `buckets` buckets of `step` seconds from `start`
    (epoch seconds; None when no line has a time); `total` lines; counted up to `last_id`."""

    start: int | None
    step: int
    buckets: int
    origins: list[OriginCounts] = field(repr=False)
    total: int
    last_id: int | None

    @classmethod
    def from_json(cls, data: object) -> LogHistogram:
        try:
            start = data.get("start")  # type: ignore[union-attr]
            when = parse_timestamp(start) if start else None
            if start and when is None:
                raise ValueError
            buckets = int(data.get("buckets") or 0)  # type: ignore[union-attr]
            origins = [
                OriginCounts(
                    str(o["source"]),
                    str(o["dyno"]),
                    [int(n) for n in o["lines"]][:buckets],
                    [int(n) for n in o["errors"]][:buckets],
                )
                for o in data.get("origins") or []  # type: ignore[union-attr]
            ]
            if any(len(o.lines) != buckets or len(o.errors) != buckets for o in origins):
                raise ValueError
            return cls(
                int(when.timestamp()) if when is not None else None,
                int(data.get("step") or 1),  # type: ignore[union-attr]
                buckets,
                origins,
                int(data.get("lines") or 0),  # type: ignore[union-attr]
                _id(data.get("last_id")),  # type: ignore[union-attr]
            )
        except (AttributeError, TypeError, ValueError, KeyError):
            raise ServerError("the log-histogram answer is not a histogram") from None
