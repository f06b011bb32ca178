"""A small world for the API tests, in the seeds' words, and a running app over it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ServiceSettings
from api.tiers import Tier, add_key
from graphsvc.cli import main as graphsvc_main
from graphsvc.stores.neo4j import Neo4jSettings, Neo4jStore
from loaders.canonical import load_directory
from tests.bolt_server import BoltServer
from tests.scenario import Scenario

AS_OF = "2024-06-30"


@dataclass
class World:
    listed: str  # enterprise on the serious-illegal list (public)
    lr: str  # its legal representative, 张伟 (P5 ban)
    pic: str  # its person in charge (P5 ban)
    other: str  # another enterprise where the LR is LR today: a ban violation
    clean_firm: str
    clean_person: str
    institution: str  # a public institution
    defaulter: str  # a court defaulter (government-scope entry: P6 ban)
    secret_firm: str  # black-listed with an authorised-scope entry
    secret_lr: str  # its legal representative, living in region 110228
    conflicted: str  # red and black: W3
    listed_entry: str
    defaulter_entry: str
    secret_entry: str
    black_entry: str


def build_world() -> tuple[Scenario, World]:
    s = Scenario()
    listed = s.org("大庆豪丰电力工程有限公司")
    other = s.org("大庆新源科技有限公司")
    clean_firm = s.org("哈尔滨清白贸易有限公司", region="230103")
    institution = s.org("大庆市第一中学", kind="public_institution")
    secret_firm = s.org("密云建设有限公司", region="110228")
    conflicted = s.org("红黑冲突食品有限公司")
    lr = s.person("张伟")
    pic = s.person("李娜")
    clean_person = s.person("王芳")
    defaulter = s.person("赵强")
    secret_lr = s.person("孙丽", region="110228")
    s.role(secret_lr, "legal_representative", secret_firm, since="2020-01-01")
    s.role(lr, "legal_representative", listed, since="2018-01-01")
    s.role(pic, "person_in_charge", listed, since="2018-01-01")
    s.role(lr, "legal_representative", other, since="2023-05-01")
    s.role(clean_person, "legal_representative", clean_firm, since="2019-01-01")
    # Ownership: 王芳 holds 60% of 哈尔滨清白, which holds 80% of 大庆新源 (so 王芳 holds 48% of it).
    s.role(clean_person, "shareholder", clean_firm, since="2019-01-01", ratio=60)
    s.role(clean_firm, "shareholder", other, since="2023-01-01", ratio=80)
    listed_entry = s.entry(listed, "serious_illegal", determined_on="2024-03-01", domain="market_supervision")
    defaulter_entry = s.entry(defaulter, "court_defaulter", determined_on="2024-02-01", scope="government")
    secret_entry = s.entry(
        secret_firm,
        "black",
        determined_on="2024-01-10",
        act_date="2023-12-01",
        domain="construction_quality",
        scope="authorised",
    )
    s.entry(conflicted, "red", determined_on="2023-06-01", act_date=None, domain="food_drug", department="大庆市税务局")
    black_entry = s.entry(conflicted, "black", determined_on="2024-04-01", domain="food_drug")
    world = World(
        listed=listed,
        lr=lr,
        pic=pic,
        other=other,
        clean_firm=clean_firm,
        clean_person=clean_person,
        institution=institution,
        defaulter=defaulter,
        secret_firm=secret_firm,
        secret_lr=secret_lr,
        conflicted=conflicted,
        listed_entry=listed_entry,
        defaulter_entry=defaulter_entry,
        secret_entry=secret_entry,
        black_entry=black_entry,
    )
    return s, world


# The department that designated the world's entries (tests/scenario.py's default), and another one.
DEPARTMENT = "大庆市市场监督管理局"
OTHER_DEPARTMENT = "大庆市税务局"
GOVERNMENT_KEY = "daqing-amr"  # a key of DEPARTMENT, delegated for 哈尔滨市市场监督管理局
AUTHORISED_KEY = "bank-credit-desk"


@dataclass
class Keys:
    government: str  # DEPARTMENT's key (region 230000, 黑龙江省)
    authorised: str
    admin: str
    other_department: str  # a government key of OTHER_DEPARTMENT
    reader: str  # a government key with no department: reads, may not write department-owned entries

    def header(self, tier: str, ref: str | None = None) -> dict[str, str]:
        headers = {"X-API-Key": getattr(self, tier)}
        if ref:
            headers["X-Authorisation-Ref"] = ref
        return headers


def write_keys(path: Path) -> Keys:
    return Keys(
        # Delegated for Harbin's department as well, so its region is the province that holds both cities.
        government=add_key(
            path,
            GOVERNMENT_KEY,
            Tier.GOVERNMENT,
            department=DEPARTMENT,
            region="230000",
            delegated=("哈尔滨市市场监督管理局",),
        ),
        authorised=add_key(path, AUTHORISED_KEY, Tier.AUTHORISED),
        admin=add_key(path, "platform-admin", Tier.ADMIN),
        other_department=add_key(path, "daqing-tax", Tier.GOVERNMENT, department=OTHER_DEPARTMENT, region="230600"),
        reader=add_key(path, "procurement-system", Tier.GOVERNMENT),
    )


def authorise(
    client: TestClient,
    keys: Keys,
    subject_id: str,
    ref: str,
    *,
    valid_from: str = "2024-01-01",
    valid_until: str = "2024-12-31",
) -> None:
    """Record the subject's written authorisation for the authorised-tier key (004 管理办法 第二十二條)."""
    answer = client.post(
        "/v1/authorisations",
        json={
            "authorisation_id": ref,
            "subject_id": subject_id,
            "grantee": AUTHORISED_KEY,
            "purpose": "贷款审批 loan approval",
            "valid_from": valid_from,
            "valid_until": valid_until,
            "proof_kind": "written",
            "proof_ref": f"书面授权书 {ref}",
        },
        headers=keys.header("admin"),
    )
    assert answer.status_code == 201, answer.text


def settings_for(root: Path, db: Path, keys_file: Path, profile: str = "daqing") -> ServiceSettings:
    return ServiceSettings(
        store="embedded",
        db=db,
        profile=profile,
        as_of=dt.date.fromisoformat(AS_OF),
        api_keys=keys_file,
        audit_dir=db.with_name(db.name + ".audit"),  # the default, where `graphsvc-api audit` looks
        audit_flush_seconds=3600,  # tests flush explicitly (export) or at shutdown
    )


@contextmanager
def running_app(root: Path, scenario: Scenario, profile: str = "daqing") -> Iterator[tuple[TestClient, Keys, Path]]:
    data = scenario.write(root / "data")
    db = root / "store.duckdb"
    assert graphsvc_main(["load", str(data), "--db", str(db)]) == 0
    keys = write_keys(root / "keys.json")
    app = create_app(settings_for(root, db, root / "keys.json", profile))
    with TestClient(app) as client:
        yield client, keys, db


def service_date(client: TestClient, day: str) -> None:
    """The running service's date (GRAPHSVC_AS_OF) moved to ``day``: time passing between a scenario's steps, each
    entered on the day it is taken."""
    service = client.app.state.service  # type: ignore[attr-defined]
    service.settings = dataclasses.replace(service.settings, as_of=dt.date.fromisoformat(day))


def point_at(server: BoltServer, env: pytest.MonkeyPatch) -> None:
    """The ``NEO4J_*`` variables naming ``server``, as an operator sets them for ``--store neo4j``."""
    for name, value in (
        ("NEO4J_URI", server.uri),
        ("NEO4J_USER", server.user),
        ("NEO4J_PASSWORD", server.password),
        ("NEO4J_DATABASE", server.database),
    ):
        env.setenv(name, value)


@contextmanager
def serving(
    kind: str, root: Path, scenario: Scenario, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, Keys]]:
    """The scenario served on the ``embedded`` store, or on the ``neo4j`` store of the session's Bolt server
    (emptied first; skipped when the tests run on the embedded store only), with the world's keys in
    ``root / "keys.json"``."""
    from tests.conftest import PARITY

    if kind == "embedded":
        with running_app(root, scenario) as (client, keys, _db):
            yield client, keys
        return
    if not PARITY:
        pytest.skip("GRAPHSVC_TEST_STORES=embedded: the Bolt server is not used")
    server = request.getfixturevalue("neo4j_clean")
    point_at(server, monkeypatch)
    with Neo4jStore(Neo4jSettings.from_env()) as neo:
        load_directory(scenario.write(root / "data"), neo)
    keys = write_keys(root / "keys.json")
    settings = dataclasses.replace(settings_for(root, root / "unused.duckdb", root / "keys.json"), store="neo4j")
    with TestClient(create_app(settings)) as client:
        yield client, keys


@contextmanager
def running_on_both(
    root: Path, scenario: Scenario, server: BoltServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, TestClient, Keys]]:
    """The same scenario served on the embedded store and on the Neo4j store of ``server`` (emptied by the
    caller), with one key file, so that key ids and tiers match: (embedded app, Neo4j app, keys)."""
    point_at(server, monkeypatch)
    neo_root = root / "neo"
    neo_root.mkdir()
    with Neo4jStore(Neo4jSettings.from_env()) as neo:
        load_directory(scenario.write(neo_root / "data"), neo)
    with running_app(root / "embedded", scenario) as (embedded, keys, _db):
        keys_file = neo_root / "keys.json"
        keys_file.write_bytes((root / "embedded" / "keys.json").read_bytes())
        settings = dataclasses.replace(settings_for(neo_root, neo_root / "unused.duckdb", keys_file), store="neo4j")
        with TestClient(create_app(settings)) as on_neo4j:
            yield embedded, on_neo4j, keys


ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    """The world served by ``graphsvc-api serve`` in a process of its own, as deployed: its port, keys and log."""

    port: int
    keys: Keys
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connect(self) -> socket.socket:
        # A bound far beyond the server's timeouts: a server that never closes fails the test, a slow machine not.
        return socket.create_connection(("127.0.0.1", self.port), timeout=60)


def clean_environment() -> dict[str, str]:
    """This process's environment without the service's settings: a process started with it has only those a test
    gives it."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("GRAPHSVC_", "FORWARDED_ALLOW_IPS"))}


@contextmanager
def serve_store(
    db: Path, keys_file: Path, env: Mapping[str, str], *, as_of: str = AS_OF, profile: str = "daqing"
) -> Iterator[tuple[int, Path]]:
    """``graphsvc-api serve`` on the embedded store ``db`` in a process of its own, on a free port, with the given
    ``GRAPHSVC_*`` settings (the test's own environment's are left out), until the block ends: its port and log."""
    port = free_port()
    log = db.with_name(db.name + ".service.log")
    command = [sys.executable, "-m", "api.cli", "serve", "--db", str(db), "--port", str(port), "--profile", profile]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--api-keys", str(keys_file), "--as-of", as_of],
            cwd=ROOT,
            env=clean_environment() | dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(600):
            if process.poll() is not None:
                raise AssertionError(log.read_text(encoding="utf-8", errors="replace"))
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5):
                    break
            except OSError:
                time.sleep(0.2)
        yield port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def served_world(root: Path, env: Mapping[str, str], profile: str = "daqing") -> Iterator[Served]:
    """The world loaded into a store under ``root`` and served (``serve_store``) until the block ends."""
    scenario, _world = build_world()
    db = root / "store.duckdb"
    assert graphsvc_main(["load", str(scenario.write(root / "data")), "--db", str(db)]) == 0
    keys = write_keys(root / "keys.json")
    with serve_store(db, root / "keys.json", env, profile=profile) as (port, log):
        yield Served(port, keys, log)
