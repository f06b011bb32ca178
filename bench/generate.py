"""Deterministic demo / benchmark data generator for the canonical input format.

``generate(out_dir, subjects)`` writes ``subjects``, ``roles``, ``entries`` and ``responsibilities`` (CSV or
Parquet) that look like real data of China's credit system: real division codes, valid USCCs and resident ID
numbers, Chinese names, power-law shareholdings with holding-company hubs, ownership cycles, legal
representatives who lead many firms, and list entries across domains. On top of the random bulk it plants
small, named scenarios that exercise every rule of the engine (P1, P3-P8, W1-W4, V1, V2), so that even a
200-subject data set contains each of them.

Same arguments, same bytes: all randomness comes from one ``numpy.random.Generator(PCG64(seed))`` drawn in a
fixed order, and the columns are built with numpy/pyarrow (no hash-ordered containers). The bulk is
vectorised, so a million subjects take well under a minute; only the entries (a few percent of the
subjects) are built in a Python loop.

Command line::

    python -m bench.generate OUT_DIR --subjects N [--seed S] [--roles N] [--entries N] [--format csv|parquet]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from bench import names as nm
from graphsvc import identifiers
from graphsvc.stores.base import (
    ENTRY_SCHEMA,
    FINDING_SCHEMA,
    GRAPH_ROLE_SCHEMA,
    PRECISE_DATES,
    SUBJECT_SCHEMA,
    precision_column,
)
from graphsvc.vocab import EntryStatus, ListType, RoleType, Scope, Severity, SubjectKind
from graphsvc.vocabulary import vocabulary

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
Bool = npt.NDArray[np.bool_]
Format = Literal["csv", "parquet"]

# The canonical columns, from the store's schemas (one definition for the whole project); generated dates are
# whole days, roles carry no source title and entries no publication marks (``graphsvc load``, the operator's
# import, records them as published by their department), so those optional columns are left out.
SUBJECT_COLUMNS: Final[tuple[str, ...]] = tuple(SUBJECT_SCHEMA.names)
ROLE_COLUMNS: Final[tuple[str, ...]] = tuple(GRAPH_ROLE_SCHEMA.names)
ENTRY_COLUMNS: Final[tuple[str, ...]] = tuple(
    n
    for n in ENTRY_SCHEMA.names
    if n not in {precision_column(c) for c in PRECISE_DATES["entries"]} | {"published_by", "published_on"}
)
RESPONSIBILITY_COLUMNS: Final[tuple[str, ...]] = tuple(FINDING_SCHEMA.names)
TABLES: Final[dict[str, tuple[str, ...]]] = {
    "subjects": SUBJECT_COLUMNS,
    "roles": ROLE_COLUMNS,
    "entries": ENTRY_COLUMNS,
    "responsibilities": RESPONSIBILITY_COLUMNS,
}

MIN_SUBJECTS: Final[int] = 100

# ---------------------------------------------------------------------------------------------------
# Dates: days since 1970-01-01 as int64; NO_DATE marks an empty cell
# ---------------------------------------------------------------------------------------------------

_EPOCH_ORDINAL: Final[int] = dt.date(1970, 1, 1).toordinal()
NO_DATE: Final[int] = -(10**6)


def _day(year: int, month: int, day: int) -> int:
    return dt.date(year, month, day).toordinal() - _EPOCH_ORDINAL


def _date(day: int) -> dt.date:
    return dt.date.fromordinal(day + _EPOCH_ORDINAL)


def _add_years(day: int, years: int) -> int:
    d = _date(day)
    try:
        moved = d.replace(year=d.year + years)
    except ValueError:  # 29 February
        moved = d.replace(year=d.year + years, day=28)
    return moved.toordinal() - _EPOCH_ORDINAL


FIRST_DAY: Final[int] = _day(2005, 1, 1)  # roles start here
LAST_FOUNDING: Final[int] = _day(2025, 12, 31)
LAST_DAY: Final[int] = _day(2026, 10, 31)  # nothing determined (nor any role date) after 2026-11-01
AS_OF: Final[int] = _day(2026, 6, 30)  # the demo's reference date: most entries are in force on it
RECENT: Final[int] = _day(2022, 1, 1)
OLD_ENTRIES: Final[int] = _day(2016, 1, 1)
FIRST_BIRTH: Final[int] = _day(1955, 1, 1)
LAST_BIRTH: Final[int] = _day(2000, 12, 31)
ADULT_DAYS: Final[int] = 20 * 365 + 5  # persons hold roles from about age 20

_TABLE_START: Final[int] = _day(1940, 1, 1)
_TABLE_END: Final[int] = _day(2041, 1, 1)


@cache
def _date_strings() -> pa.Array[Any]:
    days = np.arange(_TABLE_START, _TABLE_END, dtype=np.int64).astype("datetime64[D]")
    return pa.array(days.astype(str).tolist(), type=pa.string())


def _date_column(days: I64) -> pa.Array[Any]:
    """ISO date strings; NO_DATE becomes null."""
    missing = days == NO_DATE
    index = pa.array(np.where(missing, 0, days - _TABLE_START), mask=missing, type=pa.int64())
    return _date_strings().take(index)


def _iso(day: int) -> str | None:
    return None if day == NO_DATE else _date(day).isoformat()


# ---------------------------------------------------------------------------------------------------
# Vocabulary codes
# ---------------------------------------------------------------------------------------------------

KIND_NAMES: Final[tuple[str, ...]] = tuple(k.value for k in SubjectKind)
ENTERPRISE: Final[int] = KIND_NAMES.index(SubjectKind.ENTERPRISE)
SOCIAL_ORG: Final[int] = KIND_NAMES.index(SubjectKind.SOCIAL_ORG)
PUBLIC_INSTITUTION: Final[int] = KIND_NAMES.index(SubjectKind.PUBLIC_INSTITUTION)
GOVERNMENT: Final[int] = KIND_NAMES.index(SubjectKind.GOVERNMENT)
PERSON: Final[int] = KIND_NAMES.index(SubjectKind.PERSON)

ROLE_NAMES: Final[tuple[str, ...]] = tuple(r.value for r in RoleType)
LR: Final[int] = ROLE_NAMES.index(RoleType.LEGAL_REPRESENTATIVE)
MPIC: Final[int] = ROLE_NAMES.index(RoleType.MAIN_PERSON_IN_CHARGE)
PIC: Final[int] = ROLE_NAMES.index(RoleType.PERSON_IN_CHARGE)
DIRECTOR: Final[int] = ROLE_NAMES.index(RoleType.DIRECTOR)
SUPERVISOR: Final[int] = ROLE_NAMES.index(RoleType.SUPERVISOR)
SENIOR: Final[int] = ROLE_NAMES.index(RoleType.SENIOR_MANAGER)
SHAREHOLDER: Final[int] = ROLE_NAMES.index(RoleType.SHAREHOLDER)
CONTROLLER: Final[int] = ROLE_NAMES.index(RoleType.ACTUAL_CONTROLLER)
PRACTITIONER: Final[int] = ROLE_NAMES.index(RoleType.REGISTERED_PRACTITIONER)
BRANCH_OF: Final[int] = ROLE_NAMES.index(RoleType.BRANCH_OF)
RELATED: Final[int] = ROLE_NAMES.index(RoleType.RELATED_ENTERPRISE)

# Share of the non-structural role budget per role type (structural: LR, PIC, MPIC, branch_of).
ROLE_MIX: Final[tuple[tuple[int, float], ...]] = (
    (SHAREHOLDER, 0.53),
    (DIRECTOR, 0.16),
    (SUPERVISOR, 0.08),
    (SENIOR, 0.10),
    (PRACTITIONER, 0.05),
    (CONTROLLER, 0.05),
    (RELATED, 0.03),
)

# List-type mix of the random entries, and the subject kinds each list type reaches
# (enterprise, person, social_org, public_institution, government).
LIST_MIX: Final[tuple[tuple[str, float, tuple[float, float, float, float, float]], ...]] = (
    (ListType.COURT_DEFAULTER, 0.27, (0.2, 0.8, 0, 0, 0)),
    (ListType.ABNORMAL_OPERATION, 0.20, (1, 0, 0, 0, 0)),
    (ListType.FOCUS, 0.14, (0.75, 0.10, 0.08, 0.07, 0)),
    (ListType.BLACK, 0.10, (0.70, 0.15, 0.07, 0.08, 0)),
    (ListType.RED, 0.10, (0.70, 0.15, 0.10, 0.05, 0)),
    (ListType.SERIOUS_ILLEGAL, 0.05, (1, 0, 0, 0, 0)),
    (ListType.MAJOR_TAX_CASE, 0.04, (0.85, 0.15, 0, 0, 0)),
    (ListType.SAFETY_PRODUCTION, 0.03, (1, 0, 0, 0, 0)),
    (ListType.FINANCE_SERIOUS, 0.025, (0.6, 0.4, 0, 0, 0)),
    (ListType.LISTED_COMPANY_VIOLATION, 0.012, (0.7, 0.3, 0, 0, 0)),
    (ListType.GOV_DISHONESTY, 0.013, (0, 0, 0, 0.3, 0.7)),
)
_MIX_KINDS: Final[tuple[int, ...]] = (ENTERPRISE, PERSON, SOCIAL_ORG, PUBLIC_INSTITUTION, GOVERNMENT)
ALWAYS_SERIOUS: Final[frozenset[str]] = frozenset(
    {
        ListType.BLACK,
        ListType.SERIOUS_ILLEGAL,
        ListType.COURT_DEFAULTER,
        ListType.MAJOR_TAX_CASE,
        ListType.SAFETY_PRODUCTION,
        ListType.FINANCE_SERIOUS,
        ListType.GOV_DISHONESTY,
    }
)
STATUS_MIX: Final[tuple[tuple[str, float], ...]] = (
    (EntryStatus.ACTIVE, 0.86),
    (EntryStatus.OBJECTION_PENDING, 0.03),
    (EntryStatus.SUSPENDED, 0.02),
    (EntryStatus.REPAIRED, 0.04),
    (EntryStatus.REVOKED, 0.015),
    (EntryStatus.EXITED, 0.035),
)


@dataclass(frozen=True)
class GenerationSummary:
    subjects: int
    roles: int
    entries: int
    responsibilities: int
    out_dir: Path


# ---------------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------------


def _fixed_strings(matrix: U8) -> pa.Array[Any]:
    """One ASCII string per row of a (n, width) byte matrix, without a Python loop."""
    rows, width = matrix.shape
    offsets = np.arange(0, (rows + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(matrix).tobytes()
    return pa.Array.from_buffers(pa.string(), rows, [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)])


def _digits(values: I64, width: int) -> U8:
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    out: U8 = ((values[:, None] // powers) % 10 + 48).astype(np.uint8)
    return out


def _base31(values: I64, width: int) -> U8:
    alphabet = np.frombuffer(identifiers.USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
    powers = 31 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    out: U8 = alphabet[(values[:, None] // powers) % 31]
    return out


def _ascii_rows(texts: Sequence[str]) -> U8:
    out: U8 = np.array([list(t.encode("ascii")) for t in texts], dtype=np.uint8)
    return out


def _words(words: Sequence[str]) -> pa.Array[Any]:
    return pa.array(list(words), type=pa.string())


def _pick(words: Sequence[str] | pa.Array[Any], index: I64) -> pa.Array[Any]:
    array = words if isinstance(words, pa.Array) else _words(words)
    return array.take(np.asarray(index, dtype=np.int64))


_JOIN: Final[Callable[..., Any]] = pc.binary_join_element_wise


def _join(*parts: pa.Array[Any]) -> pa.Array[Any]:
    """Element-wise concatenation of string columns."""
    result: pa.Array[Any] = _JOIN(*parts, "")
    return result


def _probabilities(weights: Sequence[float] | F64) -> F64:
    w = np.asarray(weights, dtype=np.float64)
    out: F64 = w / w.sum()
    return out


def _fan(rng: np.random.Generator, companies: I64, total: int, low: int, high: int) -> I64:
    """``total`` role slots spread over ``companies`` in order, ``low``..``high`` each (repeating if short)."""
    if total <= 0 or companies.size == 0:
        return np.empty(0, dtype=np.int64)
    counts = rng.integers(low, high + 1, size=companies.size)
    cumulative = np.cumsum(counts)
    if cumulative[-1] < total:
        repeat = int(total // cumulative[-1]) + 1
        companies, counts = np.tile(companies, repeat), np.tile(counts, repeat)
        cumulative = np.cumsum(counts)
    cut = int(np.searchsorted(cumulative, total)) + 1
    out: I64 = np.repeat(companies[:cut], counts[:cut])[:total].astype(np.int64)
    return out


# ---------------------------------------------------------------------------------------------------
# Identifiers: graphsvc.identifiers owns the check-character arithmetic
# ---------------------------------------------------------------------------------------------------


def _uscc_column(first16: U8) -> pa.Array[Any]:
    """Complete USCCs from their first 16 characters (department, category, division, org-code body).

    The check characters come from graphsvc.identifiers' batch functions, the same code its validators run.
    """
    matrix = np.zeros((first16.shape[0], 18), dtype=np.uint8)
    matrix[:, :16] = first16
    matrix[:, 16] = identifiers.org_code_check_bytes(matrix[:, 8:16])
    matrix[:, 17] = identifiers.uscc_check_bytes(matrix[:, :17])
    return _fixed_strings(matrix)


def _id_number_column(first17: U8) -> pa.Array[Any]:
    """Complete resident ID numbers from their first 17 digits (see :func:`_uscc_column`)."""
    matrix = np.zeros((first17.shape[0], 18), dtype=np.uint8)
    matrix[:, :17] = first17
    matrix[:, 17] = identifiers.id_check_bytes(matrix[:, :17])
    return _fixed_strings(matrix)


# ---------------------------------------------------------------------------------------------------
# Layout of the subject index space
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Subjects are numbered: enterprises (hubs first, branches last), social orgs, public institutions,
    government bodies, persons."""

    n: int
    enterprises: int
    branches: int
    hubs: int
    social: int
    public: int
    government: int
    persons: int

    @property
    def non_branch(self) -> int:
        return self.enterprises - self.branches

    @property
    def social_start(self) -> int:
        return self.enterprises

    @property
    def public_start(self) -> int:
        return self.enterprises + self.social

    @property
    def government_start(self) -> int:
        return self.public_start + self.public

    @property
    def orgs(self) -> int:
        return self.government_start + self.government

    @property
    def person_start(self) -> int:
        return self.orgs

    def kinds(self) -> I64:
        out = np.full(self.n, PERSON, dtype=np.int64)
        out[: self.enterprises] = ENTERPRISE
        out[self.social_start : self.public_start] = SOCIAL_ORG
        out[self.public_start : self.government_start] = PUBLIC_INSTITUTION
        out[self.government_start : self.orgs] = GOVERNMENT
        return out


def _layout(n: int) -> _Layout:
    government = max(4, round(0.004 * n))
    public = max(8, round(0.012 * n))
    social = max(6, round(0.010 * n))
    persons = max(40, round(0.50 * n))
    enterprises = n - government - public - social - persons
    branches = max(3, round(0.08 * enterprises))
    hubs = max(2, round(enterprises / 35_000))
    return _Layout(n, enterprises, branches, hubs, social, public, government, persons)


# ---------------------------------------------------------------------------------------------------
# Edges under construction
# ---------------------------------------------------------------------------------------------------

AUTO: Final[int] = -2  # valid_from / valid_to decided when the roles are finalised


@dataclass
class _Edges:
    src: list[I64] = field(default_factory=list)
    role: list[I64] = field(default_factory=list)
    tgt: list[I64] = field(default_factory=list)
    weight: list[F64] = field(default_factory=list)  # shareholders: relative size of the holding
    vfrom: list[I64] = field(default_factory=list)
    vto: list[I64] = field(default_factory=list)

    def add(
        self,
        src: I64 | Sequence[int],
        role: int,
        tgt: I64 | Sequence[int],
        *,
        weight: F64 | float = 1.0,
        vfrom: I64 | int = AUTO,
        vto: I64 | int = AUTO,
    ) -> None:
        s = np.asarray(src, dtype=np.int64)
        t = np.asarray(tgt, dtype=np.int64)
        size = s.size
        self.src.append(s)
        self.role.append(np.full(size, role, dtype=np.int64))
        self.tgt.append(t)
        self.weight.append(np.broadcast_to(np.asarray(weight, dtype=np.float64), (size,)).copy())
        self.vfrom.append(np.broadcast_to(np.asarray(vfrom, dtype=np.int64), (size,)).copy())
        self.vto.append(np.broadcast_to(np.asarray(vto, dtype=np.int64), (size,)).copy())

    def count(self) -> int:
        return sum(a.size for a in self.src)


@dataclass
class _Roles:
    """Final role rows, sorted by (target, role, source)."""

    src: I64
    role: I64
    tgt: I64
    units: I64  # shareholders: hundredths of a percent; -1 otherwise
    vfrom: I64
    vto: I64

    def holders(self, target: int) -> tuple[I64, I64, I64, I64]:
        lo = int(np.searchsorted(self.tgt, target, side="left"))
        hi = int(np.searchsorted(self.tgt, target, side="right"))
        return self.src[lo:hi], self.role[lo:hi], self.vfrom[lo:hi], self.vto[lo:hi]


# ---------------------------------------------------------------------------------------------------
# Planted scenarios
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Rich:
    """An enterprise with every kind of role holder whose LR changed (P1, P3, P4, role timing)."""

    org: int
    change: int
    old_lr: int
    mpic: int
    directors: list[int]
    supervisor: int
    seniors: list[int]
    practitioners: list[int]
    shareholders: list[int]


@dataclass
class _Plan:
    rich: list[_Rich] = field(default_factory=list)
    public_serious: list[tuple[int, list[int]]] = field(default_factory=list)  # (PI, practitioners)
    social_serious: list[int] = field(default_factory=list)
    government_serious: list[int] = field(default_factory=list)
    p5: list[tuple[int, int, int]] = field(default_factory=list)  # (serious_illegal enterprise, day, person)
    p6: list[int] = field(default_factory=list)  # public institutions whose LR is a court defaulter
    p8: list[tuple[int, int, int]] = field(default_factory=list)  # (serious org, related 1, related 2)
    focus_subjects: list[int] = field(default_factory=list)
    w2: list[tuple[int, int, int]] = field(default_factory=list)  # (enterprise, enterprise, enterprise)
    w2_person: list[int] = field(default_factory=list)
    w3: list[tuple[int, int]] = field(default_factory=list)
    w4: list[int] = field(default_factory=list)
    v2: list[tuple[int, int]] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    court_enterprise: list[int] = field(default_factory=list)
    no_act_date: list[int] = field(default_factory=list)
    cycles: list[list[int]] = field(default_factory=list)
    cross: list[tuple[int, int]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------
# Entries under construction
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Entries:
    subject: list[int] = field(default_factory=list)
    list_type: list[str] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)
    severity: list[str | None] = field(default_factory=list)
    department: list[str] = field(default_factory=list)
    act: list[int] = field(default_factory=list)
    determined: list[int] = field(default_factory=list)
    until: list[int] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    since: list[int] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)
    findings: list[tuple[int, int, str]] = field(default_factory=list)  # (person, local entry, basis)

    def __len__(self) -> int:
        return len(self.subject)


# ---------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, subjects: int, seed: int, roles: int | None, entries: int | None) -> None:
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.lay = _layout(subjects)
        self.role_target = 3 * subjects if roles is None else roles
        self.entry_target = round(0.05 * subjects) if entries is None else entries
        self.instances = max(1, self.entry_target // 1500)  # copies of each planted scenario
        lay = self.lay
        self.kind = lay.kinds()
        self.edges = _Edges()
        self.plan = _Plan()
        self.region_codes = [r.code for r in nm.REGIONS]
        # Filled by the build steps.
        self.region = np.empty(0, dtype=np.int64)
        self.found = np.empty(0, dtype=np.int64)
        self.birth = np.empty(0, dtype=np.int64)
        self.male = np.empty(0, dtype=np.bool_)
        self.industry = np.empty(0, dtype=np.int64)
        self.suffix = np.empty(0, dtype=np.int64)
        self.joint_stock = np.empty(0, dtype=np.bool_)
        self.licensed = np.empty(0, dtype=np.bool_)
        self.parent = np.empty(0, dtype=np.int64)
        self.social_template = np.empty(0, dtype=np.int64)
        self.public_template = np.empty(0, dtype=np.int64)
        self.lr = np.empty(0, dtype=np.int64)
        self.lr_prev = np.empty(0, dtype=np.int64)
        self.lr_change = np.empty(0, dtype=np.int64)
        self.pic = np.empty(0, dtype=np.int64)
        self.pic_from = np.empty(0, dtype=np.int64)
        self.mpic = np.empty(0, dtype=np.int64)
        self.person_weight = np.empty(0, dtype=np.float64)
        self.holder_weight = np.empty(0, dtype=np.float64)
        self.hub_of = np.empty(0, dtype=np.int64)
        self.planted_pool = np.empty(0, dtype=np.int64)
        self.planted_next = 0

    # -- index helpers ----------------------------------------------------------------------------

    def persons(self, size: int, weighted: bool = False) -> I64:
        lay = self.lay
        if weighted:
            picked = self.rng.choice(lay.persons, size=size, p=self.person_weight)
        else:
            picked = self.rng.integers(0, lay.persons, size=size)
        out: I64 = (picked + lay.person_start).astype(np.int64)
        return out

    def person(self) -> int:
        return int(self.persons(1)[0])

    def other_person(self, *avoid: int) -> int:
        while True:
            p = self.person()
            if p not in avoid:
                return p

    def take_enterprise(self) -> int:
        """A fresh ordinary enterprise (not a hub, not a branch) for a planted scenario."""
        pool = self.planted_pool
        org = int(pool[self.planted_next % pool.size])
        self.planted_next += 1
        return org

    def in_range(self, start: int, size: int) -> int:
        return start + int(self.rng.integers(0, size))

    # -- subjects -----------------------------------------------------------------------------------

    def build_subjects(self) -> None:
        lay, rng = self.lay, self.rng
        weights = _probabilities([r.weight for r in nm.REGIONS])
        self.region = rng.choice(len(nm.REGIONS), size=lay.n, p=weights).astype(np.int64)

        # Founding days of organisations (enterprises skew recent: China's enterprise boom).
        found = np.empty(lay.orgs, dtype=np.int64)
        span = LAST_FOUNDING - FIRST_DAY
        found[: lay.enterprises] = FIRST_DAY + np.floor(span * rng.random(lay.enterprises) ** 0.8).astype(np.int64)
        found[: lay.hubs] = FIRST_DAY + rng.integers(0, 5 * 365, size=lay.hubs)
        found[lay.social_start :] = FIRST_DAY + rng.integers(0, 4 * 365, size=lay.orgs - lay.social_start)
        self.found = found

        industry_p = _probabilities([i.weight for i in nm.INDUSTRIES])
        self.industry = rng.choice(len(nm.INDUSTRIES), size=lay.enterprises, p=industry_p).astype(np.int64)
        invest = next(k for k, i in enumerate(nm.INDUSTRIES) if i.name == "投资管理")
        self.industry[: lay.hubs] = invest
        suffix_p = _probabilities([w for _, w in nm.ENTERPRISE_SUFFIXES])
        self.suffix = rng.choice(len(nm.ENTERPRISE_SUFFIXES), size=lay.enterprises, p=suffix_p).astype(np.int64)
        joint = next(k for k, (s, _) in enumerate(nm.ENTERPRISE_SUFFIXES) if s == nm.JOINT_STOCK_SUFFIX)
        self.joint_stock = self.suffix == joint
        self.joint_stock[: lay.hubs] = True

        # Branches: 15% belong to holding hubs, the rest to ordinary enterprises.
        self.parent = np.full(lay.orgs, -1, dtype=np.int64)
        to_hub = rng.random(lay.branches) < 0.15
        parents = np.where(
            to_hub,
            rng.integers(0, lay.hubs, size=lay.branches),
            rng.integers(lay.hubs, lay.non_branch, size=lay.branches),
        )
        self.parent[lay.non_branch : lay.enterprises] = parents
        self.industry[lay.non_branch :] = self.industry[parents]

        social_p = _probabilities([w for _, _, w in nm.SOCIAL_TEMPLATES])
        self.social_template = rng.choice(len(nm.SOCIAL_TEMPLATES), size=lay.social, p=social_p).astype(np.int64)
        public_p = _probabilities([w for _, _, w in nm.PUBLIC_INSTITUTION_TEMPLATES])
        self.public_template = rng.choice(len(nm.PUBLIC_INSTITUTION_TEMPLATES), size=lay.public, p=public_p).astype(
            np.int64
        )

        # Persons: sex, birth (mostly 1960s-1980s), weights for how many roles they collect.
        self.male = rng.random(lay.persons) < 0.62
        self.birth = FIRST_BIRTH + np.floor((LAST_BIRTH - FIRST_BIRTH) * rng.beta(2.4, 2.2, lay.persons)).astype(
            np.int64
        )
        pw = rng.pareto(2.5, lay.persons) + 1.0
        self.person_weight = pw / pw.sum()
        hw = rng.pareto(1.6, lay.non_branch) + 1.0  # organisations as shareholders: power-law out-degree
        hw[: lay.hubs] = 0.0  # hubs get their holdings explicitly
        self.holder_weight = hw / hw.sum()
        self.planted_pool = rng.permutation(np.arange(lay.hubs, lay.non_branch, dtype=np.int64))

    def licensed_flags(self) -> Bool:
        lay = self.lay
        flags = np.zeros(lay.orgs, dtype=np.bool_)
        ind_licensed = np.array([i.licensed for i in nm.INDUSTRIES], dtype=np.bool_)
        flags[: lay.enterprises] = ind_licensed[self.industry]
        pi_licensed = np.array([t[1] for t in nm.PUBLIC_INSTITUTION_TEMPLATES], dtype=np.bool_)
        flags[lay.public_start : lay.government_start] = pi_licensed[self.public_template]
        return flags

    # -- structural roles -----------------------------------------------------------------------

    def build_leaders(self) -> None:
        """Legal representatives (with a heavy tail of persons leading 2-20 firms), LR changes, persons
        in charge of branches, main persons in charge."""
        lay, rng = self.lay, self.rng
        self.lr = np.full(lay.orgs, -1, dtype=np.int64)
        slot_orgs = np.concatenate(
            [
                np.arange(lay.non_branch, dtype=np.int64),
                np.arange(lay.social_start, lay.government_start, dtype=np.int64),
            ]
        )
        slots = slot_orgs.size
        multi_slots = round(0.3 * slots)
        counts = rng.zipf(1.8, size=multi_slots // 2 + 8)
        counts = np.where(counts > 19, rng.integers(1, 5, size=counts.size), counts) + 1  # 2..20
        cumulative = np.cumsum(counts)
        cut = min(int(np.searchsorted(cumulative, multi_slots)) + 1, counts.size)
        counts = counts[:cut]
        order = rng.permutation(lay.persons).astype(np.int64) + lay.person_start
        multi = order[: counts.size]
        multi_list = np.repeat(multi, counts)[:slots]
        singles_needed = slots - multi_list.size
        singles = order[counts.size : counts.size + singles_needed]
        if singles.size < singles_needed:
            singles = np.concatenate([singles, self.persons(singles_needed - singles.size)])
        assignment = rng.permutation(np.concatenate([multi_list, singles]))
        self.lr[slot_orgs] = assignment

        # LR changes: an ended LR role plus the current one.
        self.lr_prev = np.full(lay.orgs, -1, dtype=np.int64)
        self.lr_change = np.full(lay.orgs, NO_DATE, dtype=np.int64)
        change_p = np.zeros(lay.orgs)
        change_p[: lay.non_branch] = 0.12
        change_p[lay.social_start : lay.government_start] = 0.08
        changes = np.flatnonzero(rng.random(lay.orgs) < change_p)
        room = LAST_DAY - 60 - (self.found[changes] + 180)
        changes = changes[room > 30]
        room = room[room > 30]
        self.lr_change[changes] = self.found[changes] + 180 + np.floor(rng.random(changes.size) * room).astype(np.int64)
        prev = self.persons(changes.size)
        same = prev == self.lr[changes]
        prev[same] = lay.person_start + (prev[same] - lay.person_start + 1) % lay.persons
        self.lr_prev[changes] = prev

        # Branches: the person in charge is often the parent's LR.
        self.pic = np.full(lay.orgs, -1, dtype=np.int64)
        self.pic_from = np.full(lay.orgs, NO_DATE, dtype=np.int64)
        branches = np.arange(lay.non_branch, lay.enterprises, dtype=np.int64)
        parents = self.parent[branches]
        owner_leads = (rng.random(branches.size) < 0.3) & (parents >= lay.hubs)  # hubs hire managers
        self.pic[branches] = np.where(owner_leads, self.lr[parents], self.persons(branches.size))

        # Main persons in charge: every government body, many public institutions and social orgs, a few
        # enterprises.
        self.mpic = np.full(lay.orgs, -1, dtype=np.int64)
        mpic_p = np.zeros(lay.orgs)
        mpic_p[: lay.non_branch] = 0.03
        mpic_p[lay.social_start : lay.public_start] = 0.4
        mpic_p[lay.public_start : lay.government_start] = 0.6
        mpic_p[lay.government_start :] = 1.0
        chosen = np.flatnonzero(rng.random(lay.orgs) < mpic_p)
        self.mpic[chosen] = self.persons(chosen.size)

    # -- planted structure -------------------------------------------------------------------------

    def plant_structure(self) -> None:
        """Choose and shape the subjects of the planted scenarios (entries come later)."""
        lay, rng, plan, e = self.lay, self.rng, self.plan, self.edges
        construction = next(k for k, i in enumerate(nm.INDUSTRIES) if i.name == "建筑工程")

        def fresh() -> int:
            """A planted enterprise: founded 2008-2015 (so its roles predate the planted acts), one LR."""
            org = self.take_enterprise()
            self.found[org] = _day(2008, 1, 1) + int(rng.integers(0, 7 * 365))
            self.lr_change[org] = NO_DATE
            self.lr_prev[org] = -1
            return org

        def persons_for(org: int, role: int, count: int) -> list[int]:
            chosen = [self.other_person(self.lr[org]) for _ in range(count)]
            e.add(chosen, role, [org] * count, vfrom=int(self.found[org]), vto=NO_DATE)
            return chosen

        pis = np.arange(lay.public_start, lay.government_start, dtype=np.int64)
        licensed_pis = pis[self.licensed_flags()[pis]]
        for j in range(self.instances):
            # P1/P3/P4 + role timing: an enterprise with every role, whose LR changed in 2023-2024.
            for _ in range(2):
                x = fresh()
                self.industry[x] = construction
                change = _day(2024, 1, 1) + int(rng.integers(0, 366))
                old = self.other_person(int(self.lr[x]))
                self.lr_change[x], self.lr_prev[x] = change, old
                mpic = self.other_person(int(self.lr[x]), old)
                self.mpic[x] = mpic
                directors = [int(self.lr[x]), *persons_for(x, DIRECTOR, 2)]
                e.add([directors[0]], DIRECTOR, [x], vfrom=change, vto=NO_DATE)
                supervisor = persons_for(x, SUPERVISOR, 1)[0]
                seniors = persons_for(x, SENIOR, 2)
                practitioners = persons_for(x, PRACTITIONER, 2)
                holders = [old, *persons_for(x, SHAREHOLDER, 1)]
                e.add([old], SHAREHOLDER, [x], weight=3.0, vfrom=int(self.found[x]), vto=NO_DATE)
                corporate = self.take_enterprise()
                e.add([corporate], SHAREHOLDER, [x], weight=2.0, vfrom=int(self.found[x]), vto=NO_DATE)
                e.add([holders[1]], CONTROLLER, [x], vfrom=int(self.found[x]), vto=NO_DATE)
                plan.rich.append(_Rich(x, change, old, mpic, directors, supervisor, seniors, practitioners, holders))

            # P1 on a public institution (a hospital with practitioners), a social org, a government body.
            y = int(licensed_pis[j % licensed_pis.size]) if licensed_pis.size else int(pis[j % pis.size])
            self.lr_change[y], self.lr_prev[y] = NO_DATE, -1
            if self.mpic[y] < 0:
                self.mpic[y] = self.other_person(int(self.lr[y]))
            plan.public_serious.append((y, persons_for(y, PRACTITIONER, 2)))
            z = lay.social_start + j % lay.social
            self.lr_change[z], self.lr_prev[z] = NO_DATE, -1
            if self.mpic[z] < 0:
                self.mpic[z] = self.other_person(int(self.lr[z]))
            plan.social_serious.append(z)
            plan.government_serious.append(lay.government_start + j % lay.government)

            # P5: the LR of a serious-illegal enterprise is LR of another enterprise (since before the
            # determination) and person in charge of a branch (appointed after it).
            a, b = fresh(), fresh()
            determined = _day(2024, 1, 1) + int(rng.integers(0, 660))
            if j % 2:
                banned = self.other_person(int(self.lr[a]))
                self.lr_prev[a], self.lr_change[a] = banned, determined + int(rng.integers(120, 300))
            else:
                banned = int(self.lr[a])
            self.lr[b] = banned
            branch = self.in_range(lay.non_branch, lay.branches)
            self.pic[branch] = banned
            self.pic_from[branch] = determined + 90
            plan.p5.append((a, determined, banned))

            # P6: a public institution's LR is put on the court-defaulter list.
            p6 = int(pis[(j * 7 + 3) % pis.size])
            if p6 == y and pis.size > 1:
                p6 = int(pis[(j * 7 + 4) % pis.size])
            self.lr_change[p6], self.lr_prev[p6] = NO_DATE, -1
            plan.p6.append(p6)

            # P8: a serious enterprise asserted related to enterprises that have actual controllers.
            s, r1, r2 = fresh(), fresh(), fresh()
            since = int(max(self.found[s], self.found[r1], self.found[r2]))
            e.add([s], RELATED, [r1], vfrom=since, vto=NO_DATE)
            e.add([r2], RELATED, [s], vfrom=since, vto=NO_DATE)
            e.add([self.person()], CONTROLLER, [r1], vfrom=int(self.found[r1]), vto=NO_DATE)
            e.add([j % lay.hubs], CONTROLLER, [r2], vfrom=int(self.found[r2]), vto=NO_DATE)
            e.add([j % lay.hubs], SHAREHOLDER, [r2], weight=6.0, vfrom=int(self.found[r2]), vto=NO_DATE)
            plan.p8.append((s, r1, r2))

            # W1 (focus in several domains), W2, W3, W4, V1, V2 and others: enterprises (some persons and
            # social orgs), shaped only by their entries.
            plan.focus_subjects.extend(
                [
                    fresh(),
                    fresh(),
                    fresh(),
                    fresh(),
                    (lay.social_start + (j + 1) % lay.social) if j % 2 else self.person(),
                ]
            )
            plan.w2.append((fresh(), fresh(), fresh()))
            plan.w2_person.append(self.person())
            plan.w3.append((fresh(), fresh()))
            plan.w4.append(fresh() if j % 2 == 0 else self.person())
            plan.v2.append((fresh(), fresh()))
            plan.expired.append(fresh())
            plan.court_enterprise.append(fresh())
            plan.no_act_date.append(fresh())

            # Ownership: a cycle (3 or 4 enterprises) and a cross-holding pair.
            ordinary = np.arange(lay.hubs, lay.non_branch, dtype=np.int64)
            cycle = rng.choice(ordinary, size=3 + j % 2, replace=False).tolist()
            e.add(cycle, SHAREHOLDER, [*cycle[1:], cycle[0]], weight=2.0)
            plan.cycles.append(cycle)
            c1, c2 = rng.choice(ordinary, size=2, replace=False).tolist()
            e.add([c1, c2], SHAREHOLDER, [c2, c1], weight=1.5)
            plan.cross.append((c1, c2))

    # -- bulk roles -----------------------------------------------------------------------------

    def build_bulk_roles(self) -> None:
        lay, rng, e = self.lay, self.rng, self.edges
        structural = (
            int((self.lr >= 0).sum())
            + int((self.lr_prev >= 0).sum())
            + 2 * lay.branches
            + int((self.mpic >= 0).sum())
            + e.count()
        )
        budget = max(self.role_target - structural, lay.non_branch)
        quota = {role: round(budget * share) for role, share in ROLE_MIX}
        ordinary = np.arange(lay.hubs, lay.non_branch, dtype=np.int64)
        non_branch = np.arange(lay.non_branch, dtype=np.int64)

        # Shareholders ---------------------------------------------------------------------------
        total = quota[SHAREHOLDER]
        # Holding hubs own hundreds to thousands of enterprises (Zipf over the hubs).
        sizes = np.maximum(4, np.floor(0.009 * lay.non_branch / np.arange(1, lay.hubs + 1) ** 0.85)).astype(np.int64)
        if sizes.sum() > 0.25 * total:
            sizes = np.maximum(1, np.floor(sizes * 0.25 * total / sizes.sum())).astype(np.int64)
        self.hub_of = np.full(lay.orgs, -1, dtype=np.int64)
        for hub, size in enumerate(sizes):
            owned = rng.choice(ordinary, size=min(int(size), ordinary.size), replace=False)
            e.add(np.full(owned.size, hub), SHAREHOLDER, owned, weight=rng.gamma(4.0, 3.0, owned.size))
            self.hub_of[owned] = hub
        # Most owners are also the legal representative.
        lr_holds = non_branch[rng.random(lay.non_branch) < min(0.7, 0.45 * total / max(lay.non_branch, 1))]
        e.add(self.lr[lr_holds], SHAREHOLDER, lr_holds, weight=rng.gamma(2.0, 1.5, lr_holds.size))
        # Everyone else: holders with power-law weights (persons 78%, enterprises 22%), targets weighted by
        # company size (joint-stock companies have many shareholders).
        rest = max(0, total - int(sizes.sum()) - lr_holds.size)
        size_w = rng.lognormal(0.0, 1.0, lay.non_branch) * np.where(self.joint_stock[: lay.non_branch], 6.0, 1.0)
        targets = rng.choice(lay.non_branch, size=rest, p=size_w / size_w.sum()).astype(np.int64)
        is_person = rng.random(rest) < 0.78
        holders = np.where(
            is_person,
            self.persons(rest, weighted=True),
            rng.choice(lay.non_branch, size=rest, p=self.holder_weight).astype(np.int64),
        )
        keep = holders != targets
        e.add(holders[keep], SHAREHOLDER, targets[keep], weight=rng.gamma(1.0, 1.0, int(keep.sum())))

        # Directors, supervisors, senior managers --------------------------------------------------
        total = quota[DIRECTOR]
        boards = np.concatenate(
            [np.arange(lay.hubs), ordinary[self.joint_stock[ordinary]], rng.permutation(ordinary)]
        ).astype(np.int64)
        _, first = np.unique(boards, return_index=True)
        boards = boards[np.sort(first)]
        board_count = max(1, total // 5)
        chairs = boards[:board_count][rng.random(min(board_count, boards.size)) < 0.6]
        e.add(self.lr[chairs], DIRECTOR, chairs)
        seats = _fan(rng, boards[:board_count], total - chairs.size, 2, 6)
        e.add(self.persons(seats.size, weighted=True), DIRECTOR, seats)
        seats = _fan(rng, rng.permutation(non_branch), quota[SUPERVISOR], 1, 2)
        e.add(self.persons(seats.size, weighted=True), SUPERVISOR, seats)
        seats = _fan(rng, boards, quota[SENIOR], 1, 4)
        e.add(self.persons(seats.size, weighted=True), SENIOR, seats)

        # Registered practitioners (several may be registered at more than one firm: 挂证) ----------
        licensed = np.flatnonzero(self.licensed_flags())
        licensed = licensed[self.parent[licensed] < 0]
        seats = _fan(rng, rng.permutation(licensed), quota[PRACTITIONER], 1, 8)
        e.add(self.persons(seats.size), PRACTITIONER, seats)

        # Actual controllers --------------------------------------------------------------------------
        count = min(quota[CONTROLLER], ordinary.size)
        controlled = rng.choice(ordinary, size=count, replace=False)
        draw = rng.random(count)
        hub_lr = self.lr[np.maximum(self.hub_of[controlled], 0)]
        controller = np.where(
            draw < 0.4,
            self.lr[controlled],
            np.where(
                draw < 0.8,
                self.persons(count, weighted=True),
                np.where(
                    draw < 0.95,
                    rng.choice(lay.non_branch, size=count, p=self.holder_weight),
                    rng.integers(lay.government_start, lay.orgs, size=count),
                ),
            ),
        )
        via_hub = (self.hub_of[controlled] >= 0) & (rng.random(count) < 0.5)
        controller = np.where(via_hub, hub_lr, controller)
        keep = controller != controlled
        e.add(controller[keep], CONTROLLER, controlled[keep])
        e.add(self.lr[: lay.hubs], CONTROLLER, np.arange(lay.hubs))

        # Related enterprises: firms led by the same person, and others --------------------------------
        total = quota[RELATED]
        by_lr = non_branch[np.argsort(self.lr[: lay.non_branch], kind="stable")]
        same = self.lr[by_lr[1:]] == self.lr[by_lr[:-1]]
        pairs_a, pairs_b = by_lr[:-1][same], by_lr[1:][same]
        take = rng.permutation(pairs_a.size)[: total // 2]
        rand_a = rng.integers(0, lay.non_branch, size=total - take.size)
        rand_b = rng.integers(0, lay.non_branch, size=total - take.size)
        a = np.concatenate([pairs_a[take], rand_a])
        b = np.concatenate([pairs_b[take], rand_b])
        keep = a != b
        swap = rng.random(a.size) < 0.5  # direction carries no meaning
        e.add(np.where(swap, b, a)[keep], RELATED, np.where(swap, a, b)[keep])

    # -- finalise roles -----------------------------------------------------------------------------

    def finalise_roles(self) -> _Roles:
        lay, rng, e = self.lay, self.rng, self.edges
        orgs = np.arange(lay.orgs, dtype=np.int64)
        # Structural edges first so that they win de-duplication.
        has_lr = self.lr >= 0
        current_from = np.where(self.lr_change != NO_DATE, self.lr_change, self.found)
        e.add(self.lr[has_lr], LR, orgs[has_lr], vfrom=current_from[has_lr], vto=NO_DATE)
        had = self.lr_prev >= 0
        e.add(self.lr_prev[had], LR, orgs[had], vfrom=self.found[had], vto=self.lr_change[had] - 1)
        branches = np.arange(lay.non_branch, lay.enterprises, dtype=np.int64)
        pic_from = np.where(self.pic_from[branches] != NO_DATE, self.pic_from[branches], self.found[branches])
        e.add(self.pic[branches], PIC, branches, vfrom=pic_from, vto=NO_DATE)
        e.add(branches, BRANCH_OF, self.parent[branches], vfrom=self.found[branches], vto=NO_DATE)
        has_mpic = self.mpic >= 0
        mpic_from = np.minimum(self.found + rng.integers(0, 1000, size=lay.orgs), LAST_DAY)
        e.add(self.mpic[has_mpic], MPIC, orgs[has_mpic], vfrom=mpic_from[has_mpic], vto=NO_DATE)
        # e.src holds the planted edges first, then bulk, then structural: move structural to the front.
        order = list(range(len(e.src) - 5, len(e.src))) + list(range(len(e.src) - 5))
        src = np.concatenate([e.src[k] for k in order])
        role = np.concatenate([e.role[k] for k in order])
        tgt = np.concatenate([e.tgt[k] for k in order])
        weight = np.concatenate([e.weight[k] for k in order])
        vfrom = np.concatenate([e.vfrom[k] for k in order])
        vto = np.concatenate([e.vto[k] for k in order])

        # No self-loops, no duplicate (source, role, target); persons only as sources of person roles.
        # related_enterprise is symmetric: one row per unordered pair.
        n = np.int64(lay.n)
        related = role == RELATED
        low, high = np.where(related, np.minimum(src, tgt), src), np.where(related, np.maximum(src, tgt), tgt)
        key = (role * n + low) * n + high
        _, first = np.unique(key, return_index=True)
        first = np.sort(first)
        first = first[src[first] != tgt[first]]
        src, role, tgt, weight, vfrom, vto = (a[first] for a in (src, role, tgt, weight, vfrom, vto))

        # Dates of the generated edges: from the target's founding (or both parties' for related firms),
        # some ended. Persons hold roles from about age 20.
        auto_from = vfrom == AUTO
        base = self.found[tgt]
        related = role == RELATED
        base[related] = np.maximum(base[related], self.found[src[related]])
        start = np.minimum(base + np.floor(rng.exponential(700.0, src.size)).astype(np.int64), LAST_DAY - 30)
        vfrom = np.where(auto_from, np.maximum(start, base), vfrom)
        person_src = src >= lay.person_start
        adult = np.full(src.size, FIRST_DAY, dtype=np.int64)
        adult[person_src] = self.birth[src[person_src] - lay.person_start] + ADULT_DAYS
        vfrom = np.maximum(vfrom, np.minimum(adult, LAST_DAY - 30))
        auto_to = vto == AUTO
        room = LAST_DAY - vfrom - 30
        ended = auto_to & (rng.random(src.size) < 0.08) & (room > 30)
        end = vfrom + 30 + np.floor(rng.random(src.size) * np.maximum(room, 0)).astype(np.int64)
        vto = np.where(ended, end, np.where(auto_to, NO_DATE, vto))
        vfrom = np.where(vto != NO_DATE, np.minimum(vfrom, vto), vfrom)

        # Shareholding ratios in hundredths of a percent, at most 100% per target (all rows counted).
        units = np.full(src.size, -1, dtype=np.int64)
        sh = np.flatnonzero(role == SHAREHOLDER)
        t = tgt[sh]
        k = np.bincount(t, minlength=lay.orgs)
        total_w = np.bincount(t, weights=weight[sh], minlength=lay.orgs)
        recorded = np.where(rng.random(lay.orgs) < 0.8, 10_000, rng.integers(3_000, 10_000, size=lay.orgs))
        recorded = np.maximum(recorded, k)
        share = weight[sh] / total_w[t]
        units[sh] = 1 + np.floor(share * (recorded[t] - k[t])).astype(np.int64)

        order_out = np.lexsort((src, role, tgt))
        return _Roles(
            src[order_out], role[order_out], tgt[order_out], units[order_out], vfrom[order_out], vto[order_out]
        )

    # -- entries ------------------------------------------------------------------------------------

    def subject_kind(self, subject: int) -> str:
        return KIND_NAMES[int(self.kind[subject])]

    def department(self, domain: str, subject: int, u: float) -> str:
        options = nm.DEPARTMENTS.get(domain, nm.DEPARTMENTS["other"])
        region = nm.REGIONS[int(self.region[subject])]
        return options[int(u * len(options))].format(
            c=region.city,
            d=region.full,
            s=region.short,
            cs=region.city.removesuffix("市"),
            p=region.csrc,
            ic=region.intermediate_court,
        )

    def legal_basis(self, list_type: str, domain: str, subject: int, u: float) -> str:
        region = nm.REGIONS[int(self.region[subject])]
        if list_type == ListType.FOCUS and region.city in nm.FOCUS_LIST_PLANS:
            return nm.FOCUS_LIST_PLANS[region.city]
        options = nm.DOMAIN_BASES.get(list_type, {}).get(domain) or nm.LIST_BASES[list_type]
        return options[int(u * len(options))]

    def default_domain(self, list_type: str, subject: int, u: float, v: float) -> str:
        if list_type in nm.FIXED_DOMAINS:
            return nm.FIXED_DOMAINS[list_type]
        kind = self.subject_kind(subject)
        if kind == SubjectKind.ENTERPRISE and list_type != ListType.RED and u < 0.65:
            own = nm.INDUSTRIES[int(self.industry[subject])].domains
            return own[int(v * len(own))]
        if list_type == ListType.FOCUS:
            return nm.FOCUS_DOMAINS[int(v * len(nm.FOCUS_DOMAINS))]
        pool = (nm.RED_DOMAINS if list_type == ListType.RED else nm.BLACK_DOMAINS)[kind]
        return pool[int(v * len(pool))]

    def add_entry(
        self,
        out: _Entries,
        subject: int,
        list_type: str,
        *,
        determined: int,
        act: int = NO_DATE,
        domain: str | None = None,
        severity: str | None = None,
        until: int = NO_DATE,
        status: str = EntryStatus.ACTIVE,
        since: int = NO_DATE,
        scope: str = Scope.PUBLIC,
    ) -> int:
        u = self.rng.random(4)
        if domain is None:
            domain = self.default_domain(list_type, subject, float(u[0]), float(u[1]))
        if severity is None and list_type in ALWAYS_SERIOUS:
            severity = Severity.SERIOUS
        elif severity is None and list_type != ListType.RED:
            severity = Severity.GENERAL
        out.subject.append(subject)
        out.list_type.append(str(list_type))
        out.domain.append(domain)
        out.severity.append(None if severity is None else str(severity))
        out.department.append(self.department(domain, subject, float(u[2])))
        out.act.append(act)
        out.determined.append(determined)
        out.until.append(until)
        out.status.append(str(status))
        out.since.append(since)
        out.scope.append(str(scope))
        out.basis.append(self.legal_basis(list_type, domain, subject, float(u[3])))
        return len(out) - 1

    def finding_basis(self) -> str:
        return nm.FINDING_BASES[int(self.rng.integers(0, len(nm.FINDING_BASES)))]

    def days(self, start: int, end: int) -> int:
        """A random day in [start, end]."""
        return start + int(self.rng.integers(0, max(1, end - start + 1)))

    def planted_entries(self, out: _Entries, roles: _Roles) -> None:
        rng, plan = self.rng, self.plan
        for j, rich in enumerate(plan.rich):
            # Two per instance: the act falls before the LR change (the old LR is reached) for the first,
            # after it for the second; only the first of every third instance has responsibility findings.
            shift = int(rng.integers(60, 200))
            act = rich.change - shift if j % 2 == 0 else rich.change + shift
            determined = act + int(rng.integers(30, 200))
            entry = self.add_entry(
                out, rich.org, ListType.BLACK, act=act, determined=determined, domain="construction_quality"
            )
            if j % 6 == 0:
                outsider = self.other_person(*roles.holders(rich.org)[0].tolist())  # holds no role there
                for person in (rich.directors[1], rich.shareholders[1], rich.practitioners[0], outsider):
                    out.findings.append((person, entry, self.finding_basis()))
            # A second, serious_illegal entry on some of them.
            if j % 4 == 3:
                later = min(determined + 20, LAST_DAY)
                self.add_entry(out, rich.org, ListType.SERIOUS_ILLEGAL, act=min(act + 5, later), determined=later)
        for j, (pi, practitioners) in enumerate(plan.public_serious):
            act = self.days(_day(2023, 9, 1), _day(2025, 6, 30))
            entry = self.add_entry(
                out, pi, ListType.BLACK, act=act, determined=act + int(rng.integers(30, 120)), domain="medical_health"
            )
            if j % 2 == 0:
                out.findings.append((practitioners[0], entry, self.finding_basis()))
        for j, org in enumerate(plan.social_serious):
            act = self.days(_day(2023, 9, 1), _day(2025, 6, 30))
            entry = self.add_entry(out, org, ListType.BLACK, act=act, determined=act + 60, domain="other")
            if j % 2 == 0:
                out.findings.append((self.person(), entry, self.finding_basis()))
        for org in plan.government_serious:
            act = self.days(_day(2023, 9, 1), _day(2025, 6, 30))
            self.add_entry(out, org, ListType.GOV_DISHONESTY, act=act, determined=act + 45, scope=Scope.GOVERNMENT)
        for org, determined, _ in plan.p5:
            self.add_entry(
                out, org, ListType.SERIOUS_ILLEGAL, act=determined - int(rng.integers(30, 200)), determined=determined
            )
        for pi in plan.p6:
            determined = self.days(_day(2025, 1, 1), _day(2026, 5, 31))
            person = int(self.lr[pi])
            self.add_entry(
                out,
                person,
                ListType.COURT_DEFAULTER,
                act=determined - int(rng.integers(100, 600)),
                determined=determined,
            )
        for j, (org, _, _) in enumerate(plan.p8):
            determined = self.days(_day(2024, 6, 1), _day(2026, 5, 31))
            list_type = ListType.SAFETY_PRODUCTION if j % 2 else ListType.BLACK
            self.add_entry(out, org, list_type, act=determined - 90, determined=determined)

        # W1: focus entries in 3, 4, 2 distinct domains, three in one domain, and 3 domains with one expired.
        for k in range(0, len(plan.focus_subjects), 5):
            three, two, same, expired_one, other = plan.focus_subjects[k : k + 5]
            j = k // 5
            self.focus_set(out, three, rng.choice(len(nm.FOCUS_DOMAINS), 3, replace=False))
            self.focus_set(out, two, rng.choice(len(nm.FOCUS_DOMAINS), 2, replace=False))
            self.focus_set(out, same, np.full(3, rng.integers(0, len(nm.FOCUS_DOMAINS))))
            self.focus_set(out, expired_one, rng.choice(len(nm.FOCUS_DOMAINS), 3, replace=False), expire_first=True)
            self.focus_set(out, other, rng.choice(len(nm.FOCUS_DOMAINS), 3 + j % 2, replace=False))

        # W2: a serious act within the focus entry's validity (explicit, or the profile's: open-ended or
        # one year), and one act before the focus entry. Dates keep every entry in force on AS_OF under the
        # default profile too (serious: 3 years, general and fairly serious: 1 year).
        for (w_set, w_open, w_before), person in zip(plan.w2, plan.w2_person, strict=True):
            focus_day = self.days(_day(2024, 9, 1), _day(2025, 6, 30))
            self.add_entry(
                out,
                w_set,
                ListType.FOCUS,
                act=focus_day - 40,
                determined=focus_day,
                until=_add_years(focus_day, 3),
                severity=Severity.FAIRLY_SERIOUS,
            )
            act = focus_day + int(rng.integers(60, 240))
            self.add_entry(out, w_set, ListType.BLACK, act=act, determined=act + int(rng.integers(30, 90)))
            recent = self.days(_day(2025, 7, 15), _day(2025, 11, 30))
            self.add_entry(out, w_open, ListType.FOCUS, act=recent - 20, determined=recent)
            act = recent + int(rng.integers(30, 120))
            self.add_entry(out, w_open, ListType.SERIOUS_ILLEGAL, act=act, determined=act + 45)
            self.add_entry(out, w_before, ListType.FOCUS, act=recent - 10, determined=recent)
            act = recent - int(rng.integers(100, 300))
            self.add_entry(out, w_before, ListType.BLACK, act=act, determined=recent + 30)
            self.add_entry(out, person, ListType.FOCUS, act=recent - 30, determined=recent, domain="finance")
            act = recent + int(rng.integers(30, 120))
            self.add_entry(out, person, ListType.COURT_DEFAULTER, act=act, determined=act + int(rng.integers(30, 60)))

        # W3: a red entry determined before a black one (removed), and one while it is in force (refused).
        for before, during in plan.w3:
            red_day = self.days(_day(2020, 1, 1), _day(2021, 12, 31))
            black_day = self.days(_day(2024, 1, 1), _day(2025, 12, 31))
            self.add_entry(out, before, ListType.RED, determined=red_day, domain="tax")
            self.add_entry(out, before, ListType.BLACK, act=black_day - 60, determined=black_day)
            self.add_entry(out, during, ListType.BLACK, act=black_day - 90, determined=black_day)
            self.add_entry(
                out, during, ListType.RED, determined=black_day + int(rng.integers(60, 180)), domain="customs"
            )

        # W4: black entries that exited; V2: objection pending / suspended; V1: expired; others.
        for subject in plan.w4:
            determined = self.days(_day(2021, 1, 1), _day(2023, 6, 30))
            self.add_entry(
                out,
                subject,
                ListType.BLACK,
                act=determined - 50,
                determined=determined,
                status=EntryStatus.EXITED,
                since=determined + int(rng.integers(365, 900)),
            )
        for pending, suspended in plan.v2:
            determined = self.days(_day(2025, 9, 1), _day(2026, 5, 31))
            self.add_entry(
                out,
                pending,
                ListType.BLACK,
                act=determined - 30,
                determined=determined,
                status=EntryStatus.OBJECTION_PENDING,
                since=determined + 10,
            )
            self.add_entry(
                out,
                suspended,
                ListType.SERIOUS_ILLEGAL,
                act=determined - 40,
                determined=determined,
                status=EntryStatus.SUSPENDED,
                since=determined + 20,
            )
        for org in plan.expired:
            determined = self.days(_day(2020, 1, 1), _day(2022, 6, 30))
            self.add_entry(
                out, org, ListType.BLACK, act=determined - 80, determined=determined, until=_add_years(determined, 3)
            )
        for org in plan.court_enterprise:
            determined = self.days(_day(2024, 1, 1), _day(2026, 5, 31))
            self.add_entry(out, org, ListType.COURT_DEFAULTER, act=determined - 365, determined=determined)
        for org in plan.no_act_date:
            self.add_entry(out, org, ListType.BLACK, determined=self.days(_day(2024, 1, 1), _day(2026, 5, 31)))
        for j, cycle in enumerate(plan.cycles):
            determined = self.days(_day(2024, 1, 1), _day(2026, 5, 31))
            self.add_entry(out, cycle[0], ListType.BLACK, act=determined - 70, determined=determined)
            if j < self.lay.hubs:  # a holding hub on a joint-punishment list (wide fan-out, P7)
                self.add_entry(out, j, ListType.MAJOR_TAX_CASE, act=determined - 200, determined=determined)

    def focus_set(self, out: _Entries, subject: int, domain_index: I64, expire_first: bool = False) -> None:
        for k, d in enumerate(domain_index.tolist()):
            determined = self.days(_day(2025, 7, 15), _day(2026, 5, 31))
            until = NO_DATE if self.rng.random() < 0.5 else _add_years(determined, 2)
            if expire_first and k == 0:
                determined = self.days(_day(2023, 1, 1), _day(2023, 12, 31))
                until = _add_years(determined, 1)
            severity = Severity.FAIRLY_SERIOUS if self.rng.random() < 0.4 else Severity.GENERAL
            self.add_entry(
                out,
                subject,
                ListType.FOCUS,
                act=determined - int(self.rng.integers(10, 200)),
                determined=determined,
                until=until,
                domain=nm.FOCUS_DOMAINS[int(d)],
                severity=severity,
            )

    def random_entries(self, out: _Entries, count: int, roles: _Roles) -> None:
        if count <= 0:
            return
        lay, rng = self.lay, self.rng
        types = [t for t, _, _ in LIST_MIX]
        type_index = rng.choice(len(LIST_MIX), size=count, p=_probabilities([w for _, w, _ in LIST_MIX]))
        u = rng.random((count, 12))
        ranges = {
            ENTERPRISE: (0, lay.enterprises),
            PERSON: (lay.person_start, lay.persons),
            SOCIAL_ORG: (lay.social_start, lay.social),
            PUBLIC_INSTITUTION: (lay.public_start, lay.public),
            GOVERNMENT: (lay.government_start, lay.government),
        }
        joint = np.flatnonzero(self.joint_stock)
        lr_orgs = np.flatnonzero(self.lr >= 0)
        seen: dict[int, list[int]] = {k: [] for k in _MIX_KINDS}
        status_p = np.cumsum(_probabilities([w for _, w in STATUS_MIX]))
        for i in range(count):
            list_type = types[int(type_index[i])]
            row = u[i]
            kind_p = np.cumsum(_probabilities(LIST_MIX[int(type_index[i])][2]))
            kind = _MIX_KINDS[min(int(np.searchsorted(kind_p, row[0], side="right")), len(_MIX_KINDS) - 1)]
            start, size = ranges[kind]
            if seen[kind] and row[1] < 0.12:  # repeat offenders
                subject = seen[kind][int(row[2] * len(seen[kind]))]
            elif list_type == ListType.LISTED_COMPANY_VIOLATION and kind == ENTERPRISE and joint.size:
                subject = int(joint[int(row[2] * joint.size)])
            elif list_type == ListType.COURT_DEFAULTER and kind == PERSON and row[1] < 0.5:
                subject = int(self.lr[lr_orgs[int(row[2] * lr_orgs.size)]])  # business owners
            else:
                subject = start + int(row[2] * size)
            seen[kind].append(subject)

            # Dates: mostly 2022-2026, never before the organisation existed.
            if row[3] < 0.85:
                determined = RECENT + int(row[4] * (LAST_DAY - RECENT + 1))
            else:
                determined = OLD_ENTRIES + int(row[4] * (RECENT - OLD_ENTRIES))
            if kind != PERSON and determined < self.found[subject] + 60:
                earliest = int(self.found[subject]) + 60
                determined = earliest + int(row[4] * (LAST_DAY - earliest + 1))
            if list_type == ListType.COURT_DEFAULTER:
                lag = 90 + int(row[5] * 810)
            elif list_type == ListType.ABNORMAL_OPERATION:
                lag = int(row[5] * 60)
            else:
                lag = 15 + int(row[5] * 525)
            act = determined - lag
            if kind != PERSON:
                act = max(act, int(self.found[subject]))
            if row[6] < (0.7 if list_type == ListType.RED else 0.06):
                act = NO_DATE
            until = NO_DATE
            if row[7] < 0.2:
                until = _add_years(determined, (1, 2, 3, 5)[int(row[8] * 4)])

            if list_type == ListType.FOCUS:
                severity: str | None = Severity.FAIRLY_SERIOUS if row[9] < 0.4 else Severity.GENERAL
            elif list_type == ListType.ABNORMAL_OPERATION:
                severity = Severity.FAIRLY_SERIOUS if row[9] < 0.15 else Severity.GENERAL
            elif list_type == ListType.LISTED_COMPANY_VIOLATION:
                severity = Severity.FAIRLY_SERIOUS if row[9] < 0.4 else Severity.SERIOUS
            else:
                severity = None

            if list_type == ListType.RED:
                status: str = EntryStatus.REVOKED if row[10] < 0.05 else EntryStatus.ACTIVE
            else:
                status = STATUS_MIX[min(int(np.searchsorted(status_p, row[10], side="right")), len(STATUS_MIX) - 1)][0]
            since = NO_DATE
            if status != EntryStatus.ACTIVE:
                since = min(determined + 1 + int(row[11] * 500), LAST_DAY)
                since = max(since, determined)
            if list_type in (ListType.COURT_DEFAULTER, ListType.RED, ListType.ABNORMAL_OPERATION):
                scope = Scope.PUBLIC
            else:
                scope = (Scope.PUBLIC, Scope.PUBLIC, Scope.PUBLIC, Scope.GOVERNMENT, Scope.AUTHORISED)[int(row[11] * 5)]
            entry = self.add_entry(
                out,
                subject,
                list_type,
                act=act,
                determined=determined,
                severity=severity,
                until=until,
                status=status,
                since=since,
                scope=scope,
            )

            # Responsibility findings for some serious organisation entries (most have none).
            if kind != PERSON and out.severity[entry] == Severity.SERIOUS and row[9] < 0.12:
                holders, _, _, _ = roles.holders(subject)
                people = np.unique(holders[holders >= lay.person_start])
                chosen: list[int] = []
                if people.size:
                    for _ in range(1 + int(rng.random() < 0.4)):
                        chosen.append(int(people[int(rng.integers(0, people.size))]))
                if not chosen or rng.random() < 0.15:
                    chosen.append(self.person())  # a finding against a person with no recorded role
                for person in dict.fromkeys(chosen):
                    out.findings.append((person, entry, self.finding_basis()))

    # -- names --------------------------------------------------------------------------------------

    def names(self) -> pa.Array[Any]:
        lay, rng = self.lay, self.rng
        regions = nm.REGIONS
        short = _words([r.short for r in regions])

        # Enterprises: {city}{字号}{industry}{suffix}.
        first = rng.integers(0, len(nm.BRAND_FIRST), size=lay.enterprises)
        second = rng.integers(0, len(nm.BRAND_SECOND), size=lay.enterprises)
        clash = np.array([[a == b for b in nm.BRAND_SECOND] for a in nm.BRAND_FIRST], dtype=np.bool_)
        second = np.where(clash[first, second], (second + 1) % len(nm.BRAND_SECOND), second)
        ent_region = self.region[: lay.enterprises]
        brand = _join(_pick(list(nm.BRAND_FIRST), first), _pick(list(nm.BRAND_SECOND), second))
        industry = _pick([i.name for i in nm.INDUSTRIES], self.industry)
        suffix = _pick([s for s, _ in nm.ENTERPRISE_SUFFIXES], self.suffix)
        plain = _join(_pick(short, ent_region), brand, industry, suffix)
        hub_word = _pick(list(nm.HUB_WORDS), rng.integers(0, len(nm.HUB_WORDS), size=lay.enterprises))
        hub_name = _join(_pick(short, ent_region), brand, hub_word)
        is_hub = np.zeros(lay.enterprises, dtype=np.bool_)
        is_hub[: lay.hubs] = True
        parents_named = pc.if_else(pa.array(is_hub), hub_name, plain)
        # Branches: {parent name}{place}分公司, the place being the district when in the parent's city.
        parent = np.maximum(self.parent[: lay.enterprises], 0)
        district_short = _words([_district_short(r.district) for r in regions])
        same_city = (
            np.array([r.city for r in regions])[ent_region] == np.array([r.city for r in regions])[self.region[parent]]
        )
        place = pc.if_else(pa.array(same_city), _pick(district_short, ent_region), _pick(short, ent_region))
        branch_name = _join(
            parents_named.take(parent), place, _pick(["分公司"], np.zeros(lay.enterprises, dtype=np.int64))
        )
        is_branch = np.zeros(lay.enterprises, dtype=np.bool_)
        is_branch[lay.non_branch :] = True
        enterprise_names = pc.if_else(pa.array(is_branch), branch_name, parents_named)

        # Social orgs, public institutions, government bodies: few enough for a Python loop.
        other: list[str] = []
        brands = brand.to_pylist()
        u = rng.random((lay.orgs - lay.social_start, 3))
        government_p = np.cumsum(_probabilities([w for _, w in nm.GOVERNMENT_TEMPLATES]))
        for k, org in enumerate(range(lay.social_start, lay.orgs)):
            r = regions[int(self.region[org])]
            b = brands[int(u[k, 0] * len(brands))]
            if org < lay.public_start:
                template = nm.SOCIAL_TEMPLATES[int(self.social_template[org - lay.social_start])][0]
                other.append(
                    template.format(
                        c=r.city,
                        sector=nm.SOCIAL_SECTORS[int(u[k, 1] * len(nm.SOCIAL_SECTORS))],
                        field=nm.SOCIAL_FIELDS[int(u[k, 1] * len(nm.SOCIAL_FIELDS))],
                        brand=b,
                    )
                )
            elif org < lay.government_start:
                template = nm.PUBLIC_INSTITUTION_TEMPLATES[int(self.public_template[org - lay.public_start])][0]
                ordinal = nm.CHINESE_ORDINALS[int(u[k, 1] * 6)]
                other.append(template.format(c=r.city, d=r.full, n=ordinal))
            else:
                template = nm.GOVERNMENT_TEMPLATES[int(np.searchsorted(government_p, u[k, 1], side="right"))][0]
                dept = nm.GOVERNMENT_DEPARTMENTS[int(u[k, 2] * len(nm.GOVERNMENT_DEPARTMENTS))]
                other.append(template.format(c=r.city, d=r.full, dept=dept))

        # Persons: surname + one or two given-name characters matching the sex.
        surname_p = _probabilities([w for _, w in nm.SURNAMES])
        surname = _pick([s for s, _ in nm.SURNAMES], rng.choice(len(nm.SURNAMES), size=lay.persons, p=surname_p))
        chars = list(nm.GIVEN_MALE) + list(nm.GIVEN_FEMALE) + [""]
        male_n, female_n = len(nm.GIVEN_MALE), len(nm.GIVEN_FEMALE)
        pool_start = np.where(self.male, 0, male_n)
        pool_size = np.where(self.male, male_n, female_n)
        c1 = pool_start + np.floor(rng.random(lay.persons) * pool_size).astype(np.int64)
        c2 = pool_start + np.floor(rng.random(lay.persons) * pool_size).astype(np.int64)
        c2 = np.where(rng.random(lay.persons) < 0.35, len(chars) - 1, c2)
        person_names = _join(surname, _pick(chars, c1), _pick(chars, c2))

        return pa.concat_arrays([enterprise_names, pa.array(other, type=pa.string()), person_names])

    # -- identifiers ----------------------------------------------------------------------------------

    def org_codes(self) -> pa.Array[Any]:
        """USCCs of all organisations: unique organisation-code bodies, old numeric ones for organisations
        registered before the 2015 reform and ``MA``-prefixed ones after it."""
        lay, rng = self.lay, self.rng
        first16 = np.zeros((lay.orgs, 16), dtype=np.uint8)
        dept = np.full(lay.orgs, ord("9"), dtype=np.uint8)
        cat = np.full(lay.orgs, ord("1"), dtype=np.uint8)
        dept[lay.social_start : lay.public_start] = ord("5")
        social_cat = np.array([ord(t[1]) for t in nm.SOCIAL_TEMPLATES], dtype=np.uint8)
        cat[lay.social_start : lay.public_start] = social_cat[self.social_template]
        dept[lay.public_start :] = ord("1")
        cat[lay.public_start : lay.government_start] = ord("2")
        first16[:, 0], first16[:, 1] = dept, cat
        division = _ascii_rows(self.region_codes)
        first16[:, 2:8] = division[self.region[: lay.orgs]]
        new_style = (self.found >= _day(2015, 10, 1)) & (np.arange(lay.orgs) < lay.enterprises)
        old_rows = np.flatnonzero(~new_style)
        new_rows = np.flatnonzero(new_style)
        # Distinct counters through an affine bijection mod the code space: unique and scattered.
        old_space, new_space = 10**8, 31**6
        old_values = (
            np.arange(old_rows.size, dtype=np.int64) * 61_803_399 + int(rng.integers(0, old_space))
        ) % old_space
        new_values = (
            np.arange(new_rows.size, dtype=np.int64) * 545_151_073 + int(rng.integers(0, new_space))
        ) % new_space
        first16[old_rows, 8:16] = _digits(old_values, 8)
        first16[new_rows, 8:10] = np.frombuffer(b"MA", dtype=np.uint8)
        first16[new_rows, 10:16] = _base31(new_values, 6)
        return _uscc_column(first16)

    def person_codes(self) -> tuple[pa.Array[Any], pa.Array[Any]]:
        """(subject ids P00000001.., resident ID numbers) of all persons."""
        lay = self.lay
        serial = np.arange(1, lay.persons + 1, dtype=np.int64)
        ids_matrix = np.empty((lay.persons, 9), dtype=np.uint8)
        ids_matrix[:, 0] = ord("P")
        ids_matrix[:, 1:] = _digits(serial, 8)

        region = self.region[lay.person_start :]
        days = self.birth.astype("datetime64[D]")
        year = days.astype("datetime64[Y]").astype(np.int64) + 1970
        month_start = days.astype("datetime64[M]")
        month = month_start.astype(np.int64) % 12 + 1
        day = (days - month_start.astype("datetime64[D]")).astype(np.int64) + 1
        # Order code: unique per (address, birth date), odd for men and even for women.
        group = region * 100_000 + (self.birth - FIRST_BIRTH)
        order = np.argsort(group, kind="stable")
        sorted_group = group[order]
        first_of_group = np.searchsorted(sorted_group, sorted_group, side="left")
        rank = np.empty(lay.persons, dtype=np.int64)
        rank[order] = np.arange(lay.persons) - first_of_group
        if rank.size and rank.max() >= 499:  # pragma: no cover - needs ~500 people born the same day
            raise ValueError("too many persons share a birth date and region")
        k = (group * 2_654_435_761 + rank) % 499 + 1  # 1..499, distinct within a group
        sequence = np.where(self.male, 2 * k - 1, 2 * k)  # men odd, women even (GB 11643-1999)
        first17 = np.empty((lay.persons, 17), dtype=np.uint8)
        first17[:, :6] = _ascii_rows(self.region_codes)[region]
        first17[:, 6:10] = _digits(year, 4)
        first17[:, 10:12] = _digits(month, 2)
        first17[:, 12:14] = _digits(day, 2)
        first17[:, 14:17] = _digits(sequence, 3)
        return _fixed_strings(ids_matrix), _id_number_column(first17)

    # -- tables ---------------------------------------------------------------------------------------

    def run(self) -> dict[str, pa.Table]:
        self.build_subjects()
        self.build_leaders()
        self.plant_structure()
        self.build_bulk_roles()
        roles = self.finalise_roles()

        entries = _Entries()
        self.planted_entries(entries, roles)
        self.random_entries(entries, self.entry_target - len(entries), roles)

        lay = self.lay
        uscc = self.org_codes()
        person_ids, id_numbers = self.person_codes()
        subject_id = pa.concat_arrays([uscc, person_ids])
        names = self.names()
        null_strings = pa.nulls(lay.persons, type=pa.string())
        subjects = pa.table(
            {
                "subject_id": subject_id,
                "kind": _pick(list(KIND_NAMES), self.kind),
                "name": names,
                "uscc": pa.concat_arrays([uscc, null_strings]),
                "id_number": pa.concat_arrays([pa.nulls(lay.orgs, type=pa.string()), id_numbers]),
                "region": _pick(self.region_codes, self.region),
            }
        )

        ratio = np.where(roles.units >= 0, roles.units / 100.0, np.nan)
        role_table = pa.table(
            {
                "source_id": subject_id.take(roles.src),
                "role": _pick(list(ROLE_NAMES), roles.role),
                "target_id": subject_id.take(roles.tgt),
                "ratio": pa.array(ratio, mask=roles.units < 0, type=pa.float64()),
                "valid_from": _date_column(roles.vfrom),
                "valid_to": _date_column(roles.vto),
            }
        )

        # Entries are numbered in order of determination.
        order = sorted(range(len(entries)), key=lambda k: (entries.determined[k], k))
        entry_ids = {local: f"E{number:08d}" for number, local in enumerate(order, start=1)}
        subject_ids = subject_id.take(pa.array([entries.subject[k] for k in order], type=pa.int64()))
        entry_table = pa.table(
            {
                "entry_id": pa.array([entry_ids[k] for k in order], type=pa.string()),
                "subject_id": subject_ids,
                "list_type": pa.array([entries.list_type[k] for k in order], type=pa.string()),
                "domain": pa.array([entries.domain[k] for k in order], type=pa.string()),
                "severity": pa.array([entries.severity[k] for k in order], type=pa.string()),
                "department": pa.array([entries.department[k] for k in order], type=pa.string()),
                "act_date": pa.array([_iso(entries.act[k]) for k in order], type=pa.string()),
                "determined_on": pa.array([_iso(entries.determined[k]) for k in order], type=pa.string()),
                "valid_until": pa.array([_iso(entries.until[k]) for k in order], type=pa.string()),
                "status": pa.array([entries.status[k] for k in order], type=pa.string()),
                "status_since": pa.array([_iso(entries.since[k]) for k in order], type=pa.string()),
                "scope": pa.array([entries.scope[k] for k in order], type=pa.string()),
                "legal_basis": pa.array([entries.basis[k] for k in order], type=pa.string()),
            }
        )
        findings = sorted({(entry_ids[e], p): b for p, e, b in entries.findings}.items())
        responsibility_table = pa.table(
            {
                "person_id": subject_id.take(pa.array([p for (_, p), _ in findings], type=pa.int64())),
                "entry_id": pa.array([e for (e, _), _ in findings], type=pa.string()),
                "basis": pa.array([b for _, b in findings], type=pa.string()),
            }
        )
        return {
            "subjects": subjects,
            "roles": role_table,
            "entries": entry_table,
            "responsibilities": responsibility_table,
        }


def _district_short(district: str) -> str:
    if district.endswith("新区"):
        return district[:-2]
    if len(district) > 2 and district[-1] in "区县":
        return district[:-1]
    return district


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------


def _write_csv(table: pa.Table, path: Path) -> None:
    """UTF-8, an unquoted header row, empty cells for nulls (values never need quoting)."""
    with path.open("wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def _write(tables: dict[str, pa.Table], out_dir: Path, fmt: Format) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        assert tuple(table.column_names) == TABLES[name], name
        if fmt == "csv":
            _write_csv(table, out_dir / f"{name}.csv")
        else:
            pq.write_table(table, out_dir / f"{name}.parquet", compression="zstd")


def generate(
    out_dir: Path,
    subjects: int,
    *,
    seed: int = 20181,
    roles: int | None = None,
    entries: int | None = None,
    fmt: Format = "csv",
) -> GenerationSummary:
    """Write a synthetic data set of ``subjects`` subjects to ``out_dir`` (created if missing).

    ``roles`` defaults to 3 x subjects and ``entries`` to 5% of subjects. Roles are met within a few percent
    (but never below the structural minimum: one legal representative or person in charge per organisation
    and about one more role per enterprise). Entries are met exactly, except that the planted scenarios
    always come in full: about 42 entries per copy, one copy per 1,500 requested entries (at least one).
    ``fmt`` is ``csv`` or ``parquet`` (same columns; dates are ISO strings in both, ratio a float).
    """
    if subjects < MIN_SUBJECTS:
        raise ValueError(f"subjects must be at least {MIN_SUBJECTS}, got {subjects}")
    if roles is not None and roles < 0:
        raise ValueError(f"roles must not be negative, got {roles}")
    if entries is not None and entries < 0:
        raise ValueError(f"entries must not be negative, got {entries}")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, got {fmt!r}")
    tables = _Generator(subjects, seed, roles, entries).run()
    _check_vocabulary(tables)
    _write(tables, Path(out_dir), fmt)
    return GenerationSummary(
        subjects=tables["subjects"].num_rows,
        roles=tables["roles"].num_rows,
        entries=tables["entries"].num_rows,
        responsibilities=tables["responsibilities"].num_rows,
        out_dir=Path(out_dir),
    )


def _check_vocabulary(tables: dict[str, pa.Table]) -> None:
    """Cheap guard: every domain the generator wrote is in the project's vocabulary."""
    known = set(vocabulary().domains)
    used = {str(d) for d in tables["entries"].column("domain").unique().to_pylist()}
    unknown = used - known
    if unknown:  # pragma: no cover - a names.py typo
        raise ValueError(f"unknown domains in generated entries: {sorted(unknown)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--subjects", type=int, required=True)
    parser.add_argument("--seed", type=int, default=20181)
    parser.add_argument("--roles", type=int, default=None)
    parser.add_argument("--entries", type=int, default=None)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", dest="fmt")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        summary = generate(
            args.out_dir, args.subjects, seed=args.seed, roles=args.roles, entries=args.entries, fmt=args.fmt
        )
    except ValueError as exc:
        parser.error(str(exc))
    elapsed = time.perf_counter() - started
    print(
        f"wrote {summary.out_dir} ({args.fmt}) in {elapsed:.1f}s: subjects={summary.subjects} "
        f"roles={summary.roles} entries={summary.entries} responsibilities={summary.responsibilities}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
