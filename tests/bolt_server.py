"""A real Bolt + Cypher server for the tests: ArcadeDB, started from its PyPI wheel (shared/bolt-server.md).

Neo4j itself cannot be installed on the development and CI machines (no registry ships it, no Docker engine), so
the Neo4j-store tests talk to ArcadeDB, which speaks Bolt and Neo4j 5 Cypher. The wheel bundles its own Java runtime
and server jars; this module runs ``java ... com.arcadedb.server.ArcadeDBServer`` from them (no JPype), each server
in its own temporary directory on free loopback ports, waits until ``RETURN 1`` answers through the official driver
and always stops it again by process id.

    with start_arcadedb() as server:
        driver = neo4j.GraphDatabase.driver(server.bolt.uri, auth=(server.bolt.user, server.bolt.password))
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j

ARCADEDB_REQUIREMENT = "arcadedb-embedded==26.10.2.post1"
ARCADEDB_PACKAGE = "arcadedb_embedded"
# The wheel's own JPype bridge; the standalone server does not need it.
PYTHON_BRIDGE_JAR = "arcadedb-python-bridge.jar"
MAIN_CLASS = "com.arcadedb.server.ArcadeDBServer"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
JVM_FLAGS = (
    "--add-modules",
    "jdk.incubator.vector",
    "--add-exports",
    "java.management/sun.management=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)
ROOT_USER = "root"
DEFAULT_DATABASE = "neo4j"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class BoltServer:
    """How to reach a Bolt server: what the tests and the Neo4j store need."""

    uri: str
    user: str
    password: str
    database: str

    def driver(self, **config: Any) -> neo4j.Driver:
        """A new driver for this server (the caller closes it)."""
        return neo4j.GraphDatabase.driver(self.uri, auth=(self.user, self.password), **config)


class BoltServerError(RuntimeError):
    """The server could not be found, started or reached."""


def find_arcadedb_package(*, install: bool = True) -> Path:
    """The folder of the installed ``arcadedb_embedded`` package; pip-installs the pinned release if it is missing.

    The package is located without importing it (importing it would load JPype, which the server does not need).
    """
    spec = importlib.util.find_spec(ARCADEDB_PACKAGE)
    if spec is None and install:
        subprocess.run([sys.executable, "-m", "pip", "install", ARCADEDB_REQUIREMENT], check=True)
        importlib.invalidate_caches()
        spec = importlib.util.find_spec(ARCADEDB_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BoltServerError(f"{ARCADEDB_PACKAGE} is not installed (pip install '{ARCADEDB_REQUIREMENT}')")
    return Path(next(iter(spec.submodule_search_locations)))


def server_classpath(package: Path) -> list[Path]:
    """Every server jar of the package, without the Python bridge, in a stable order."""
    jars = sorted(p for p in (package / "jars").glob("*.jar") if p.name != PYTHON_BRIDGE_JAR)
    if not jars:
        raise BoltServerError(f"no jars in {package / 'jars'}: the {ARCADEDB_PACKAGE} install is incomplete")
    return jars


def java_executable(package: Path) -> Path:
    java = package / "jre" / "bin" / "java"
    if not java.is_file():
        raise BoltServerError(f"no bundled Java runtime at {java}: the {ARCADEDB_PACKAGE} install is incomplete")
    return java


def free_port() -> int:
    """A loopback port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


def port_open(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the child before exec (Linux): ask the kernel to SIGTERM the server if the test process dies, even by
    SIGKILL, so that no JVM outlives its test run. Elsewhere the atexit hook and the context manager do the job."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))


class ArcadeDBProcess:
    """One ArcadeDB server process with the Bolt plugin; use :func:`start_arcadedb` rather than this directly."""

    def __init__(self, *, heap: str = "768m", password: str | None = None) -> None:
        self.package = find_arcadedb_package()
        self.heap = heap
        self.password = password or secrets.token_urlsafe(18)
        if len(self.password) < 8:
            raise ValueError("ArcadeDB requires a root password of at least 8 characters")
        self.workdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.bolt_port = 0
        self.http_port = 0
        self.startup_seconds = 0.0

    # -- settings -------------------------------------------------------------------------------------------------

    @property
    def bolt(self) -> BoltServer:
        return BoltServer(
            uri=f"bolt://{LOOPBACK}:{self.bolt_port}",
            user=ROOT_USER,
            password=self.password,
            database=DEFAULT_DATABASE,
        )

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BoltServerError("the server is not started")
        return self.process.pid

    def command(self) -> list[str]:
        assert self.workdir is not None
        properties = {
            "arcadedb.server.rootPath": str(self.workdir),
            "arcadedb.server.databaseDirectory": str(self.workdir / "databases"),
            "arcadedb.server.rootPassword": self.password,
            "arcadedb.server.mode": "development",
            "arcadedb.server.httpIncomingHost": LOOPBACK,
            "arcadedb.server.httpIncomingPort": str(self.http_port),
            "arcadedb.server.defaultDatabases": f"{DEFAULT_DATABASE}[{ROOT_USER}]",
            "arcadedb.server.plugins": BOLT_PLUGIN,
            "arcadedb.bolt.host": LOOPBACK,
            "arcadedb.bolt.port": str(self.bolt_port),
            "arcadedb.bolt.defaultDatabase": DEFAULT_DATABASE,
        }
        classpath = os.pathsep.join(str(p) for p in server_classpath(self.package))
        return [
            str(java_executable(self.package)),
            f"-Xmx{self.heap}",
            *JVM_FLAGS,
            *(f"-D{key}={value}" for key, value in properties.items()),
            "-cp",
            classpath,
            MAIN_CLASS,
        ]

    # -- life cycle -----------------------------------------------------------------------------------------------

    def start(self, timeout: float = 60.0, attempts: int = 3) -> None:
        """Start the server and wait until ``RETURN 1`` succeeds through the driver.

        A port picked as free can be taken by someone else before the JVM binds it; a server that dies during
        start-up is therefore retried on new ports (``attempts`` times in all).
        """
        if self.process is not None:
            raise BoltServerError("the server is already started")
        started = time.monotonic()
        for attempt in range(1, attempts + 1):
            self._spawn()
            try:
                self._wait_ready(timeout)
            except _ExitedEarly as exc:
                self.stop()
                if attempt == attempts:
                    raise BoltServerError(str(exc)) from None
                continue
            except BaseException:
                self.stop()
                raise
            self.startup_seconds = time.monotonic() - started
            return

    def _spawn(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="graphsvc-arcadedb-"))
        self.bolt_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.bolt_port:
            self.http_port = free_port()
        self._launch()

    def _launch(self) -> None:
        assert self.workdir is not None
        with open(self.workdir / "server.out", "ab") as out:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.workdir,  # the server writes ./log under its working directory
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches pytest only; we stop the server ourselves
                preexec_fn=_die_with_parent,  # the test process is single-threaded here
            )
        _RUNNING.add(self)

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last_error: BaseException | None = None
        driver = self.bolt.driver(
            connection_timeout=2.0, connection_acquisition_timeout=3.0, max_connection_pool_size=1
        )
        try:
            while True:
                if self.process.poll() is not None:
                    raise _ExitedEarly(
                        f"ArcadeDB exited with status {self.process.returncode} during start-up "
                        f"(bolt port {self.bolt_port}, http port {self.http_port}).\n{self.log_tail()}"
                    )
                if port_open(self.bolt_port):
                    try:
                        records, _, _ = driver.execute_query("RETURN 1 AS one", database_=DEFAULT_DATABASE)
                        if records and records[0]["one"] == 1:
                            return
                    except Exception as exc:  # not ready yet: the default database is created after the port opens
                        last_error = exc
                if time.monotonic() > deadline:
                    raise BoltServerError(
                        f"ArcadeDB did not answer RETURN 1 on {self.bolt.uri} within {timeout:.0f} s "
                        f"(last error: {last_error!r}).\n{self.log_tail()}"
                    )
                time.sleep(0.2)
        finally:
            driver.close()

    def restart(self, timeout: float = 60.0) -> None:
        """Stop the process (SIGTERM) and start it again on the same folder and ports: the data survives.

        Call it from the thread that started the server: the server exits when its starting thread does.
        """
        process = self.process
        if process is None:
            raise BoltServerError("the server is not started")
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(15.0)
        self._launch()
        self._wait_ready(timeout)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server by its process id (SIGTERM, then SIGKILL after ``timeout`` s) and remove its folder."""
        _RUNNING.discard(self)
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's console output and of its log files, for error messages."""
        if self.workdir is None:
            return "(no server folder)"
        parts = []
        for path in [self.workdir / "server.out", *sorted((self.workdir / "log").glob("*.log*"))]:
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name} (last {len(text)} lines) ---\n" + "\n".join(text))
        return "\n".join(parts) or "(the server wrote no log)"

    def __enter__(self) -> ArcadeDBProcess:
        if self.process is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _ExitedEarly(BoltServerError):
    pass


_RUNNING: set[ArcadeDBProcess] = set()


@atexit.register
def _stop_all() -> None:
    """Fallback for servers whose context was never left (e.g. an interpreter exiting from a failure)."""
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop(timeout=5.0)


@contextlib.contextmanager
def start_arcadedb(*, heap: str = "768m", timeout: float = 60.0) -> Iterator[ArcadeDBProcess]:
    """Start a private ArcadeDB Bolt server, yield it once ``RETURN 1`` answers, and stop it on leaving."""
    server = ArcadeDBProcess(heap=heap)
    try:
        server.start(timeout=timeout)
        yield server
    finally:
        server.stop()
