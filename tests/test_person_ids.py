"""Persons are never identified by their name or id number: subject ids are public as they are (only names and id
numbers are masked in public answers), so the loaders refuse a person id that embeds either, on every input path,
and the shipped mappings make opaque ids that still join across files and mappings."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from followthemoney import model

from graphsvc.errors import InputError, LoadRejected, Problem
from graphsvc.identifiers import make_id_number, make_uscc
from graphsvc.loading import LoadOptions, LoadRefused
from graphsvc.stores.base import SCHEMAS, Batch, GraphStore
from graphsvc.stores.embedded import EmbeddedStore
from graphsvc.stores.neo4j import Neo4jStore
from loaders.canonical import load_directory, load_tables
from loaders.intake import load
from loaders.mapping import load_mapping, parse
from loaders.person_ids import ID_KEY_ENV, opaque_id
from tests.bolt_server import BoltServer
from tests.test_loaders import write_csv
from tests.test_neo4j_store import _settings

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
FIRM = make_uscc("9", "1", "230602", "00000001")
ID_NUMBER = make_id_number("320102", dt.date(1985, 1, 1), 123)
SUBJECTS = ["subject_id", "kind", "name", "uscc", "id_number"]
ROLES = ["source_id", "role", "target_id"]
ENTRY = ["entry_id", "subject_id", "list_type", "domain", "determined_on", "status"]
OPAQUE = r"p-[a-z]{20}"


@pytest.fixture
def store() -> Iterator[EmbeddedStore]:
    with EmbeddedStore(":memory:") as s:
        yield s


def _folder(path: Path, persons: list[list[str]], roles: list[list[str]] | None = None) -> Path:
    """subjects.csv with the firm on row 2 and ``persons`` from row 3; roles.csv when given."""
    write_csv(path / "subjects.csv", SUBJECTS, [[FIRM, "enterprise", "大庆某某食品有限公司", FIRM, ""], *persons])
    if roles is not None:
        write_csv(path / "roles.csv", ROLES, roles)
    return path


def _refused(path: Path, store: EmbeddedStore) -> list[Problem]:
    before = store.stats()
    with pytest.raises(LoadRejected) as refused:
        load_directory(path, store)
    assert store.stats() == before
    return refused.value.problems


def _person_problem(problems: list[Problem]) -> Problem:
    [problem] = [p for p in problems if p.column == "subject_id"]
    return problem


def subject_ids(store: GraphStore, kind: str) -> set[str]:
    return {r["subject_id"] for r in store.current_subjects().to_pylist() if r["kind"] == kind}


def held(store: GraphStore) -> set[tuple[str, str, str]]:
    return {(r["source_id"], r["role"], r["target_id"]) for r in store.graph_on(dt.date(2026, 6, 30))[1].to_pylist()}


# -- refused ----------------------------------------------------------------------------------------------------


def test_a_person_id_that_embeds_the_name_is_refused_naming_file_row_column_and_the_id_masked(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    path = _folder(tmp_path, [[f"{FIRM}/王建国", "person", "王建国", "", ""]])
    problem = _person_problem(_refused(path, store))
    assert (problem.file, problem.row, problem.column) == ("subjects.csv", 3, "subject_id")
    assert problem.value == f"{FIRM}/王**"  # the name masked as public answers mask it
    assert "embeds the person's name and Han characters" in problem.reason
    assert "give persons an opaque id" in problem.reason and "opaque: true" in problem.reason
    assert "王建国" not in str(problem)


@pytest.mark.parametrize(
    ("subject_id", "shown", "what"),
    [
        (ID_NUMBER, "320102********" + ID_NUMBER[-4:], "a resident id number (it verifies under GB 11643-1999)"),
        (
            f"P-{ID_NUMBER[:17]}{'0' if ID_NUMBER[17] != '0' else '1'}",
            None,
            "its check character does not verify; refused all the same",
        ),
        ("court/3201**********1234", "court/3201**********1234", "masked as the courts publish them"),
        ("2306021973****2219", "230602********2219", "masked as the courts publish them"),
        ("old-320102850101123", None, "the old 15-digit form"),
        ("ＩＤ３２０１０２１９８５０１０１１２３Ｘ", None, "shaped like a resident id number"),  # full-width: NFKC
    ],
)
def test_a_person_id_shaped_like_a_resident_id_number_is_refused(
    tmp_path: Path, store: EmbeddedStore, subject_id: str, shown: str | None, what: str
) -> None:
    problem = _person_problem(_refused(_folder(tmp_path, [[subject_id, "person", "某人", "", ""]]), store))
    assert what in problem.reason
    if shown is not None:
        assert problem.value == shown
    assert problem.value is not None and "19850101" not in problem.value  # the birth date is never printed


def test_a_person_id_holding_the_persons_own_id_number_is_refused(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _folder(tmp_path, [[f"x{ID_NUMBER}1", "person", "张三", "", ID_NUMBER]])
    problem = _person_problem(_refused(path, store))
    assert "embeds the person's own id_number" in problem.reason and ID_NUMBER not in str(problem)


def test_latin_names_count_as_whole_words_so_opaque_codes_that_contain_them_by_chance_load(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    path = _folder(
        tmp_path,
        [
            ["ofac-zakharov-alexander", "person", "Alexander Zakharov", "", ""],  # row 3: refused
            ["cn-wangwei-1", "person", "Wang Wei", "", ""],  # row 4: refused
            ["c3f1a5ed-77b0-4bea-9c2d-0123456789ab", "person", "Ed", "", ""],  # a UUID holding "ed" and "bea"
            ["0a1b2c3d4e5f60718293a4b5c6d7e8f9", "person", "Li", "", ""],  # an md5 with a 10-digit run
        ],
    )
    problems = _refused(path, store)
    assert sorted((p.row, p.value) for p in problems) == [(3, "ofac-z*******-a********"), (4, "cn-w***w**-1")]
    assert all("embeds the person's name;" in p.reason for p in problems)


# -- accepted ---------------------------------------------------------------------------------------------------


def test_organisations_with_han_characters_in_their_id_and_persons_with_opaque_ids_load(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    person = opaque_id(f"{FIRM}/王建国")
    path = _folder(
        tmp_path,
        [
            ["大庆/某某商行", "enterprise", "某某商行", "", ""],
            [person, "person", "王建国", "", ID_NUMBER],
            ["P00001", "person", "李娜", "", ""],
        ],
        [[person, "legal_representative", FIRM], ["P00001", "supervisor", "大庆/某某商行"]],
    )
    load_directory(path, store)
    assert subject_ids(store, "person") == {person, "P00001"}
    assert (person, "legal_representative", FIRM) in held(store)


# -- every input path -------------------------------------------------------------------------------------------


def test_parquet_frames_ftm_and_bods_inputs_are_refused_alike(tmp_path: Path, store: EmbeddedStore) -> None:
    rows = {"subject_id": ["court/刘某某"], "kind": ["person"], "name": ["刘某某"]}
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    pq.write_table(pa.table(rows), parquet / "subjects.parquet")
    assert "Han characters" in _person_problem(_refused(parquet, store)).reason
    with pytest.raises(LoadRejected) as frames:  # load_tables: the API's intake
        load_tables({"subjects": pa.table(rows)}, store)
    assert _person_problem(frames.value.problems).value == "court/刘**"

    ftm = tmp_path / "ftm" / "people.ftm.json"
    ftm.parent.mkdir()
    person = model.make_entity("Person")
    person.id = "ofac-zakharov-alexander"
    person.add("name", "Alexander Zakharov")
    ftm.write_text(json.dumps(person.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(LoadRefused) as from_ftm:
        load(ftm.parent, store)
    [problem] = from_ftm.value.problems
    assert (problem.file, problem.row, problem.column) == ("people.ftm.json", 1, "subject_id")
    assert "embeds the person's name" in problem.reason

    bods = tmp_path / "bods" / "statements.json"
    bods.parent.mkdir()
    statement = {
        "statementID": "person-赵强",
        "statementType": "personStatement",
        "personType": "knownPerson",
        "names": [{"fullName": "赵强"}],
        "statementDate": "2020-01-01",
    }
    bods.write_text(json.dumps([statement], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LoadRefused) as from_bods:
        load(bods, store)
    [problem] = from_bods.value.problems
    assert (problem.file, problem.pointer, problem.value) == ("statements.json", "/0", "person-赵*")


def test_skip_invalid_rejects_the_person_and_its_roles_and_loads_the_rest(tmp_path: Path, store: EmbeddedStore) -> None:
    path = _folder(
        tmp_path,
        [[f"{FIRM}/王建国", "person", "王建国", "", ""], ["P00001", "person", "李娜", "", ""]],
        [[f"{FIRM}/王建国", "legal_representative", FIRM], ["P00001", "supervisor", FIRM]],
    )
    report = load_directory(path, store, skip_invalid=True)
    assert subject_ids(store, "person") == {"P00001"}
    assert held(store) == {("P00001", "supervisor", FIRM)}
    [role] = [p for p in report.problems if p.file == "roles.csv"]
    assert (role.row, role.column, role.value) == (2, "source_id", f"{FIRM}/王**")
    assert role.reason == f"refers to subject {FIRM}/王** whose row in subjects.csv is invalid"
    written = {p.name: p.read_text(encoding="utf-8") for p in report.rejected_files}
    assert "embeds the person's name" in written["subjects.csv.rejected.csv"]
    assert f"{FIRM}/王** whose row" in written["roles.csv.rejected.csv"]


@pytest.mark.parametrize("kind", ["embedded", "neo4j"])
def test_references_to_a_person_stored_under_a_name_id_by_an_earlier_load_are_refused(
    tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    legacy = f"{FIRM}/王建国"
    none = [None, None]
    subjects = pa.table(
        {
            "subject_id": [FIRM, legacy],
            "kind": ["enterprise", "person"],
            "name": ["大庆某某", "王建国"],
            "uscc": [FIRM, None],
            "id_number": none,
            "region": none,
        },
        schema=SCHEMAS["subjects"],
    )
    folder = write_csv(tmp_path / "in" / "roles.csv", ROLES, [[legacy, "director", FIRM]]).parent
    entry = ["E1", legacy, "court_defaulter", "judicial", "2024-01-01", "active", "public"]
    write_csv(folder / "entries.csv", [*ENTRY, "scope"], [entry])
    if kind == "neo4j":
        server: BoltServer = request.getfixturevalue("neo4j_clean")
        opened: GraphStore = Neo4jStore(_settings(server))
    else:
        opened = EmbeddedStore(tmp_path / "store.duckdb")
    with opened as store:
        store.apply_batch(Batch("before person ids were checked", {"subjects": subjects}))
        with pytest.raises(LoadRejected) as refused:
            load_directory(folder, store)
    problems = refused.value.problems
    assert sorted((p.file, p.row, p.column, p.value) for p in problems) == [
        ("entries.csv", 2, "subject_id", f"{FIRM}/王**"),
        ("roles.csv", 2, "source_id", f"{FIRM}/王**"),
    ]
    for problem in problems:
        assert "stored by an earlier load under a subject_id that embeds Han characters" in problem.reason
        assert "load the person again under an opaque id" in problem.reason


# -- opaque ids in the shipped mappings -------------------------------------------------------------------------


def _examples(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(EXAMPLES / name, tmp_path / name))


def test_the_registry_extract_makes_opaque_person_ids_that_join_its_three_files(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    load(_examples(tmp_path, "registry"), store, LoadOptions(mapping="registry_extract"))
    persons = subject_ids(store, "person")
    assert len(persons) == 4 and all(re.fullmatch(OPAQUE, p) for p in persons)
    wang = opaque_id("91230602MA51LH9G6R/王建国")
    food, chem = "91230602MA51LH9G6R", "91230603MA1BXK2P0A"
    # 王建国 from the 基本信息, 主要人员 and 股东 sheets is one subject with all four roles.
    assert {(r, t) for s, r, t in held(store) if s == wang} == {
        ("legal_representative", food),
        ("director", food),
        ("senior_manager", food),
        ("shareholder", food),
    }
    assert (opaque_id(f"{chem}/孙丽"), "director", chem) in held(store)
    assert not any("王" in s or "赵" in s for s, _, _ in held(store))


def test_the_court_publication_and_the_registry_extract_name_the_same_legal_representative(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    load(_examples(tmp_path, "registry"), store, LoadOptions(mapping="registry_extract"))
    summary = load(_examples(tmp_path, "shixin"), store, LoadOptions(mapping="shixin_beizhixingren"))
    chem = "91230603MA1BXK2P0A"
    zhao = opaque_id(f"{chem}/赵强")
    assert summary.tables["roles"].unchanged == 1  # 赵强 at the chemical firm: the registry's person and role
    assert (zhao, "legal_representative", chem) in held(store)
    entries = {e["entry_id"]: e for e in store.current_entries().to_pylist()}
    liu = opaque_id("court/2306021973****2219/刘某某")
    [person_entry] = [e for e in entries.values() if e["subject_id"] == liu]
    assert person_entry["entry_id"] == opaque_id("(2025)黑0602执1187号/刘某某", "e")
    assert person_entry["legal_basis"].startswith("(2025)黑0602执1187号; ")  # the case number is kept
    assert not any("刘" in e["entry_id"] or "****" in e["subject_id"] for e in entries.values())


def test_the_penalty_export_makes_the_registrys_id_of_the_legal_representative(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    load(_examples(tmp_path, "registry"), store, LoadOptions(mapping="registry_extract"))
    summary = load(_examples(tmp_path, "shuanggongshi"), store, LoadOptions(mapping="shuanggongshi_penalty"))
    assert summary.tables["roles"].unchanged == 2  # 王建国 and 赵强, as the registry extract loaded them
    assert (opaque_id("91230602MA51LH9G6R/王建国"), "legal_representative", "91230602MA51LH9G6R") in held(store)


def test_the_same_files_give_the_same_ids_and_a_deployment_key_gives_other_stable_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _examples(tmp_path, "registry")
    options = LoadOptions(mapping="registry_extract")
    answers: list[set[str]] = []
    for index, key in enumerate(["", "", "deployment secret", "deployment secret"]):
        monkeypatch.setenv(ID_KEY_ENV, key)
        with EmbeddedStore(tmp_path / f"s{index}.duckdb") as store:
            load(folder, store, options)
            answers.append(subject_ids(store, "person"))
            again = load(folder, store, options)
            assert sum(c.inserted + c.superseded for c in again.tables.values()) == 0
    plain, keyed = answers[0], answers[2]
    assert answers[1] == plain and answers[3] == keyed and not plain & keyed
    value = "91230602MA51LH9G6R/王建国"
    assert opaque_id(value) in plain and opaque_id(value, key=b"deployment secret") in keyed


def test_opaque_ids_are_letters_only_and_the_option_is_checked() -> None:
    ids = {opaque_id(f"{FIRM}/{n}") for n in range(2000)}
    assert len(ids) == 2000 and all(re.fullmatch(OPAQUE, i) for i in ids)
    assert opaque_id("ＡＢ") == opaque_id("AB")  # the value is taken after NFKC
    assert opaque_id("x", "e").startswith("e-")
    spec = load_mapping("registry_extract").files[0].outputs[1].columns["subject_id"]
    assert spec.opaque == "p" and spec.apply({"统一社会信用代码": FIRM, "法定代表人": "王建国"}) == opaque_id(
        f"{FIRM}/王建国"
    )
    with pytest.raises(InputError, match=r"opaque is true .* or a prefix of 1 to 8 letters"):
        parse(_one_column({"template": "{A}/{B}", "opaque": "P-"}), "bad")


def _one_column(spec: dict[str, Any]) -> dict[str, Any]:
    columns = {"subject_id": spec, "kind": {"value": "person"}, "name": "B"}
    return {"files": [{"match": ["*.csv"], "outputs": [{"table": "subjects", "columns": columns}]}]}
