"""The canonical loader: every problem reported at once, all-or-nothing, skip-invalid, PRV-01, the CLI contract.

Each test is a small scenario: a valid ``World`` is built with ``Scenario``, one cell or row is broken, and
the test asserts the exact problems (file, row, column, value, reason) and that the store did not change.
Row numbers are line numbers with the header as row 1, so the first data row is row 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from graphsvc.cli import main
from graphsvc.config import DB_ENV
from graphsvc.engine import evaluate
from graphsvc.errors import InputError, LoadRejected, Problem
from graphsvc.identifiers import make_id_number, make_uscc
from graphsvc.profiles import PROFILE_NAMES, load_profile
from graphsvc.stores import embedded
from graphsvc.stores.embedded import EmbeddedStore
from loaders import validation
from loaders.canonical import load_directory
from loaders.columns import FILES, prohibited_reason
from tests.scenario import Scenario

FILE_NAMES = ("subjects.csv", "roles.csv", "entries.csv", "responsibilities.csv")
EMPTY = {"subjects": 0, "roles": 0, "entries": 0, "findings": 0, "derived": 0}


# -- the world every scenario starts from ---------------------------------------------------------------------


@dataclass
class World:
    """A valid data set; each list row's position fixes its line number (index + 2).

    subjects.csv          roles.csv                                 entries.csv
      2 firm (enterprise)   2 boss legal_representative firm          2 firm black (E00006)
      3 boss (person)       3 clerk shareholder firm, ratio 20        3 other abnormal_operation (E00007)
      4 clerk (person)
      5 bystander (person)  responsibilities.csv
      6 other (enterprise)    2 clerk -> E00006

    Breaking a subject row also rejects the rows that refer to it (e.g. other's entry, entries.csv row 3).
    """

    s: Scenario
    firm: str
    boss: str
    clerk: str
    bystander: str
    other: str
    black: str
    abnormal: str

    def write(self, directory: Path) -> Path:
        return self.s.write(directory)


def world() -> World:
    s = Scenario()
    firm = s.org("大庆某某化工有限公司")
    boss = s.person("张伟")
    clerk = s.person("李娜")
    bystander = s.person("冯军")
    other = s.org("大庆另一家贸易有限公司")
    s.role(boss, "legal_representative", firm)
    s.role(clerk, "shareholder", firm, ratio=20)
    black = s.entry(firm, "black")
    abnormal = s.entry(other, "abnormal_operation")
    s.finding(clerk, black)
    return World(s, firm, boss, clerk, bystander, other, black, abnormal)


WORLD_COUNTS = {"subjects": 5, "roles": 2, "entries": 2, "findings": 1}


def fresh_uscc(n: int = 99999) -> str:
    return make_uscc("9", "1", "230602", f"{n:08d}")


def fresh_id_number(n: int = 777) -> str:
    return make_id_number("230602", dt.date(1985, 5, 5), n)


def wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


# -- helpers ---------------------------------------------------------------------------------------------------


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]] = ()) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(list(header))
        writer.writerows([list(r) for r in rows])
    return path


def keep_only(directory: Path, *names: str) -> Path:
    """Remove the canonical CSVs not named (any of the four files may be absent)."""
    for name in FILE_NAMES:
        if name not in names:
            (directory / name).unlink()
    return directory


def rejected(directory: Path, store: EmbeddedStore, *, skip_invalid: bool = False) -> list[Problem]:
    """Load, expect LoadRejected, check the store is unchanged, and return the problems."""
    before = store.stats()
    with pytest.raises(LoadRejected) as info:
        load_directory(directory, store, skip_invalid=skip_invalid)
    assert store.stats() == before
    assert info.value.problems, "LoadRejected must carry its problems"
    assert f"{len(info.value.problems)} problem(s)" in str(info.value)
    return info.value.problems


@pytest.fixture
def store() -> Iterator[EmbeddedStore]:
    """Overrides conftest's file store with an in-memory one: same code, without the disk syncs (faster)."""
    with EmbeddedStore(":memory:") as s:
        yield s


@pytest.fixture(scope="module")
def empty_store() -> Iterator[EmbeddedStore]:
    """One store for the tests that only expect rejections: `rejected` checks that it stays unchanged."""
    with EmbeddedStore(":memory:") as s:
        yield s


def where(problems: Iterable[Problem]) -> list[tuple[str, int | None, str | None, str | None]]:
    return sorted(((p.file, p.row, p.column, p.value) for p in problems), key=repr)


Expected = tuple[str, int | None, str | None, str | None, str]  # file, row, column, value, reason fragment


def assert_problems(problems: list[Problem], expected: Sequence[Expected]) -> None:
    assert where(problems) == sorted(((f, r, c, v) for f, r, c, v, _ in expected), key=repr), problems
    for file, row, column, value, fragment in expected:
        reasons = [p.reason for p in problems if (p.file, p.row, p.column, p.value) == (file, row, column, value)]
        assert any(fragment in r for r in reasons), (fragment, reasons)


def stored_rows(store: EmbeddedStore, table: str) -> list[tuple[object, ...]]:
    """Current rows of a store table (for comparing two loads), without transaction-time columns."""
    con = store._con
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    keep = [c for c in cols if c not in ("batch_id", "recorded_at", "superseded_at")]
    rows = con.execute(f"SELECT {', '.join(keep)} FROM {table} WHERE superseded_at IS NULL").fetchall()
    return sorted(rows, key=repr)


def to_parquet(directory: Path, target: Path) -> Path:
    """The same tables as Parquet, every column as string (empty cells as empty strings)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in directory.glob("*.csv"):
        header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        table = pacsv.read_csv(
            path, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()))
        )
        pq.write_table(table, target / (path.stem + ".parquet"))
    return target


# -- PRV-01: prohibited personal data in column names -----------------------------------------------------------


@pytest.mark.parametrize(
    "column",
    [
        "religion",
        "Religion",
        "religious_belief",
        "religiousBelief",
        "ReligiousBelief",
        "faith",
        "gene",
        "genes",
        "gene_marker",
        "geneticTest",
        "genome_sequence",
        "DNA",
        "DNASequence",  # an acronym in camelCase
        "patientDNA",
        "blood_type",
        "bloodType",
        "BloodType",
        "BLOOD_TYPE",
        "bloodtype",
        "blood type",
        "blood-group",
        "type_of_blood",
        "disease",
        "chronic_diseases",
        "illness",
        "illnessHistory",
        "medical_history",
        "medicalHistory",
        "MedicalRecord",
        "health_condition",
        "medicalhistory",  # run together
        "religiousbelief",
        "chronicillness",
        "宗教信仰",
        "宗教",
        "基因",
        "基因检测结果",
        "血型",
        "person_血型",
        "疾病",
        "疾病史",
        "病史",
        "既往病史",
    ],
)
def test_prohibited_reason_flags_personal_data_columns(column: str) -> None:
    reason = prohibited_reason(column)
    assert reason is not None
    assert "PRV-01" in reason


@pytest.mark.parametrize(
    "column",
    [
        "general",
        "generation",
        "generic",
        "generalManager",
        "GeneralManager",
        "GENERAL",
        "IDNumber",
        "regeneration",
        "gender",
        "agent",
        "genre",
        "type",
        "list_type",
        "legal_basis",
        "determined_on",
        "department",
        "名称",
        "统一社会信用代码",
        "",
    ],
)
def test_prohibited_reason_leaves_harmless_columns_alone(column: str) -> None:
    assert prohibited_reason(column) is None


def test_no_canonical_column_is_prohibited() -> None:
    for spec in FILES:
        for column in spec.columns:
            assert prohibited_reason(column) is None, (spec.stem, column)


def add_column(path: Path, column: str, value: str) -> None:
    """Append a column to every row of a CSV (header gets ``column``, data rows ``value``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([f"{lines[0]},{column}", *(f"{line},{value}" for line in lines[1:])]) + "\n", encoding="utf-8"
    )


@pytest.mark.parametrize("column", ["blood_type", "bloodType", "血型", "illness", "疾病", "medical_history"])
def test_scenario_9_person_record_with_blood_type_or_illness_is_rejected(
    tmp_path: Path, empty_store: EmbeddedStore, column: str
) -> None:
    """§9.12 scenario 9: ingesting a person record that contains blood type or illness data is rejected."""
    w = world()
    directory = w.write(tmp_path / "in")
    add_column(directory / "subjects.csv", column, "A")
    for skip_invalid in (False, True):  # PRV-01 is refused even with skip_invalid
        problems = rejected(directory, empty_store, skip_invalid=skip_invalid)
        assert_problems(problems, [("subjects.csv", 1, column, None, "PRV-01")])
        assert empty_store.stats() == EMPTY
        assert not list(directory.glob("*.rejected.csv"))


@pytest.mark.parametrize("column", ["宗教信仰", "基因", "religion", "religiousBelief", "病史"])
def test_prohibited_column_in_any_canonical_file_is_refused(
    tmp_path: Path, empty_store: EmbeddedStore, column: str
) -> None:
    w = world()
    directory = w.write(tmp_path / "in")
    add_column(directory / "responsibilities.csv", column, "x")
    problems = rejected(directory, empty_store, skip_invalid=True)
    assert_problems(problems, [("responsibilities.csv", 1, column, None, "PRV-01")])


def test_prohibited_column_in_a_non_canonical_file_of_the_folder_is_refused(
    tmp_path: Path, empty_store: EmbeddedStore
) -> None:
    w = world()
    directory = w.write(tmp_path / "in")
    write_csv(directory / "person_extras.csv", ["subject_id", "血型"], [[w.boss, "A"]])
    problems = rejected(directory, empty_store, skip_invalid=True)
    assert_problems(problems, [("person_extras.csv", 1, "血型", None, "PRV-01")])
    assert empty_store.stats() == EMPTY


def test_prohibited_column_in_parquet_is_refused(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    directory = to_parquet(w.write(tmp_path / "csv"), tmp_path / "pq")
    table = pq.read_table(directory / "subjects.parquet")
    table = table.append_column("religion", pa.array(["x"] * table.num_rows, pa.string()))
    pq.write_table(table, directory / "subjects.parquet")
    problems = rejected(directory, empty_store, skip_invalid=True)
    assert_problems(problems, [("subjects.parquet", 1, "religion", None, "PRV-01")])


def test_prohibited_column_stops_a_folder_that_is_otherwise_valid_even_after_earlier_loads(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    w = world()
    load_directory(w.write(tmp_path / "first"), store)
    before = store.stats()
    directory = w.write(tmp_path / "second")
    add_column(directory / "subjects.csv", "bloodType", "O")
    rejected(directory, store)
    assert store.stats() == before


# -- the happy path: what loads, and what a reload does -----------------------------------------------------


def test_world_loads(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    report = load_directory(w.write(tmp_path / "in"), store)
    assert report.files == {"subjects.csv": 5, "roles.csv": 2, "entries.csv": 2, "responsibilities.csv": 1}
    assert report.problems == []
    assert report.rejected_files == []
    assert report.result is not None
    assert report.result.inserted == WORLD_COUNTS
    assert store.stats() == {**WORLD_COUNTS, "derived": 0}


def test_reloading_the_same_files_changes_nothing(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    directory = w.write(tmp_path / "in")
    first = load_directory(directory, store)
    stats = store.stats()
    rows = {t: stored_rows(store, t) for t in WORLD_COUNTS}
    second = load_directory(directory, store)
    assert second.result is not None and first.result is not None
    assert second.result.inserted == dict.fromkeys(WORLD_COUNTS, 0)
    assert second.result.superseded == dict.fromkeys(WORLD_COUNTS, 0)
    assert second.result.unchanged == WORLD_COUNTS
    assert second.result.batch_id > first.result.batch_id
    assert store.stats() == stats
    assert {t: stored_rows(store, t) for t in WORLD_COUNTS} == rows


def test_a_corrected_subject_supersedes_the_old_version(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    load_directory(w.write(tmp_path / "v1"), store)
    w.s.subjects[0]["name"] = "大庆某某化工股份有限公司"
    report = load_directory(w.write(tmp_path / "v2"), store)
    assert report.result is not None
    assert report.result.superseded["subjects"] == 1
    assert report.result.inserted["subjects"] == 1
    assert report.result.unchanged["subjects"] == 4
    assert report.result.inserted["roles"] == 0
    assert store.stats()["subjects"] == 5
    names = {row[0]: row[2] for row in stored_rows(store, "subjects")}
    assert names[w.firm] == "大庆某某化工股份有限公司"


def test_a_reload_compared_a_row_at_a_time_counts_as_one_compared_at_once(
    tmp_path: Path, store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store compares a batch with its stored versions in chunks (UPSERT_CHUNK_ROWS); one row per chunk
    supersedes, inserts and skips exactly the rows that one chunk does."""
    monkeypatch.setattr(embedded, "UPSERT_CHUNK_ROWS", 1)
    monkeypatch.setattr(embedded, "UPSERT_MAX_CHUNKS", 1_000)
    w = world()
    load_directory(w.write(tmp_path / "v1"), store)
    before = stored_rows(store, "subjects")
    w.s.subjects[0]["name"] = "大庆某某化工股份有限公司"  # changed
    w.s.person("王芳")  # new
    w.s.roles[1]["ratio"] = "30"  # changed
    report = load_directory(w.write(tmp_path / "v2"), store)
    assert report.result is not None
    assert report.result.superseded == {"subjects": 1, "roles": 1, "entries": 0, "findings": 0}
    assert report.result.inserted == {"subjects": 2, "roles": 1, "entries": 0, "findings": 0}
    assert report.result.unchanged == {"subjects": 4, "roles": 1, "entries": 2, "findings": 1}
    after = stored_rows(store, "subjects")
    assert len(after) == 6 and len(set(after) & set(before)) == 4


def test_any_of_the_four_files_may_be_absent(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    report = load_directory(keep_only(w.write(tmp_path / "in"), "subjects.csv"), store)
    assert report.files == {"subjects.csv": 5}
    assert report.result is not None
    assert report.result.inserted == {"subjects": 5}
    assert store.stats() == {**EMPTY, "subjects": 5}


def test_references_resolve_against_the_store_across_loads(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    load_directory(keep_only(w.write(tmp_path / "a"), "subjects.csv"), store)
    load_directory(keep_only(w.write(tmp_path / "b"), "roles.csv"), store)
    load_directory(keep_only(w.write(tmp_path / "c"), "entries.csv"), store)
    load_directory(keep_only(w.write(tmp_path / "d"), "responsibilities.csv"), store)
    assert store.stats() == {**WORLD_COUNTS, "derived": 0}


def test_kinds_of_stored_subjects_are_checked_as_those_of_the_load(tmp_path: Path, store: EmbeddedStore) -> None:
    """A roles file alone, against subjects stored earlier: the stored kinds decide, with this load's subjects."""
    w = world()
    load_directory(keep_only(w.write(tmp_path / "a"), "subjects.csv"), store)
    w.s.role(w.firm, "legal_representative", w.other)  # row 4: an enterprise as legal representative
    w.s.role(w.clerk, "shareholder", w.boss, ratio=5)  # row 5: a share in a person
    w.s.role(w.bystander, "director", w.other)  # row 6: fine
    problems = rejected(keep_only(w.write(tmp_path / "b"), "roles.csv"), store)
    assert_problems(
        problems,
        [
            ("roles.csv", 4, "role", "legal_representative", f"must be held by a person, but {w.firm} is enterprise"),
            ("roles.csv", 5, "role", "shareholder", f"must point at an organisation, but {w.boss} is a person"),
        ],
    )


def test_a_reference_to_a_subject_in_neither_the_load_nor_the_store_names_the_id(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    w = world()
    load_directory(keep_only(w.write(tmp_path / "a"), "subjects.csv"), store)
    w.s.role("P99999", "director", w.firm)  # roles.csv row 4
    directory = keep_only(w.write(tmp_path / "b"), "roles.csv")
    problems = rejected(directory, store)
    assert_problems(
        problems,
        [("roles.csv", 4, "source_id", "P99999", "refers to unknown subject P99999; add it to subjects.csv")],
    )


def test_header_only_files_load_nothing(tmp_path: Path, store: EmbeddedStore) -> None:
    directory = Scenario().write(tmp_path / "in")
    report = load_directory(directory, store)
    assert report.files == dict.fromkeys(FILE_NAMES, 0)
    assert store.stats() == EMPTY


def test_only_required_columns_are_needed(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    directory = tmp_path / "in"
    write_csv(
        directory / "subjects.csv",
        ["name", "kind", "subject_id"],  # any order
        [[r["name"], r["kind"], r["subject_id"]] for r in w.s.subjects],
    )
    write_csv(directory / "roles.csv", ["source_id", "role", "target_id"], [[w.boss, "director", w.firm]])
    load_directory(directory, store)
    assert store.stats() == {**EMPTY, "subjects": 5, "roles": 1}


def test_values_are_trimmed_and_empty_cells_are_null(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects[0]["kind"] = " enterprise "
    w.s.subjects[0]["region"] = "   "
    load_directory(w.write(tmp_path / "in"), store)
    firm = next(r for r in stored_rows(store, "subjects") if r[0] == w.firm)
    assert firm[1] == "enterprise"
    assert firm[5] is None


def test_a_bom_prefixed_csv_loads(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    directory = w.write(tmp_path / "in")
    for name in FILE_NAMES:
        path = directory / name
        path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8-sig")
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    load_directory(directory, store)
    assert store.stats() == {**WORLD_COUNTS, "derived": 0}


def test_a_bom_prefixed_csv_reports_problems_in_its_first_column(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects[4]["subject_id"] = ""
    directory = keep_only(w.write(tmp_path / "in"), "subjects.csv")
    path = directory / "subjects.csv"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8-sig")
    assert_problems(rejected(directory, empty_store), [("subjects.csv", 6, "subject_id", None, "required value")])


def test_crlf_line_endings_load_and_keep_row_numbers(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects[4]["kind"] = "alien"
    directory = w.write(tmp_path / "in")
    for name in FILE_NAMES:
        path = directory / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert_problems(
        rejected(directory, empty_store),
        [
            ("subjects.csv", 6, "kind", "alien", "unknown subject kind"),
            ("entries.csv", 3, "subject_id", w.other, "whose row in subjects.csv is invalid"),
        ],
    )


def test_progress_is_reported_step_by_step(tmp_path: Path, store: EmbeddedStore) -> None:
    calls: list[tuple[str, int, int]] = []
    load_directory(world().write(tmp_path / "in"), store, progress=lambda *a: calls.append(a))
    assert [done for _, done, _ in calls] == list(range(1, len(calls) + 1))
    assert {total for _, _, total in calls} == {len(calls)}
    assert calls[-1][0] == "committed"


# -- Parquet -----------------------------------------------------------------------------------------------------


def test_a_parquet_folder_loads_the_same_as_csv(tmp_path: Path) -> None:
    w = world()
    csv_dir = w.write(tmp_path / "csv")
    pq_dir = to_parquet(csv_dir, tmp_path / "pq")
    assert sorted(p.name for p in pq_dir.iterdir()) == sorted(n.replace(".csv", ".parquet") for n in FILE_NAMES)
    as_of = dt.date(2024, 6, 30)
    results = []
    for directory, db in ((csv_dir, "csv.duckdb"), (pq_dir, "pq.duckdb")):
        with EmbeddedStore(tmp_path / db) as store:
            report = load_directory(directory, store)
            assert report.result is not None
            tables = {t: stored_rows(store, t) for t in WORLD_COUNTS}
            derived = evaluate(store, load_profile("default"), as_of, persist=False).records.to_pylist()
            results.append((report.result.inserted, store.stats(), tables, derived))
    assert results[0] == results[1]
    assert results[0][3], "the world should derive something (P1 for the legal representative)"


def test_parquet_rows_are_numbered_like_csv_rows(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects[4]["kind"] = "alien"
    pq_dir = to_parquet(w.write(tmp_path / "csv"), tmp_path / "pq")
    assert_problems(
        rejected(pq_dir, empty_store),
        [
            ("subjects.parquet", 6, "kind", "alien", "unknown subject kind"),
            ("entries.parquet", 3, "subject_id", w.other, "whose row in subjects.parquet is invalid"),
        ],
    )


def test_parquet_reference_to_an_invalid_subject_names_the_parquet_file(
    tmp_path: Path, empty_store: EmbeddedStore
) -> None:
    w = world()
    w.s.subjects[2]["kind"] = "alien"  # clerk: shareholder role and finding depend on it
    w.s.subjects[2]["id_number"] = ""
    pq_dir = to_parquet(w.write(tmp_path / "csv"), tmp_path / "pq")
    assert_problems(
        rejected(pq_dir, empty_store),
        [
            ("subjects.parquet", 4, "kind", "alien", "unknown subject kind"),
            ("roles.parquet", 3, "source_id", w.clerk, "whose row in subjects.parquet is invalid"),
            ("responsibilities.parquet", 2, "person_id", w.clerk, "whose row in subjects.parquet is invalid"),
        ],
    )


def test_parquet_with_typed_columns_is_read_as_text(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    directory = tmp_path / "pq"
    directory.mkdir()
    pq.write_table(pa.Table.from_pylist(w.s.subjects), directory / "subjects.parquet")
    roles = pa.table(
        {
            "source_id": [w.clerk],
            "role": ["shareholder"],
            "target_id": [w.firm],
            "ratio": pa.array([12.5], pa.float64()),
            "valid_from": pa.array([dt.date(2015, 1, 1)], pa.date32()),
        }
    )
    pq.write_table(roles, directory / "roles.parquet")
    load_directory(directory, store)
    assert stored_rows(store, "roles") == [
        (w.clerk, "shareholder", w.firm, 12.5, dt.date(2015, 1, 1), None, None, None, None)
    ]


def test_csv_and_parquet_of_the_same_table_is_an_error(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    directory = w.write(tmp_path / "in")
    to_parquet(keep_only(w.write(tmp_path / "tmp"), "roles.csv"), directory)
    problems = rejected(directory, empty_store)
    assert len(problems) == 1
    assert problems[0].file in ("roles.csv", "roles.parquet")
    assert problems[0].row is None
    assert "both roles.csv and roles.parquet are present" in problems[0].reason
    rejected(directory, empty_store, skip_invalid=True)


# -- unusable folders -----------------------------------------------------------------------------------------


def test_a_missing_folder_is_an_input_error(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    with pytest.raises(InputError, match="not a directory"):
        load_directory(tmp_path / "nowhere", empty_store)
    assert empty_store.stats() == EMPTY


def test_a_file_instead_of_a_folder_is_an_input_error(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    path = write_csv(tmp_path / "subjects.csv", ["subject_id", "kind", "name"])
    with pytest.raises(InputError):
        load_directory(path, empty_store)


def test_a_folder_without_canonical_files_is_an_input_error(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "readme.txt").write_text("nothing here", encoding="utf-8")
    write_csv(directory / "people.csv", ["subject_id", "name"], [["P1", "张伟"]])
    (directory / "subjects.csv.rejected.csv").write_text("row,subject_id\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds none of subjects, roles, entries, responsibilities"):
        load_directory(directory, empty_store)
    assert empty_store.stats() == EMPTY


def test_an_empty_file_cannot_be_read(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "subjects.csv").write_bytes(b"")
    problems = rejected(directory, empty_store)
    assert where(problems) == [("subjects.csv", None, None, None)]
    assert "the file is empty" in problems[0].reason


def test_a_gbk_csv_loads_through_the_library_call_as_through_the_cli(tmp_path: Path) -> None:
    """load_directory detects the encoding as `graphsvc load` does (issue 12: fit rules in the library path)."""
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "subjects.csv").write_bytes("subject_id,kind,name\nP1,person,张伟\n".encode("gbk"))
    with EmbeddedStore(":memory:") as store:
        load_directory(directory, store)
        assert [r[:3] for r in stored_rows(store, "subjects")] == [("P1", "person", "张伟")]


def test_rows_with_the_wrong_number_of_cells_are_named_by_line(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    directory = tmp_path / "in"
    write_csv(
        directory / "subjects.csv",
        ["subject_id", "kind", "name"],
        [["P1", "person", "张伟", "extra"], ["P2", "person", "李娜"], ["P3", "person"]],
    )
    problems = rejected(directory, empty_store, skip_invalid=True)
    assert where(problems) == [("subjects.csv", 2, None, None), ("subjects.csv", 4, None, None)]
    assert "row has 4 cells, the header has 3" in problems[0].reason


def test_blank_lines_do_not_shift_row_numbers(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "subjects.csv").write_text("subject_id,kind,name\nP1,person,张伟\n\nP2,robot,李娜\n", encoding="utf-8")
    problems = rejected(directory, empty_store)
    assert where(problems) == [("subjects.csv", 4, "kind", "robot")]


def test_quoted_newlines_do_not_shift_row_numbers(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "subjects.csv").write_text(
        'subject_id,kind,name\nP1,person,"张\n伟"\nP2,robot,李娜\n', encoding="utf-8"
    )
    problems = rejected(directory, empty_store)
    assert where(problems) == [("subjects.csv", 4, "kind", "robot")]


def test_rejected_files_of_an_earlier_run_are_removed(tmp_path: Path, store: EmbeddedStore) -> None:
    directory = world().write(tmp_path / "in")
    stale = directory / "roles.csv.rejected.csv"
    stale.write_text("row,reasons\n2,old\n", encoding="utf-8")
    load_directory(directory, store)
    assert not stale.exists()


# -- headers -----------------------------------------------------------------------------------------------


def test_a_missing_required_column_is_reported(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    directory = tmp_path / "in"
    write_csv(directory / "subjects.csv", ["subject_id", "kind"], [[r["subject_id"], r["kind"]] for r in w.s.subjects])
    assert_problems(
        rejected(directory, empty_store, skip_invalid=True),
        [("subjects.csv", 1, "name", None, "required column is missing from the header")],
    )


def test_an_unknown_column_is_reported(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    directory = w.write(tmp_path / "in")
    add_column(directory / "roles.csv", "nickname", "x")
    problems = rejected(directory, empty_store, skip_invalid=True)
    assert_problems(problems, [("roles.csv", 1, "nickname", None, "unknown column; expected some of source_id")])


def test_a_column_given_twice_is_reported(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    directory = tmp_path / "in"
    write_csv(directory / "subjects.csv", ["subject_id", "kind", "name", "name"], [["P1", "person", "a", "b"]])
    problems = rejected(directory, empty_store)
    assert [(p.file, p.row, p.column) for p in problems] == [("subjects.csv", 1, "name")]
    assert "column appears twice" in problems[0].reason


def test_header_problems_in_several_files_are_reported_together(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    directory = w.write(tmp_path / "in")
    add_column(directory / "subjects.csv", "nickname", "x")
    write_csv(directory / "entries.csv", ["entry_id", "subject_id"], [[w.black, w.firm]])
    problems = rejected(directory, empty_store)
    missing = ("list_type", "domain", "determined_on", "status", "scope")
    assert_problems(
        problems,
        [("subjects.csv", 1, "nickname", None, "unknown column")]
        + [("entries.csv", 1, c, None, "required column is missing") for c in missing],
    )


# -- row problems, one broken cell at a time -------------------------------------------------------------------


Mutation = Callable[[World], object]


def cell(table: str, index: int, column: str, value: str) -> Mutation:
    def mutate(w: World) -> None:
        getattr(w.s, table)[index][column] = value

    return mutate


def other_entry(w: World) -> Expected:
    """Breaking the row of ``other`` also rejects its abnormal_operation entry (entries.csv row 3)."""
    return (
        "entries.csv",
        3,
        "subject_id",
        w.other,
        f"refers to subject {w.other} whose row in subjects.csv is invalid",
    )


CASES: list[tuple[str, Mutation, Callable[[World], list[Expected]]]] = [
    # subjects.csv
    (
        "unknown-kind",
        cell("subjects", 4, "kind", "alien"),
        lambda w: [
            ("subjects.csv", 6, "kind", "alien", "unknown subject kind; expected one of enterprise"),
            other_entry(w),
        ],
    ),
    (
        "empty-name",
        cell("subjects", 3, "name", ""),
        lambda w: [("subjects.csv", 5, "name", None, "required value is empty")],
    ),
    (
        "uscc-check-character",
        lambda w: w.s.subjects[4].update(uscc=wrong_check_character(w.other)),
        lambda w: [("subjects.csv", 6, "uscc", wrong_check_character(w.other), "(GB 32100-2015)"), other_entry(w)],
    ),
    (
        "id-number-check-character",
        lambda w: w.s.subjects[3].update(id_number=wrong_check_character(w.s.subjects[3]["id_number"])),
        lambda w: [("subjects.csv", 5, "id_number", w.s.subjects[3]["id_number"], "(GB 11643-1999)")],
    ),
    (
        "uscc-on-person",
        cell("subjects", 3, "uscc", fresh_uscc()),
        lambda w: [("subjects.csv", 5, "uscc", fresh_uscc(), "persons carry id_number, not uscc (SUB-08)")],
    ),
    (
        "id-number-on-organisation",
        cell("subjects", 4, "id_number", fresh_id_number()),
        lambda w: [
            (
                "subjects.csv",
                6,
                "id_number",
                fresh_id_number(),
                "only persons carry an id_number; organisations carry uscc (SUB-07)",
            ),
            other_entry(w),
        ],
    ),
    # roles.csv
    (
        "unknown-role",
        cell("roles", 0, "role", "boss"),
        lambda w: [("roles.csv", 2, "role", "boss", "unknown role")],
    ),
    (
        "empty-target",
        cell("roles", 0, "target_id", ""),
        lambda w: [("roles.csv", 2, "target_id", None, "required value is empty")],
    ),
    (
        "ratio-above-100",
        cell("roles", 1, "ratio", "100.5"),
        lambda w: [("roles.csv", 3, "ratio", "100.5", "ratio must be a number of percent between 0 and 100")],
    ),
    (
        "ratio-negative",
        cell("roles", 1, "ratio", "-1"),
        lambda w: [("roles.csv", 3, "ratio", "-1", "between 0 and 100")],
    ),
    (
        "ratio-not-a-number",
        cell("roles", 1, "ratio", "twenty"),
        lambda w: [("roles.csv", 3, "ratio", "twenty", "between 0 and 100")],
    ),
    (
        "ratio-nan",
        cell("roles", 1, "ratio", "NaN"),
        lambda w: [("roles.csv", 3, "ratio", "NaN", "between 0 and 100")],
    ),
    (
        "valid-to-before-valid-from",
        cell("roles", 0, "valid_to", "2014-12-31"),
        lambda w: [("roles.csv", 2, "valid_to", "2014-12-31", "valid_to is before valid_from (2015-01-01)")],
    ),
    (
        "slashed-date",
        cell("roles", 0, "valid_from", "2024/13/05"),
        lambda w: [("roles.csv", 2, "valid_from", "2024/13/05", "not a date; write YYYY-MM-DD")],
    ),
    (
        "impossible-date",
        cell("roles", 0, "valid_to", "2024-02-30"),
        lambda w: [("roles.csv", 2, "valid_to", "2024-02-30", "not a date; write YYYY-MM-DD")],
    ),
    (
        "person-only-role-held-by-organisation",
        lambda w: w.s.role(w.other, "legal_representative", w.firm),
        lambda w: [
            (
                "roles.csv",
                4,
                "role",
                "legal_representative",
                f"legal_representative must be held by a person, but {w.other} is enterprise",
            )
        ],
    ),
    (
        "role-pointing-at-a-person",
        lambda w: w.s.role(w.firm, "shareholder", w.boss, ratio=10),
        lambda w: [("roles.csv", 4, "role", "shareholder", f"must point at an organisation, but {w.boss} is a person")],
    ),
    (
        "branch-of-held-by-a-person",
        lambda w: w.s.role(w.bystander, "branch_of", w.firm),
        lambda w: [("roles.csv", 4, "role", "branch_of", f"links two organisations, but {w.bystander} is a person")],
    ),
    (
        "related-enterprise-with-a-person",
        # Checked as written: the person is the source here, whichever id sorts first.
        lambda w: w.s.role(w.boss, "related_enterprise", w.firm),
        lambda w: [
            ("roles.csv", 4, "role", "related_enterprise", f"links two organisations, but {w.boss} is a person")
        ],
    ),
    (
        "role-at-itself",
        lambda w: w.s.role(w.other, "shareholder", w.other, ratio=5),
        lambda w: [("roles.csv", 4, "target_id", w.other, "a subject cannot hold a role at itself")],
    ),
    (
        "role-from-unknown-subject",
        lambda w: w.s.role("P99999", "director", w.firm),
        lambda w: [("roles.csv", 4, "source_id", "P99999", "refers to unknown subject P99999")],
    ),
    (
        "role-to-unknown-subject",
        lambda w: w.s.role(w.boss, "director", fresh_uscc()),
        lambda w: [("roles.csv", 4, "target_id", fresh_uscc(), f"refers to unknown subject {fresh_uscc()}")],
    ),
    # entries.csv
    (
        "unknown-list-type",
        cell("entries", 1, "list_type", "grey"),
        lambda w: [("entries.csv", 3, "list_type", "grey", "unknown list type")],
    ),
    (
        "unknown-domain",
        cell("entries", 1, "domain", "astrology"),
        lambda w: [("entries.csv", 3, "domain", "astrology", "unknown domain")],
    ),
    (
        "unknown-severity",
        cell("entries", 1, "severity", "catastrophic"),
        lambda w: [("entries.csv", 3, "severity", "catastrophic", "unknown severity; expected one of fairly_serious")],
    ),
    (
        "unknown-status",
        cell("entries", 1, "status", "paused"),
        lambda w: [("entries.csv", 3, "status", "paused", "unknown status")],
    ),
    (
        "unknown-scope",
        cell("entries", 1, "scope", "secret"),
        lambda w: [("entries.csv", 3, "scope", "secret", "unknown scope; expected one of authorised")],
    ),
    (
        "empty-determined-on",
        cell("entries", 1, "determined_on", ""),
        lambda w: [("entries.csv", 3, "determined_on", None, "required value is empty")],
    ),
    (
        "slashed-determined-on",
        # 2024/1/5 would be fitted (loaders/fit.py); a thirteenth month is no date in any writing.
        cell("entries", 1, "determined_on", "2024/13/05"),
        lambda w: [("entries.csv", 3, "determined_on", "2024/13/05", "not a date; write YYYY-MM-DD")],
    ),
    (
        "impossible-act-date",
        cell("entries", 1, "act_date", "2024-02-30"),
        lambda w: [("entries.csv", 3, "act_date", "2024-02-30", "not a date")],
    ),
    (
        "act-date-after-determined-on",
        cell("entries", 1, "act_date", "2024-03-02"),
        lambda w: [("entries.csv", 3, "act_date", "2024-03-02", "act_date is after determined_on (2024-03-01)")],
    ),
    (
        "valid-until-before-determined-on",
        cell("entries", 1, "valid_until", "2024-02-29"),
        lambda w: [("entries.csv", 3, "valid_until", "2024-02-29", "valid_until is before determined_on (2024-03-01)")],
    ),
    (
        "status-since-before-determined-on",
        cell("entries", 1, "status_since", "2024-01-01"),
        lambda w: [("entries.csv", 3, "status_since", "2024-01-01", "status_since is before determined_on")],
    ),
    (
        "black-entry-with-severity-general",
        cell("entries", 0, "severity", "general"),
        lambda w: [
            ("entries.csv", 2, "severity", "general", "a black entry is always serious (LST-08)"),
            ("responsibilities.csv", 2, "entry_id", w.black, "whose row in entries.csv"),
        ],
    ),
    (
        "focus-entry-with-severity-serious",
        lambda w: w.s.entry(w.other, "focus", severity="serious"),
        lambda w: [("entries.csv", 4, "severity", "serious", "below the black-list threshold (LST-12)")],
    ),
    (
        "serious-illegal-entry-on-a-person",
        lambda w: w.s.entry(w.bystander, "serious_illegal"),
        lambda w: [
            (
                "entries.csv",
                4,
                "list_type",
                "serious_illegal",
                f"serious_illegal lists enterprise only, but {w.bystander} is person",
            )
        ],
    ),
    (
        "entry-for-an-unknown-subject",
        lambda w: w.s.entry("P99999", "abnormal_operation"),
        lambda w: [("entries.csv", 4, "subject_id", "P99999", "refers to unknown subject P99999")],
    ),
    # responsibilities.csv
    (
        "finding-for-an-unknown-entry",
        cell("findings", 0, "entry_id", "E99999"),
        lambda w: [
            (
                "responsibilities.csv",
                2,
                "entry_id",
                "E99999",
                "refers to unknown entry E99999; add it to entries.csv first",
            )
        ],
    ),
    (
        "finding-for-an-unknown-person",
        cell("findings", 0, "person_id", "P99999"),
        lambda w: [("responsibilities.csv", 2, "person_id", "P99999", "refers to unknown subject P99999")],
    ),
    (
        "finding-naming-an-organisation",
        lambda w: w.s.finding(w.other, w.black),
        lambda w: [
            (
                "responsibilities.csv",
                3,
                "person_id",
                w.other,
                "names a natural person, but this subject is an organisation",
            )
        ],
    ),
    (
        "finding-for-an-entry-on-a-person",
        lambda w: w.s.finding(w.clerk, w.s.entry(w.bystander, "court_defaulter")),
        lambda w: [("responsibilities.csv", 3, "entry_id", "E00008", "but this entry lists a person")],
    ),
    (
        "finding-with-empty-person",
        cell("findings", 0, "person_id", ""),
        lambda w: [("responsibilities.csv", 2, "person_id", None, "required value is empty")],
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in CASES])
def test_an_invalid_row_is_reported_and_nothing_is_loaded(
    tmp_path: Path, empty_store: EmbeddedStore, mutate: Mutation, expected: Callable[[World], list[Expected]]
) -> None:
    w = world()
    mutate(w)
    assert_problems(rejected(w.write(tmp_path / "in"), empty_store), expected(w))
    assert empty_store.stats() == EMPTY


def test_invalid_rows_leave_a_filled_store_unchanged(tmp_path: Path, store: EmbeddedStore) -> None:
    """All-or-nothing also when the store holds an earlier load of the same facts."""
    load_directory(world().write(tmp_path / "before"), store)
    before = {t: stored_rows(store, t) for t in WORLD_COUNTS}
    cases = ("unknown-kind", "uscc-on-person", "role-pointing-at-a-person", "finding-naming-an-organisation")
    for case, mutate, _ in CASES:
        if case in cases:
            w = world()
            mutate(w)
            rejected(w.write(tmp_path / case), store)
            assert {t: stored_rows(store, t) for t in WORLD_COUNTS} == before, case


def test_every_problem_in_every_file_is_reported_in_one_rejection(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects[4]["kind"] = "alien"  # other: its entry now refers to an invalid subject
    w.s.subjects[3]["id_number"] = wrong_check_character(w.s.subjects[3]["id_number"])
    w.s.roles[1]["ratio"] = "150"
    w.s.roles[0]["valid_from"] = "2024/13/05"
    w.s.entries[0]["scope"] = "secret"  # the finding's entry
    w.s.finding("P99999", w.black)
    problems = rejected(w.write(tmp_path / "in"), empty_store, skip_invalid=False)
    assert_problems(
        problems,
        [
            ("subjects.csv", 5, "id_number", w.s.subjects[3]["id_number"], "check character"),
            ("subjects.csv", 6, "kind", "alien", "unknown subject kind"),
            ("roles.csv", 2, "valid_from", "2024/13/05", "not a date"),
            ("roles.csv", 3, "ratio", "150", "between 0 and 100"),
            ("entries.csv", 2, "scope", "secret", "unknown scope"),
            (
                "entries.csv",
                3,
                "subject_id",
                w.other,
                f"refers to subject {w.other} whose row in subjects.csv is invalid",
            ),
            (
                "responsibilities.csv",
                2,
                "entry_id",
                w.black,
                f"refers to entry {w.black} whose row in entries.csv is invalid",
            ),
            ("responsibilities.csv", 3, "entry_id", w.black, "whose row in entries.csv is invalid"),
            ("responsibilities.csv", 3, "person_id", "P99999", "refers to unknown subject P99999"),
        ],
    )
    assert len({p.file for p in problems}) == 4


def test_problems_print_file_row_column_and_value() -> None:
    problem = Problem("roles.csv", 3, "ratio", "150", "ratio must be a number of percent between 0 and 100")
    assert (
        str(problem)
        == "roles.csv, row 3, column ratio: value '150': ratio must be a number of percent between 0 and 100"
    )
    assert str(Problem("roles.csv", None, None, None, "cannot read")) == "roles.csv: cannot read"


# -- references to invalid rows --------------------------------------------------------------------------------


def test_a_role_to_an_invalid_subject_says_that_the_subject_row_is_invalid(
    tmp_path: Path, empty_store: EmbeddedStore
) -> None:
    w = world()
    w.s.subjects[0]["uscc"] = wrong_check_character(w.firm)  # firm row 2
    problems = rejected(w.write(tmp_path / "in"), empty_store)
    invalid = "whose row in subjects.csv is invalid"
    assert_problems(
        problems,
        [
            ("subjects.csv", 2, "uscc", wrong_check_character(w.firm), "check character"),
            ("roles.csv", 2, "target_id", w.firm, f"refers to subject {w.firm} {invalid}"),
            ("roles.csv", 3, "target_id", w.firm, invalid),
            ("entries.csv", 2, "subject_id", w.firm, invalid),
            ("responsibilities.csv", 2, "entry_id", w.black, "whose row in entries.csv is invalid"),
        ],
    )


def test_a_finding_on_a_person_entry_is_refused_when_the_person_was_loaded_earlier(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    """PROP-01 check across loads: the entry's subject is in the store, not in this load's subjects.csv."""
    w = world()
    load_directory(keep_only(w.write(tmp_path / "a"), "subjects.csv"), store)
    entry = w.s.entry(w.bystander, "court_defaulter")  # entries.csv row 4
    w.s.finding(w.clerk, entry)  # responsibilities.csv row 3
    directory = keep_only(w.write(tmp_path / "b"), "entries.csv", "responsibilities.csv")
    assert_problems(
        rejected(directory, store),
        [("responsibilities.csv", 3, "entry_id", entry, "but this entry lists a person")],
    )


def test_a_finding_on_a_stored_person_entry_is_refused(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    entry = w.s.entry(w.bystander, "court_defaulter")
    load_directory(keep_only(w.write(tmp_path / "a"), "subjects.csv", "entries.csv"), store)
    w.s.findings.clear()
    w.s.finding(w.clerk, entry)
    directory = keep_only(w.write(tmp_path / "b"), "responsibilities.csv")
    assert_problems(
        rejected(directory, store), [("responsibilities.csv", 2, "entry_id", entry, "this entry lists a person")]
    )


def test_a_finding_naming_a_stored_organisation_is_refused(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    load_directory(keep_only(w.write(tmp_path / "a"), "subjects.csv", "entries.csv"), store)
    w.s.findings[0]["person_id"] = w.other
    directory = keep_only(w.write(tmp_path / "b"), "responsibilities.csv")
    assert_problems(
        rejected(directory, store),
        [("responsibilities.csv", 2, "person_id", w.other, "this subject is an organisation")],
    )


def test_role_kinds_are_checked_against_stored_subjects(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    load_directory(keep_only(w.write(tmp_path / "a"), "subjects.csv"), store)
    w.s.role(w.other, "director", w.firm)  # roles.csv row 4
    directory = keep_only(w.write(tmp_path / "b"), "roles.csv")
    assert_problems(
        rejected(directory, store),
        [("roles.csv", 4, "role", "director", f"must be held by a person, but {w.other} is enterprise")],
    )


def test_serious_illegal_on_a_stored_social_organisation_is_refused(tmp_path: Path, store: EmbeddedStore) -> None:
    s = Scenario()
    club = s.org("大庆某某协会", kind="social_org")
    load_directory(s.write(tmp_path / "a"), store)
    s.entry(club, "serious_illegal")
    directory = keep_only(s.write(tmp_path / "b"), "entries.csv")
    assert_problems(
        rejected(directory, store),
        [("entries.csv", 2, "list_type", "serious_illegal", f"but {club} is social_org")],
    )


# -- duplicates ------------------------------------------------------------------------------------------------


def test_identical_duplicate_rows_collapse_to_one(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects.append(dict(w.s.subjects[1]))
    w.s.roles.append({**w.s.roles[1], "ratio": "20.00"})  # the same ratio, written differently
    w.s.entries.append(dict(w.s.entries[0]))
    w.s.findings.append(dict(w.s.findings[0]))
    report = load_directory(w.write(tmp_path / "in"), store)
    assert report.files == {"subjects.csv": 6, "roles.csv": 3, "entries.csv": 3, "responsibilities.csv": 2}
    assert report.result is not None
    assert report.result.inserted == WORLD_COUNTS
    assert store.stats() == {**WORLD_COUNTS, "derived": 0}


def test_duplicate_subject_ids_with_conflicting_content_are_reported_on_every_row(
    tmp_path: Path, empty_store: EmbeddedStore
) -> None:
    w = world()
    w.s.subjects.append({**w.s.subjects[3], "name": "冯俊"})  # row 7 repeats row 5 with another name
    problems = rejected(w.write(tmp_path / "in"), empty_store)
    fragment = "duplicate subject_id with conflicting content on rows 5, 7"
    assert_problems(
        problems,
        [
            ("subjects.csv", 5, "subject_id", w.bystander, fragment),
            ("subjects.csv", 7, "subject_id", w.bystander, fragment),
        ],
    )


def test_duplicate_roles_with_conflicting_content_are_reported(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.role(w.clerk, "shareholder", w.firm, ratio=25)  # row 4: same key as row 3, other ratio
    fragment = "duplicate role with conflicting content on rows 3, 4"
    assert_problems(
        rejected(w.write(tmp_path / "in"), empty_store),
        [("roles.csv", 3, "source_id", w.clerk, fragment), ("roles.csv", 4, "source_id", w.clerk, fragment)],
    )


def test_roles_with_the_same_parties_from_different_dates_are_two_facts(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.roles[0]["valid_to"] = "2019-12-31"
    w.s.role(w.boss, "legal_representative", w.firm, since="2021-01-01")
    load_directory(w.write(tmp_path / "in"), store)
    assert store.stats()["roles"] == 3


def test_duplicate_entries_with_conflicting_content_are_reported(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.entries.append({**w.s.entries[1], "department": "大庆市税务局"})  # row 4 repeats row 3
    fragment = "duplicate entry_id with conflicting content on rows 3, 4"
    assert_problems(
        rejected(w.write(tmp_path / "in"), empty_store),
        [("entries.csv", 3, "entry_id", w.abnormal, fragment), ("entries.csv", 4, "entry_id", w.abnormal, fragment)],
    )


def test_duplicate_findings_with_conflicting_basis_are_reported(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.finding(w.clerk, w.black, basis="另一份决定书")
    fragment = "duplicate finding with conflicting content on rows 2, 3"
    assert_problems(
        rejected(w.write(tmp_path / "in"), empty_store),
        [
            ("responsibilities.csv", 2, "person_id", w.clerk, fragment),
            ("responsibilities.csv", 3, "person_id", w.clerk, fragment),
        ],
    )


def test_one_uscc_for_two_subjects_is_reported(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects.append({**w.s.subjects[4], "subject_id": "ORG-X"})  # row 7 reuses other's USCC
    fragment = f"uscc is used by several subjects: {w.other}, ORG-X"
    assert_problems(
        rejected(w.write(tmp_path / "in"), empty_store),
        [
            ("subjects.csv", 6, "uscc", w.other, fragment),
            ("subjects.csv", 7, "uscc", w.other, fragment),
            other_entry(w),
        ],
    )


def test_one_id_number_for_two_persons_is_reported(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    idn = w.s.subjects[3]["id_number"]
    w.s.subjects.append({**w.s.subjects[3], "subject_id": "P99999"})  # row 7
    fragment = f"id_number is used by several subjects: {w.bystander}, P99999"
    assert_problems(
        rejected(w.write(tmp_path / "in"), empty_store),
        [("subjects.csv", 5, "id_number", idn, fragment), ("subjects.csv", 7, "id_number", idn, fragment)],
    )


def test_an_identifier_that_the_store_gives_to_another_subject_is_reported(
    tmp_path: Path, store: EmbeddedStore
) -> None:
    w = world()
    load_directory(w.write(tmp_path / "a"), store)
    directory = tmp_path / "b"
    write_csv(
        directory / "subjects.csv", ["subject_id", "kind", "name", "uscc"], [["ORG-X", "enterprise", "x", w.firm]]
    )
    assert_problems(
        rejected(directory, store), [("subjects.csv", 2, "uscc", w.firm, f"uscc already belongs to subject {w.firm}")]
    )


# -- symmetric roles ---------------------------------------------------------------------------------------------


def test_related_enterprise_both_ways_is_one_fact(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.role(w.other, "related_enterprise", w.firm)
    w.s.role(w.firm, "related_enterprise", w.other)
    report = load_directory(w.write(tmp_path / "in"), store)
    assert report.result is not None
    assert report.result.inserted["roles"] == 3
    related = [r for r in stored_rows(store, "roles") if r[1] == "related_enterprise"]
    assert len(related) == 1
    assert {related[0][0], related[0][2]} == {w.firm, w.other}


def test_related_enterprise_reloaded_the_other_way_round_is_unchanged(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.role(w.other, "related_enterprise", w.firm)
    load_directory(w.write(tmp_path / "a"), store)
    w.s.roles[-1].update(source_id=w.firm, target_id=w.other)
    report = load_directory(w.write(tmp_path / "b"), store)
    assert report.result is not None
    assert report.result.inserted["roles"] == 0
    assert store.stats()["roles"] == 3


def test_related_enterprise_both_ways_with_different_content_conflicts(
    tmp_path: Path, empty_store: EmbeddedStore
) -> None:
    w = world()
    w.s.role(w.other, "related_enterprise", w.firm)  # row 4
    w.s.role(w.firm, "related_enterprise", w.other, until="2020-01-01")  # row 5
    problems = rejected(w.write(tmp_path / "in"), empty_store)
    assert [(p.file, p.row) for p in problems] == [("roles.csv", 4), ("roles.csv", 5)]
    assert all("duplicate role with conflicting content on rows 4, 5" in p.reason for p in problems)


# -- roles validated in chunks ------------------------------------------------------------------------------------
# A large roles file is checked ROLE_CHUNK_ROWS rows at a time (bounded memory); with one row per chunk every
# problem, repeat and turned symmetric duplicate crosses a chunk boundary, and the answers must not change.

ROLE_CASES = [c for c in CASES if any(e[0] == "roles.csv" for e in c[2](world()))]


@pytest.fixture
def one_role_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "ROLE_CHUNK_ROWS", 1)


def test_role_cases_exist_for_the_chunked_validation() -> None:
    assert len(ROLE_CASES) >= 8


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in ROLE_CASES])
@pytest.mark.usefixtures("one_role_per_chunk")
def test_an_invalid_role_is_reported_the_same_when_every_row_is_its_own_chunk(
    tmp_path: Path, empty_store: EmbeddedStore, mutate: Mutation, expected: Callable[[World], list[Expected]]
) -> None:
    test_an_invalid_row_is_reported_and_nothing_is_loaded(tmp_path, empty_store, mutate, expected)


@pytest.mark.usefixtures("one_role_per_chunk")
def test_duplicate_roles_across_chunks_are_found(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    w = world()
    w.s.role(w.clerk, "shareholder", w.firm, ratio=25)  # row 4: same key as row 3, other ratio
    w.s.role(w.other, "related_enterprise", w.firm)  # row 5
    w.s.role(w.firm, "related_enterprise", w.other, until="2020-01-01")  # row 6: row 5 turned, other content
    problems = rejected(w.write(tmp_path / "in"), empty_store)
    assert [(p.file, p.row) for p in problems] == [("roles.csv", r) for r in (3, 4, 5, 6)]
    assert [p.reason for p in problems] == ["duplicate role with conflicting content on rows 3, 4"] * 2 + [
        "duplicate role with conflicting content on rows 5, 6"
    ] * 2


def test_repeated_roles_across_chunks_load_once_and_as_in_one_chunk(
    tmp_path: Path, store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validation, "ROLE_CHUNK_ROWS", 1)
    w = world()
    w.s.roles.append({**w.s.roles[1], "ratio": "20.00"})  # row 4 repeats row 3
    w.s.role(w.other, "related_enterprise", w.firm)  # row 5
    w.s.role(w.firm, "related_enterprise", w.other)  # row 6: row 5 turned
    w.s.role(w.bystander, "shareholder", w.firm, ratio=300)  # row 7: invalid, skipped
    directory = w.write(tmp_path / "in")
    report = load_directory(directory, store, skip_invalid=True)
    assert [(p.row, p.column) for p in report.problems] == [(7, "ratio")]
    assert report.result is not None
    assert report.result.inserted["roles"] == 3
    with EmbeddedStore(tmp_path / "one-chunk.duckdb") as whole:
        monkeypatch.setattr(validation, "ROLE_CHUNK_ROWS", 1_000_000)
        load_directory(directory, whole, skip_invalid=True)
        assert stored_rows(whole, "roles") == stored_rows(store, "roles")


# -- skip_invalid ----------------------------------------------------------------------------------------------


def read_rejected(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_skip_invalid_loads_the_valid_rows_and_writes_the_rejected_ones(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects[0]["kind"] = "alien"  # the firm: its roles, its entry and the finding depend on it
    w.s.entries[1]["scope"] = "secret"
    directory = w.write(tmp_path / "in")
    report = load_directory(directory, store, skip_invalid=True)

    assert store.stats() == {"subjects": 4, "roles": 0, "entries": 0, "findings": 0, "derived": 0}
    assert report.result is not None
    assert report.result.inserted == {"subjects": 4, "roles": 0, "entries": 0, "findings": 0}
    assert sorted(p.name for p in report.rejected_files) == sorted(f"{n}.rejected.csv" for n in FILE_NAMES)
    assert all(p.parent == directory for p in report.rejected_files)
    assert len(report.problems) == 6

    subjects = read_rejected(directory / "subjects.csv.rejected.csv")
    with (directory / "subjects.csv.rejected.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["row", "subject_id", "kind", "name", "uscc", "id_number", "region", "reasons"]
    assert [(r["row"], r["subject_id"], r["kind"], r["name"]) for r in subjects] == [
        ("2", w.firm, "alien", "大庆某某化工有限公司")
    ]
    assert subjects[0]["reasons"].startswith("kind: unknown subject kind")
    assert subjects[0]["id_number"] == ""

    roles = read_rejected(directory / "roles.csv.rejected.csv")
    assert [(r["row"], r["source_id"], r["role"]) for r in roles] == [
        ("2", w.boss, "legal_representative"),
        ("3", w.clerk, "shareholder"),
    ]
    assert roles[1]["ratio"] == "20"
    assert all(
        r["reasons"] == f"target_id: refers to subject {w.firm} whose row in subjects.csv is invalid" for r in roles
    )

    entries = read_rejected(directory / "entries.csv.rejected.csv")
    assert [(r["row"], r["entry_id"]) for r in entries] == [("2", w.black), ("3", w.abnormal)]
    assert "subject_id: refers to subject" in entries[0]["reasons"]
    assert entries[1]["reasons"].startswith("scope: unknown scope")

    findings = read_rejected(directory / "responsibilities.csv.rejected.csv")
    assert [(r["row"], r["person_id"], r["entry_id"]) for r in findings] == [("2", w.clerk, w.black)]
    assert "whose row in entries.csv is invalid" in findings[0]["reasons"]


def test_skip_invalid_joins_several_reasons_for_one_row(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.roles[1].update(ratio="150", valid_from="2024/13/05")
    directory = w.write(tmp_path / "in")
    report = load_directory(directory, store, skip_invalid=True)
    assert [p.name for p in report.rejected_files] == ["roles.csv.rejected.csv"]
    (row,) = read_rejected(directory / "roles.csv.rejected.csv")
    assert row["row"] == "3"
    assert row["reasons"].split("; ")[0].startswith("ratio: ratio must be")
    assert "valid_from: not a date" in row["reasons"]
    assert store.stats() == {**WORLD_COUNTS, "roles": 1, "derived": 0}


def test_skip_invalid_without_problems_writes_no_rejected_file(tmp_path: Path, store: EmbeddedStore) -> None:
    directory = world().write(tmp_path / "in")
    report = load_directory(directory, store, skip_invalid=True)
    assert report.problems == [] and report.rejected_files == []
    assert not list(directory.glob("*.rejected.csv"))
    assert store.stats() == {**WORLD_COUNTS, "derived": 0}


def test_skip_invalid_of_parquet_writes_the_rejected_rows_beside_it(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects[3]["kind"] = "alien"
    w.s.subjects[3]["id_number"] = ""
    pq_dir = to_parquet(w.write(tmp_path / "csv"), tmp_path / "pq")
    report = load_directory(pq_dir, store, skip_invalid=True)
    assert [p.name for p in report.rejected_files] == ["subjects.parquet.rejected.csv"]
    (row,) = read_rejected(pq_dir / "subjects.parquet.rejected.csv")
    assert (row["row"], row["subject_id"]) == ("5", w.bystander)
    assert store.stats()["subjects"] == 4


def test_a_rejected_file_from_an_earlier_run_is_not_read_as_input(tmp_path: Path, store: EmbeddedStore) -> None:
    w = world()
    w.s.subjects[3]["kind"] = "alien"
    directory = w.write(tmp_path / "in")
    load_directory(directory, store, skip_invalid=True)
    assert (directory / "subjects.csv.rejected.csv").exists()
    report = load_directory(directory, store, skip_invalid=True)  # the rejected file has a "reasons" column
    assert report.result is not None
    assert report.result.inserted == dict.fromkeys(WORLD_COUNTS, 0)


# -- the command line -----------------------------------------------------------------------------------------


def flat(text: str) -> str:
    """Rich wraps long lines on the console; compare with whitespace collapsed."""
    return " ".join(text.split())


def test_cli_load_stats_and_derived(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = world().write(tmp_path / "in")
    db = tmp_path / "cli.duckdb"
    out = io.StringIO()
    assert main(["load", str(directory), "--db", str(db)], out=out) == 0
    assert "subjects +5 new" in out.getvalue()

    out = io.StringIO()
    assert main(["stats", "--db", str(db), "--format", "json"], out=out) == 0
    assert json.loads(out.getvalue()) == {**WORLD_COUNTS, "derived": 0}

    out = io.StringIO()
    assert (
        main(["derived", "--db", str(db), "--profile", "daqing", "--as-of", "2024-06-30", "--format", "csv"], out=out)
        == 0
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("rule,subject_id,source_entry_id,related_id,effect,valid_from,valid_until")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows and len(rows) == len(lines) - 1

    out = io.StringIO()
    assert (
        main(["derived", "--db", str(db), "--profile", "daqing", "--as-of", "2024-06-30", "--format", "json"], out=out)
        == 0
    )
    records = json.loads(out.getvalue())
    assert isinstance(records, list) and len(records) == len(rows)
    assert {r["rule"] for r in records} == {r["rule"] for r in rows}
    assert all(set(r) >= {"rule", "subject_id", "effect", "valid_from"} for r in records)

    out = io.StringIO()
    assert main(["stats", "--db", str(db), "--format", "json"], out=out) == 0
    assert json.loads(out.getvalue())["derived"] == len(records)


def test_cli_load_of_a_bad_folder_prints_the_problems_and_loads_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = world()
    w.s.subjects[4]["kind"] = "alien"
    w.s.roles[1]["ratio"] = "150"
    db = tmp_path / "cli.duckdb"
    assert main(["load", str(w.write(tmp_path / "in")), "--db", str(db)], out=io.StringIO()) == 1
    err = flat(capsys.readouterr().err)
    assert "subjects.csv, row 6, column kind: value 'alien': unknown subject kind" in err
    assert "roles.csv, row 3, column ratio: value '150'" in err
    assert "nothing was loaded" in err
    assert "--skip-invalid" in err
    out = io.StringIO()
    assert main(["stats", "--db", str(db), "--format", "json"], out=out) == 0
    assert json.loads(out.getvalue()) == EMPTY


def test_cli_load_refuses_prohibited_columns_even_with_skip_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = world().write(tmp_path / "in")
    add_column(directory / "subjects.csv", "血型", "A")
    code = main(["load", str(directory), "--db", str(tmp_path / "x.duckdb"), "--skip-invalid"], out=io.StringIO())
    assert code != 0
    assert "PRV-01" in flat(capsys.readouterr().err)


def test_cli_load_with_skip_invalid_returns_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = world()
    w.s.subjects[4]["kind"] = "alien"
    directory = w.write(tmp_path / "in")
    db = tmp_path / "cli.duckdb"
    out = io.StringIO()
    assert main(["load", str(directory), "--db", str(db), "--skip-invalid"], out=out) == 0
    text = out.getvalue()
    assert "rejected rows written to" in text
    assert str(directory / "subjects.csv.rejected.csv") in text
    assert (directory / "subjects.csv.rejected.csv").exists()
    out = io.StringIO()
    main(["stats", "--db", str(db), "--format", "json"], out=out)
    assert json.loads(out.getvalue())["subjects"] == 4


def test_cli_load_of_a_missing_folder_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["load", str(tmp_path / "nowhere"), "--db", str(tmp_path / "x.duckdb")], out=io.StringIO())
    assert code == InputError.exit_code
    assert "not a directory" in flat(capsys.readouterr().err)


def test_cli_unknown_profile_lists_the_profiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.duckdb"
    assert main(["load", str(world().write(tmp_path / "in")), "--db", str(db)], out=io.StringIO()) == 0
    out = io.StringIO()
    code = main(["derived", "--db", str(db), "--profile", "atlantis", "--as-of", "2024-06-30"], out=out)
    assert code != 0
    assert out.getvalue() == ""
    err = flat(capsys.readouterr().err)
    assert "atlantis" in err
    for name in PROFILE_NAMES:
        assert name in err


def test_cli_honours_graphsvc_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "env" / "from-env.duckdb"
    monkeypatch.setenv(DB_ENV, str(db))
    assert main(["load", str(world().write(tmp_path / "in"))], out=io.StringIO()) == 0
    assert db.exists()
    out = io.StringIO()
    assert main(["stats", "--format", "json"], out=out) == 0
    assert json.loads(out.getvalue()) == {**WORLD_COUNTS, "derived": 0}
    out = io.StringIO()
    assert main(["derived", "--profile", "daqing", "--as-of", "2024-06-30", "--format", "json"], out=out) == 0
    assert isinstance(json.loads(out.getvalue()), list)


# -- bulk load from Arrow tables and pandas frames -----------------------------------------------------------


def _frames(directory: Path) -> dict[str, object]:
    import pandas as pd

    return {
        name.removesuffix(".csv"): pd.read_csv(directory / name, dtype=str, keep_default_na=False)
        for name in FILE_NAMES
    }


def test_pandas_frames_load_like_the_files(tmp_path: Path) -> None:
    from loaders.canonical import load_tables

    directory = world().write(tmp_path / "in")
    with EmbeddedStore(tmp_path / "files.duckdb") as by_files, EmbeddedStore(tmp_path / "frames.duckdb") as by_frames:
        load_directory(directory, by_files)
        report = load_tables(_frames(directory), by_frames)  # type: ignore[arg-type]
        assert report.result is not None and report.result.inserted["subjects"] == 5
        for table in ("subjects", "roles", "entries", "findings"):
            assert stored_rows(by_frames, table) == stored_rows(by_files, table)


def test_arrow_tables_get_the_same_validation(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    from loaders.canonical import load_tables

    directory = world().write(tmp_path / "in")
    tables = {name.removesuffix(".csv"): pacsv.read_csv(directory / name) for name in FILE_NAMES}
    subjects = tables["subjects"]
    kinds = subjects.column("kind").to_pylist()
    kinds[1] = "robot"
    tables["subjects"] = subjects.set_column(subjects.schema.get_field_index("kind"), "kind", pa.array(kinds))
    with pytest.raises(LoadRejected) as info:
        load_tables(tables, empty_store)
    assert ("subjects (table)", 3, "kind", "robot") in where(info.value.problems)
    assert empty_store.stats() == EMPTY


def test_prohibited_column_in_a_frame_is_refused(tmp_path: Path, empty_store: EmbeddedStore) -> None:
    from loaders.canonical import load_tables

    frames = _frames(world().write(tmp_path / "in"))
    frames["subjects"]["血型"] = "A"  # type: ignore[index]
    with pytest.raises(LoadRejected) as info:
        load_tables(frames, empty_store, skip_invalid=True)  # type: ignore[arg-type]
    assert any("PRV-01" in p.reason for p in info.value.problems)
    assert empty_store.stats() == EMPTY
