"""The store interface (design.md §6): one protocol, an embedded and a Neo4j implementation.

Tables cross this boundary as Arrow tables with the canonical columns below, so that bulk loads and rule
results never go row by row through Python.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self, TypedDict

import pyarrow as pa
from pydantic import BaseModel

from graphsvc.context import EvaluationContext


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in fields])


# Canonical column types of validated input (loaders produce exactly these schemas).
SUBJECT_SCHEMA = _schema(
    ("subject_id", pa.string()),
    ("kind", pa.string()),
    ("name", pa.string()),
    ("uscc", pa.string()),
    ("id_number", pa.string()),
    ("region", pa.string()),
)
# A date read from a partial value (``2019``, ``2019-06``) is stored as its first (start columns) or last (end
# columns) day, with the precision it was written in beside it in ``<date>_precision``: year or month; empty for
# a whole date. Answers show the precision, so a year-only valid_from is never read as 1 January.
DATE_PRECISIONS: tuple[str, ...] = ("year", "month")
PRECISE_DATES: dict[str, tuple[str, ...]] = {
    "roles": ("valid_from", "valid_to"),
    "entries": ("act_date", "determined_on", "valid_until", "status_since"),
}


def precision_column(date_column: str) -> str:
    return f"{date_column}_precision"


# The role as the graph holds it (graph_on, the analytics' adjacency).
GRAPH_ROLE_SCHEMA = _schema(
    ("source_id", pa.string()),
    ("role", pa.string()),
    ("target_id", pa.string()),
    ("ratio", pa.float64()),
    ("valid_from", pa.date32()),
    ("valid_to", pa.date32()),
)
# The stored role: the graph's columns, the title as written in the source (董事长, Managing Director; empty when
# the source wrote the role's own name) and the precision of its dates.
ROLE_SCHEMA = pa.schema(
    [
        *GRAPH_ROLE_SCHEMA,
        pa.field("title", pa.string()),
        *(pa.field(precision_column(c), pa.string()) for c in PRECISE_DATES["roles"]),
    ]
)
ENTRY_SCHEMA = _schema(
    ("entry_id", pa.string()),
    ("subject_id", pa.string()),
    ("list_type", pa.string()),
    ("domain", pa.string()),
    ("severity", pa.string()),
    ("department", pa.string()),
    ("act_date", pa.date32()),
    ("determined_on", pa.date32()),
    ("valid_until", pa.date32()),
    ("status", pa.string()),
    ("status_since", pa.date32()),
    ("scope", pa.string()),
    ("legal_basis", pa.string()),
    *((precision_column(c), pa.string()) for c in PRECISE_DATES["entries"]),
    # A list designated and published elsewhere (the courts' 失信被执行人, a national list, a 双公示 feed): the body
    # that published it and the day it did, both or neither. A department's own designation carries none: it is
    # put in force by notice and activation (LST-10, 004 JI(六); graphsvc/lifecycle/listing.py).
    ("published_by", pa.string()),
    ("published_on", pa.date32()),
)
# What the loader's checks read of stored entries (GraphStore.entry_dates): the determination, the status
# shorthand, and the first closed status of the status history with its day (a closed entry never reopens).
ENTRY_DATES_SCHEMA = pa.schema(
    [
        *(ENTRY_SCHEMA.field(n) for n in ("entry_id", "determined_on", "status", "status_since")),
        pa.field("closed_status", pa.string()),
        pa.field("closed_since", pa.date32()),
    ]
)
FINDING_SCHEMA = pa.schema([("person_id", pa.string()), ("entry_id", pa.string()), ("basis", pa.string())])
# Status history in valid time: each row is an entry's status from ``since`` until the entry's next row
# (statuses.csv). An entry's own status / status_since is the shorthand for a history of one change.
STATUS_SCHEMA = _schema(
    ("entry_id", pa.string()),
    ("status", pa.string()),
    ("since", pa.date32()),
    ("basis", pa.string()),
)

# graph_on: the subjects' columns, and the order of the roles (a role version's identity, KEYS["roles"]; a missing
# valid_from last). The adjacency numbers edges in row order, so both stores give the rows in this order.
GRAPH_SUBJECT_SCHEMA = _schema(("subject_id", pa.string()), ("kind", pa.string()), ("name", pa.string()))
GRAPH_ROLE_ORDER: tuple[str, ...] = ("source_id", "role", "target_id", "valid_from")

# Identity of a fact across versions: a reload with different attributes supersedes the older version.
KEYS: dict[str, tuple[str, ...]] = {
    "subjects": ("subject_id",),
    "roles": ("source_id", "role", "target_id", "valid_from"),
    "entries": ("entry_id",),
    "findings": ("person_id", "entry_id"),
    "statuses": ("entry_id", "since"),
}
SCHEMAS: dict[str, pa.Schema] = {
    "subjects": SUBJECT_SCHEMA,
    "roles": ROLE_SCHEMA,
    "entries": ENTRY_SCHEMA,
    "findings": FINDING_SCHEMA,
    "statuses": STATUS_SCHEMA,
}

# Structured rule output, before explanations and citations are added by the engine.
RULE_OUTPUT_SCHEMA = _schema(
    ("rule", pa.string()),
    ("subject_id", pa.string()),
    ("source_entry_id", pa.string()),
    ("related_id", pa.string()),
    ("related_entry_id", pa.string()),
    ("origin_id", pa.string()),
    ("effect", pa.string()),
    ("valid_from", pa.date32()),
    ("valid_until", pa.date32()),
    ("severity", pa.string()),
    ("list_type", pa.string()),
    ("domain", pa.string()),
    ("department", pa.string()),
    ("legal_basis", pa.string()),
    ("via", pa.string()),
    ("role_date", pa.date32()),
    ("detail", pa.string()),
    ("flags", pa.string()),
    ("subject_name", pa.string()),
    ("related_name", pa.string()),
    ("origin_name", pa.string()),
)


# A derived record as stored and printed (the CLI contract names the first seven columns).
DERIVED_SCHEMA = _schema(
    ("rule", pa.string()),
    ("subject_id", pa.string()),
    ("source_entry_id", pa.string()),
    ("related_id", pa.string()),
    ("effect", pa.string()),
    ("valid_from", pa.date32()),
    ("valid_until", pa.date32()),
    ("related_entry_id", pa.string()),
    ("severity", pa.string()),
    ("flags", pa.string()),
    ("explanation", pa.string()),
    ("path", pa.string()),
    ("citation", pa.string()),
    ("legal_basis", pa.string()),
    ("department", pa.string()),
)
DERIVED_FIELDS: tuple[str, ...] = tuple(DERIVED_SCHEMA.names)


class RuleRow(TypedDict):
    """One row of RULE_OUTPUT_SCHEMA: what a store's rule query returns, before the engine explains it."""

    rule: str
    subject_id: str
    source_entry_id: str
    related_id: str | None
    related_entry_id: str | None
    origin_id: str | None
    effect: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    severity: str | None
    list_type: str | None
    domain: str | None
    department: str | None
    legal_basis: str | None
    via: str | None
    role_date: dt.date | None
    detail: str | None
    flags: str | None
    subject_name: str | None
    related_name: str | None
    origin_name: str | None


class DerivedRecord(BaseModel):
    """One row of DERIVED_SCHEMA: a derived record as stored, printed, served and decided on (the API's
    answers extend this model; tests hold its fields to DERIVED_SCHEMA)."""

    rule: str
    subject_id: str
    source_entry_id: str
    related_id: str | None
    effect: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    related_entry_id: str | None
    severity: str | None
    flags: str | None
    explanation: str
    path: str
    citation: str
    legal_basis: str | None
    department: str | None


# The warning lifecycle (new -> confirmed | dismissed), one row per decision, never edited.
WARNING_EVENT_SCHEMA = _schema(
    ("warning_id", pa.string()),
    ("state", pa.string()),
    ("reason", pa.string()),
    ("actor", pa.string()),
    ("decided_at", pa.timestamp("us")),
    ("rule", pa.string()),
    ("subject_id", pa.string()),
)
# The credit lifecycle (graphsvc/lifecycle/): one row per step of a case (an objection, appeal, complaint,
# repair or listing), never edited; a case's state is the fold of its events. ``detail`` is a JSON object.
LIFECYCLE_EVENT_SCHEMA = _schema(
    ("case_id", pa.string()),
    ("case_kind", pa.string()),
    ("entry_id", pa.string()),
    ("event", pa.string()),
    ("on_date", pa.date32()),
    ("actor", pa.string()),
    ("detail", pa.string()),
    ("recorded_at", pa.timestamp("us")),
)
# The audit log of requests that returned personal data or list information (append-only).
AUDIT_SCHEMA = _schema(
    ("event_id", pa.string()),
    ("requested_at", pa.timestamp("us")),
    ("key_id", pa.string()),
    ("tier", pa.string()),
    ("method", pa.string()),
    ("endpoint", pa.string()),
    ("parameters", pa.string()),
    ("authorisation_ref", pa.string()),
    ("status", pa.int64()),
    ("result_ids", pa.string()),
)

# Authorisations for 授权查询 (004 管理办法 第二十二條): who granted whom which look-ups of which subject, for what,
# when, and on what proof (a written authorisation or an SMS verification reference). Append-only.
AUTHORISATION_SCHEMA = _schema(
    ("authorisation_id", pa.string()),
    ("subject_id", pa.string()),
    ("grantee", pa.string()),  # the API key id the authorisation is given to
    ("purpose", pa.string()),
    ("valid_from", pa.date32()),
    ("valid_until", pa.date32()),
    ("proof_kind", pa.string()),  # written | sms
    ("proof_ref", pa.string()),
    ("recorded_by", pa.string()),
    ("recorded_at", pa.timestamp("us")),
)


@dataclass(frozen=True)
class FactsVersion:
    """Which facts something derived was made from: the store (its identity, made when the store was created)
    and its last batch. Batch numbers start again at 1 in a store made anew at the same place, so the batch
    alone does not tell two stores apart."""

    store: str
    batch: int


@dataclass(frozen=True)
class Generation:
    """Counters that change whenever the store's content does: cached views compare them to know they are
    stale. ``batch``: the last load; ``evaluation``: the current evaluation; ``warnings``: lifecycle events;
    ``store``: the store's identity (a store deleted and made again at the same place counts from 0 again)."""

    batch: int
    evaluation: int
    warnings: int
    store: str

    @property
    def facts(self) -> FactsVersion:
        return FactsVersion(self.store, self.batch)

    def counters(self) -> dict[str, int]:
        """The counters alone (what the service reports), without the store's identity."""
        return {"batch": self.batch, "evaluation": self.evaluation, "warnings": self.warnings}


def record_order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The order of rule rows and derived records on every store: rule, subject, entry, then related ids
    (missing first), then effect. Matches the embedded store's ORDER BY."""
    return (
        row["rule"],
        row["subject_id"],
        row["source_entry_id"],
        row["related_id"] is not None,
        row["related_id"] or "",
        row["related_entry_id"] is not None,
        row["related_entry_id"] or "",
        row["effect"],
    )


@dataclass(frozen=True)
class AuditRecord:
    """The audit event of the request that makes a write (PRV-06). The store writes it in the write's own
    transaction, so a change is never committed unaudited and no audit event claims a change that was not."""

    event_id: str
    requested_at: dt.datetime
    key_id: str
    tier: str
    method: str
    endpoint: str
    parameters: Mapping[str, Any]
    authorisation_ref: str | None
    status: int
    result_ids: tuple[str, ...]

    def table(self, more_ids: tuple[str, ...] = (), more_parameters: Mapping[str, Any] | None = None) -> pa.Table:
        """The event as one AUDIT_SCHEMA row, with what only the write knows (its batch, the cases it opened)."""
        ids = list(dict.fromkeys((*self.result_ids, *more_ids)))
        parameters = {**self.parameters, **(more_parameters or {})}
        row = {
            "event_id": self.event_id,
            "requested_at": self.requested_at,
            "key_id": self.key_id,
            "tier": self.tier,
            "method": self.method,
            "endpoint": self.endpoint,
            "parameters": json.dumps(parameters, ensure_ascii=False, sort_keys=True, default=str),
            "authorisation_ref": self.authorisation_ref,
            "status": self.status,
            "result_ids": json.dumps(ids, ensure_ascii=False),
        }
        return pa.Table.from_pylist([row], schema=AUDIT_SCHEMA)


@dataclass(frozen=True)
class Batch:
    """Validated tables to write in one transaction; any table may be absent."""

    source: str
    tables: dict[str, pa.Table] = field(default_factory=dict)
    events: pa.Table | None = None  # lifecycle events (LIFECYCLE_EVENT_SCHEMA) written with the facts
    # Tables whose stored facts this batch may add to but not change: a row that would supersede a current
    # version makes the store refuse the whole batch (errors.ProtectedFacts), writing nothing.
    protected: frozenset[str] = frozenset()
    audit: AuditRecord | None = None  # the request's audit event, written in the batch's transaction

    def audit_rows(self, batch_id: int, inserted: Mapping[str, int]) -> pa.Table | None:
        """The audit event of this batch as committed: the batch it became, what it inserted, and the entries
        and cases its lifecycle events belong to."""
        if self.audit is None:
            return None
        ids: list[str] = []
        if self.events is not None and self.events.num_rows:
            for event in self.events.select(["entry_id", "case_id"]).to_pylist():
                ids += [str(v) for v in (event["entry_id"], event["case_id"]) if v]
        return self.audit.table(tuple(ids), {"batch_id": batch_id, "inserted": dict(inserted)})


@dataclass(frozen=True)
class LoadResult:
    batch_id: int
    recorded_at: dt.datetime
    inserted: dict[str, int]  # new facts and new versions
    superseded: dict[str, int]  # older versions closed by a correction
    unchanged: dict[str, int]  # rows identical to what the store already holds


@dataclass(frozen=True)
class Evaluation:
    profile: str
    as_of: dt.date
    known_at: dt.datetime | None
    evaluated_at: dt.datetime
    records: pa.Table


class ClosingStore:
    """``with store:`` closes it; both stores share this."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class GraphStore(Protocol):
    @property
    def location(self) -> str:
        """Where the data lives, for messages: a file path or a server URI."""
        ...

    def apply_batch(self, batch: Batch) -> LoadResult: ...

    def subject_kinds(self, subject_ids: pa.Array[Any]) -> pa.Table:
        """(subject_id, kind) of the current subjects among ``subject_ids``."""
        ...

    def subject_identifiers(self, usccs: pa.Array[Any], id_numbers: pa.Array[Any]) -> pa.Table:
        """(subject_id, uscc, id_number) of current subjects holding any of these identifiers."""
        ...

    def entry_subjects(self, entry_ids: pa.Array[Any]) -> pa.Table:
        """(entry_id, subject_id, kind) of the current entries among ``entry_ids``."""
        ...

    def entry_dates(self, entry_ids: pa.Array[Any]) -> pa.Table:
        """ENTRY_DATES_SCHEMA of the current entries among ``entry_ids``: their determination and status, and the
        first closed status (CLOSED_STATUSES) of their status history (the loader's status checks)."""
        ...

    def holdings_at(self, target_ids: pa.Array[Any]) -> pa.Table:
        """The current versions of the ratio roles (shareholdings) held in the organisations ``target_ids``
        (GRAPH_ROLE_SCHEMA's columns, any order): what a load's shares add to."""
        ...

    def run_rules(self, context: EvaluationContext) -> pa.Table:
        """Evaluate the enabled rules; rows follow RULE_OUTPUT_SCHEMA, sorted by rule, subject, entry."""
        ...

    def replace_evaluation(self, evaluation: Evaluation, audit: AuditRecord | None = None) -> None:
        """Store this evaluation's records in place of the previous ones, atomically (and ``audit`` with the
        switch to them)."""
        ...

    def latest_evaluation(self) -> Evaluation | None: ...

    def stats(self) -> dict[str, int]: ...

    # -- what the service needs ---------------------------------------------------------------------------
    def generation(self) -> Generation: ...

    def current_subjects(self) -> pa.Table:
        """(subject_id, kind, name, uscc, id_number, region) of every current subject."""
        ...

    def current_entries(self) -> pa.Table:
        """Every current entry version: ENTRY_SCHEMA's columns plus recorded_at."""
        ...

    def entries_in_force(self, context: EvaluationContext) -> pa.Table:
        """Entries in force on the context's date under its profile (V1, V2), as the rules see them."""
        ...

    def graph_on(self, as_of: dt.date) -> tuple[pa.Table, pa.Table]:
        """Current subjects (subject_id, kind, name, ordered by id) and the current roles held on ``as_of``
        (GRAPH_ROLE_SCHEMA's columns, ordered by GRAPH_ROLE_ORDER, missing valid_from last), for the in-memory
        analytics. Both orders are by code point, so every store gives the same rows in the same order."""
        ...

    def subject_facts(self, subject_id: str, *, roles: bool = True) -> dict[str, pa.Table]:
        """All versions (with recorded_at, superseded_at) of the subject, its roles, entries and findings; with
        ``roles=False`` the roles table is empty (read them with ``subject_roles_page``). Roles are the ones the
        subject holds or that are held at it (a role it holds at itself once), ordered by valid_from (missing
        first), role, source_id, target_id, recorded_at, strings by code point."""
        ...

    def subject_roles_page(self, subject_id: str, offset: int, limit: int) -> tuple[pa.Table, int]:
        """At most ``limit`` of ``subject_facts``' roles from the ``offset``-th (0-based), in the same order and
        columns, and how many role versions the subject has in all: what a profile's page reads, so that a hub's
        page costs the page, not its 100,000 roles. An offset at or past the total gives no rows."""
        ...

    def append_warning_events(self, events: pa.Table, audit: AuditRecord | None = None) -> None:
        """Append warning decisions (and ``audit``) in one transaction."""
        ...

    def warning_events(self) -> pa.Table: ...

    def lifecycle_events(self, case_id: str | None = None, entry_id: str | None = None) -> pa.Table:
        """Lifecycle events (LIFECYCLE_EVENT_SCHEMA) of one case, of one entry's cases, or all, oldest first."""
        ...

    def current_entry(self, entry_id: str) -> dict[str, Any] | None:
        """The current version of one entry (ENTRY_SCHEMA columns), by id, or None."""
        ...

    def status_history(self, entry_id: str) -> pa.Table:
        """The current status-history rows of one entry (STATUS_SCHEMA), by since."""
        ...

    def append_audit(self, events: pa.Table, journal: dict[str, int] | None = None) -> None: ...

    def audit_journal_positions(self) -> dict[str, int]: ...

    def audit_events(self, since: dt.datetime | None = None, until: dt.datetime | None = None) -> pa.Table: ...

    def append_authorisation(self, authorisation: pa.Table, audit: AuditRecord | None = None) -> bool:
        """Record one authorisation (AUTHORISATION_SCHEMA) and ``audit`` in one transaction; False, and nothing
        written, if its id is taken."""
        ...

    def authorisation(self, authorisation_id: str) -> pa.Table:
        """The authorisation with this id (no rows if none), AUTHORISATION_SCHEMA."""
        ...

    def close(self) -> None: ...
