"""A router's hold on its data directory: the directories private, `router.log` private and
never a traceback when the disk is full, and one router per store.

Two routers on one store would both accept the same drains, forward every line twice and
fight over retention, silently. `claim_store` takes an exclusive `flock` on `<store>.lock`
(the kernel releases it when the process ends, `kill -9` included, so a crash leaves no stale
lock) and writes who holds it there, so a second router can say which process to stop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path

from tuilogs.core import locations as paths

from .settings import Settings
from .store import is_postgres_url, sqlite_path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; two routers are not detected there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("tuilogs.server")

LOG_BYTES = 5_000_000
LOG_BACKUPS = 3


class StoreInUse(RuntimeError):
    """Another router holds this store."""


class PrivateLog(logging.handlers.RotatingFileHandler):
    """`router.log`: created 0600 (rotations too, as it may name apps and drains), and a full
    disk costs one line on stderr rather than a traceback per record."""

    def __init__(self, path: Path) -> None:
        self._failing = self._failed = False
        super().__init__(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")

    def _open(self):
        def private(name: str, flags: int) -> int:
            return os.open(name, flags, 0o600)

        return open(self.baseFilename, self.mode, encoding=self.encoding, opener=private)

    def emit(self, record: logging.LogRecord) -> None:
        self._failed = False
        super().emit(record)
        if not self._failed:
            self._failing = False

    def handleError(self, record: logging.LogRecord) -> None:
        self._failed = True
        if not self._failing:
            self._failing = True
            exc = sys.exc_info()[1]
            print(f"tuilogs: cannot write {self.baseFilename}: {exc}", file=sys.stderr)


def setup_logging(to_stderr: bool = True, level: int = logging.INFO) -> None:
    """The router's own log: stderr (for `serve`) and `router.log` in the data dir."""
    logger = logging.getLogger("tuilogs")
    logger.setLevel(level)
    target = paths.log_path()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for h in list(logger.handlers):
        # One router log per process: a new data dir (tests, TUILOGS_HOME) replaces the old.
        if isinstance(h, PrivateLog) and h.baseFilename != str(target):
            logger.removeHandler(h)
            h.close()
    if not any(isinstance(h, PrivateLog) for h in logger.handlers):
        for old in [target, *target.parent.glob(target.name + ".*")]:
            _narrow(old, 0o600)
        fh = PrivateLog(target)
        fh.setFormatter(fmt)
        logger.addHandler(fh)
    if to_stderr and not any(getattr(h, "_tuilogs_stderr", False) for h in logger.handlers):
        sh = logging.StreamHandler(sys.stderr)
        sh.setFormatter(fmt)
        sh._tuilogs_stderr = True  # type: ignore[attr-defined]
        logger.addHandler(sh)


def _narrow(path: Path, mode: int) -> None:
    """Take group and other permissions off a file or directory of ours (made by an older
    version, or under a loose umask)."""
    with contextlib.suppress(OSError):
        st = path.stat()
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.chmod(path, mode)


def private_dirs() -> None:
    """The data and config directories 0700: they hold logs, drain tokens and the API token."""
    _narrow(paths.data_dir(), 0o700)
    _narrow(paths.config_dir(), 0o700)


class StoreLock:
    """This process's claim on one store (`release` it, or let the process end)."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def claim_store(store: Path, role: str) -> StoreLock:
    """Lock `store` for this router (`role` says what it is: `tuilogs serve`, embedded...).

    Raises StoreInUse, naming the holder, if another router has it. A lock file that cannot
    be made (a read-only or full directory) is warned about, not fatal.
    """
    if fcntl is None:
        return StoreLock(None)
    lock_path = store.with_name(store.name + ".lock")
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        log.warning("cannot lock %s (%s): a second router would not be noticed", store, exc)
        return StoreLock(None)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise StoreInUse(
            f"{store} is in use by another tuilogs router ({holder}); stop it first,"
            " or give this one its own data directory (TUILOGS_HOME)"
        ) from None
    info = {"pid": os.getpid(), "role": role, "started_at": time.time()}
    with contextlib.suppress(OSError):  # a full disk: the lock holds, the note is missing
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode() + b"\n", 0)
    return StoreLock(fd)


def _read_holder(fd: int) -> str:
    """Who holds the lock, from what it wrote into the lock file."""
    try:
        info = json.loads(os.pread(fd, 4096, 0))
        since = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(info["started_at"])))
        return f"pid {int(info['pid'])}, {info['role']}, since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its pid could not be read"


def claim_settings_store(settings: Settings, role: str) -> StoreLock:
    """`claim_store` for the store `settings` name: one router per SQLite file; a PostgreSQL
    store takes any number. A `sqlite:///path` URL becomes `db_path`; ValueError for a URL of
    no known kind."""
    url = settings.store_url
    if is_postgres_url(url):
        return StoreLock(None)
    if url:
        settings.db_path = sqlite_path(url)
        settings.store_url = None
    return claim_store(settings.db_path or paths.store_path(), role)


def store_shown(settings: Settings) -> str:
    """Where the store is, for the router's log: a database URL without its secrets."""
    if settings.store_url:
        from .store.postgres_db import masked_url

        return masked_url(settings.store_url)
    return str(settings.db_path or paths.store_path())
