"""Every input format loads the same facts into the Neo4j store (on the local Bolt server) as into the embedded one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import neo4j
import pyarrow as pa
import pytest

from graphsvc.loading import LoadOptions
from graphsvc.stores.base import GraphStore
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jStore
from loaders.intake import load
from tests.bolt_server import BoltServer
from tests.conftest import empty_database
from tests.test_formats import (
    DAY,
    FIRM,
    PARENT,
    PENALTY_HEADER,
    _bods03,
    _ftm_world,
    _round_trip_world,
    _write_csv,
)
from tests.test_neo4j_store import _settings


def _facts(store: GraphStore) -> tuple[list[Any], list[Any], list[Any], dict[str, int]]:
    subjects = sorted(store.current_subjects().to_pylist(), key=lambda r: r["subject_id"])
    roles = sorted(
        (r["source_id"], r["role"], r["target_id"], r["ratio"], r["valid_from"], r["valid_to"])
        for r in store.graph_on(DAY)[1].to_pylist()
    )
    entries = sorted(
        ({k: v for k, v in r.items() if k != "recorded_at"} for r in store.current_entries().to_pylist()),
        key=lambda r: r["entry_id"],
    )
    # Every role version as the subject profile reads it: the title as written and the dates' precision too.
    versions = sorted(
        tuple(v for k, v in r.items() if k not in {"recorded_at", "superseded_at"})
        for subject in subjects
        for r in store.subject_facts(subject["subject_id"])["roles"].to_pylist()
    )
    return subjects, [*roles, *versions], entries, store.stats()


def _inputs(tmp_path: Path) -> list[tuple[Path, LoadOptions]]:
    ftm = _ftm_world(tmp_path / "ftm" / "world.ftm.json")
    bods = tmp_path / "bods" / "statements.json"
    bods.parent.mkdir()
    bods.write_text(json.dumps(_bods03(), ensure_ascii=False), encoding="utf-8")
    penalty = _write_csv(
        tmp_path / "mapped" / "行政处罚.csv",
        PENALTY_HEADER,
        [
            [
                "大庆某某食品有限公司",
                "法人及非法人组织",
                FIRM,
                "张伟",
                "庆市监罚〔2024〕12号",
                "食品安全",
                "第一百二十四条",
                "罚款",
                "罚款5万元",
                "2024/3/1",
                "2027年3月1日",
                "大庆市市场监督管理局",
                "",
            ],
            [
                "北京某某集团",
                "法人及非法人组织",
                PARENT,
                "李红",
                "京税罚〔2024〕3号",
                "偷税",
                "第六十三条",
                "吊销许可证",
                "吊销",
                "2024-05-06",
                "",
                "国家税务总局北京市税务局",
                "",
            ],
        ],
        encoding="gbk",
    )
    canonical = _round_trip_world().write(tmp_path / "canonical")
    return [
        (ftm.parent, LoadOptions()),
        (bods, LoadOptions()),
        (penalty.parent, LoadOptions(mapping="shuanggongshi_penalty")),
        (canonical, LoadOptions()),
    ]


def test_ftm_bods_mapped_and_canonical_inputs_load_the_same_facts_on_both_stores(
    tmp_path: Path, neo4j_clean: BoltServer, bolt_driver: neo4j.Driver
) -> None:
    for index, (path, options) in enumerate(_inputs(tmp_path)):
        with (
            Neo4jStore(_settings(neo4j_clean, batch_size=3)) as neo,
            EmbeddedStore(tmp_path / f"e{index}.duckdb") as emb,
        ):
            on_neo, on_emb = load(path, neo, options), load(path, emb, options)
            assert on_neo.loaded and on_emb.loaded
            assert {t: vars(c) for t, c in on_neo.tables.items()} == {t: vars(c) for t, c in on_emb.tables.items()}
            assert on_neo.warnings_by_kind() == on_emb.warnings_by_kind()
            assert _facts(neo) == _facts(emb), path
            again = load(path, neo, options)  # re-loading changes nothing on Neo4j either
            assert sum(c.inserted + c.superseded for c in again.tables.values()) == 0
        empty_database(bolt_driver, neo4j_clean)


def test_the_neo4j_store_answers_ownership_with_unknown_sizes_like_the_embedded_store(
    tmp_path: Path, neo4j_clean: BoltServer
) -> None:
    from graphsvc.analytics.adjacency import AdjacencyCache
    from graphsvc.analytics.ownership import penetrate, penetration_report

    path = tmp_path / "bods.json"
    statements = _bods03()
    statements[4]["interests"][0]["share"] = {}  # a holding without a size
    path.write_text(json.dumps(statements, ensure_ascii=False), encoding="utf-8")
    answers = []
    with Neo4jStore(_settings(neo4j_clean)) as neo, EmbeddedStore(tmp_path / "e.duckdb") as emb:
        for store in (neo, emb):
            load(path, store)
            graph = AdjacencyCache().get(store, dt.date(2024, 1, 1))
            answers.append(penetration_report(graph, penetrate(graph, "e1")))
    assert answers[0] == answers[1]
    assert [h["subject_id"] for h in answers[0]["holdings_of_unknown_size"]] == ["p1"]


def test_cli_loads_a_mapped_gbk_export_into_neo4j_and_exports_it_as_ftm(
    tmp_path: Path, neo4j_clean: BoltServer
) -> None:
    import io

    from graphsvc.cli import main

    flags = [
        "--store=neo4j",
        f"--neo4j-uri={neo4j_clean.uri}",
        f"--neo4j-user={neo4j_clean.user}",
        f"--neo4j-password={neo4j_clean.password}",
        f"--neo4j-database={neo4j_clean.database}",
    ]
    path, options = _inputs(tmp_path)[2]
    report = tmp_path / "report.json"
    out = io.StringIO()
    code = main([*flags, "load", str(path), "--mapping", str(options.mapping), "--report", str(report)], out=out)
    assert code == 0, out.getvalue()
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["store"] == neo4j_clean.uri or neo4j_clean.uri in str(data["store"])
    assert data["encodings"] == {"行政处罚.csv": "gb18030"} and data["tables"]["entries"]["inserted"] == 2
    exported = io.StringIO()
    assert main([*flags, "export", "--format", "ftm", "--as-of", DAY.isoformat()], out=exported) == 0
    entities = [json.loads(line) for line in exported.getvalue().splitlines()]
    schemas = [e["schema"] for e in entities]
    # the two entries, and beside them the derived records the profile's rules publish on the date
    listed = [e for e in entities if e["schema"] == "Sanction" and not e["id"].startswith("derived-")]
    assert len(listed) == 2 and schemas.count("Company") == 2


def test_shares_count_stored_holdings_and_a_protected_load_changes_no_stored_fact_on_both_stores(
    tmp_path: Path, neo4j_clean: BoltServer
) -> None:
    from graphsvc.errors import ProtectedFacts
    from graphsvc.stores.base import Batch
    from loaders.canonical import load_tables
    from tests.scenario import Scenario

    first, second = Scenario(), Scenario(_n=10)  # the second load's new firm gets its own number
    firm, owner = first.org("甲公司"), first.org("乙公司")
    first.role(owner, "shareholder", firm, ratio=60, since="2019")
    first.roles[-1]["role"] = "股东"
    newcomer = second.org("丙公司")
    second.role(newcomer, "shareholder", firm, ratio=50, since="2020-01-01")
    second.subjects.append({**first.subjects[0]})
    answers = []
    with Neo4jStore(_settings(neo4j_clean)) as neo, EmbeddedStore(tmp_path / "e.duckdb") as emb:
        for store in (neo, emb):
            load(first.write(tmp_path / f"first-{store.location[:3]}"), store)
            summary = load(second.write(tmp_path / f"second-{store.location[:3]}"), store)
            [warning] = [w for w in summary.warnings if w.kind == "shares_over_100"]
            assert "1 of them already in the store" in warning.message and "110 %" in warning.message
            held = sorted((r["source_id"], r["ratio"]) for r in store.holdings_at(pa.array([firm])).to_pylist())
            assert held == [(owner, 60.0), (newcomer, 50.0)]
            renamed = pa.table({**{k: [v] for k, v in first.subjects[0].items()}, "name": ["甲公司（更名）"]})
            before = store.stats()
            with pytest.raises(ProtectedFacts) as refused:
                load_tables({"subjects": renamed}, store, protected=frozenset({"subjects"}))
            assert refused.value.keys == [firm] and store.stats() == before
            # Adding a new subject under protection is allowed; an identical row changes nothing.
            store.apply_batch(Batch("test", {}, protected=frozenset({"subjects"})))
            answers.append(store.subject_facts(owner)["roles"].drop_columns(["recorded_at", "superseded_at"]))
    assert answers[0].to_pylist() == answers[1].to_pylist()
    [role] = answers[0].to_pylist()
    assert (role["title"], role["valid_from_precision"]) == ("股东", "year")
