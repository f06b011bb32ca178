"""Beneficial Ownership Data Standard statements (BODS 0.2/0.3 and 0.4; a JSON array or JSON lines) → canonical
tables.

- Entity statements → organisations (``entityType`` state/stateBody → government, arrangement → social_org, the
  rest → enterprise); person statements → persons; a valid 统一社会信用代码 or 居民身份证号码 among the
  ``identifiers`` is kept as uscc / id_number. Subject ids are the 0.4 ``recordId``, or in 0.2/0.3 the
  ``statementID`` that began the chain of ``replacesStatements``, so a replacement keeps its subject.
- Ownership-or-control (0.2/0.3) and relationship (0.4) statements → one role per interest: ``shareholding`` and
  ``voting-rights`` → shareholder with the share (``exact``; a range is loaded as its ``minimum``, else its
  ``maximum``, with a ``share_range`` warning); board membership, board chair and appointment of the board →
  director; ``senior-managing-official`` → senior_manager; every other kind of control (other influence or
  control, rights by contract, trustee, settlor …) → actual_controller. Interest ``startDate``/``endDate`` →
  valid_from/valid_to; a 0.4 ``closed`` relationship ends on its statementDate.
- Replaced statements supersede: within the input only the newest statement of a chain (0.2/0.3) or record (0.4,
  by statementDate) is read; across loads the store supersedes the older version of the same fact.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.errors import InputError, LoadRejected, Problem
from graphsvc.identifiers import id_number_problem, uscc_problem
from graphsvc.loading import LoadOptions, LoadWarning
from loaders.sniff import sniff_json
from loaders.source import Location, Source, TableBuilder, json_records

SUFFIXES = (".json", ".jsonl", ".ndjson")
SHARE_INTERESTS = {"shareholding", "voting-rights"}
DIRECTOR_INTERESTS = {"appointment-of-board", "board-member", "board-chair"}
MANAGER_INTERESTS = {"senior-managing-official"}
SKIPPED_INTERESTS = {"unknown-interest", "unpublished-interest"}
_KINDS = {"state": "government", "stateBody": "government", "arrangement": "social_org"}


@dataclass
class Statement:
    data: dict[str, Any]
    where: Location
    version: str  # "0.4" or "0.3" (0.2 and 0.3 share the shape)

    @property
    def id(self) -> str:
        return str(self.data.get("statementId") or self.data.get("statementID") or "")

    @property
    def kind(self) -> str:
        if self.version == "0.4":
            return {"entity": "entity", "person": "person", "relationship": "relationship"}.get(
                str(self.data.get("recordType")), "other"
            )
        return {
            "entityStatement": "entity",
            "personStatement": "person",
            "ownershipOrControlStatement": "relationship",
        }.get(str(self.data.get("statementType")), "other")

    @property
    def details(self) -> dict[str, Any]:
        if self.version == "0.4":
            found = self.data.get("recordDetails")
            return found if isinstance(found, dict) else {}
        return self.data


def _version(data: dict[str, Any]) -> str:
    if "recordType" in data or "recordId" in data or "recordDetails" in data:
        return "0.4"
    published = data.get("publicationDetails", {})
    version = str(published.get("bodsVersion", "0.3")) if isinstance(published, dict) else "0.3"
    return "0.4" if version.startswith("0.4") else "0.3"


def _is_bods(path: Path) -> bool:
    return sniff_json(path) == "bods"


@dataclass
class _Reader:
    label: str
    subjects: TableBuilder = field(init=False)
    roles: TableBuilder = field(init=False)
    warnings: list[LoadWarning] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.subjects = TableBuilder("subjects", self.label)
        self.roles = TableBuilder("roles", self.label)

    def warn(self, kind: str, where: Location, column: str | None, value: str | None, message: str) -> None:
        self.warnings.append(LoadWarning(kind, where.file, where.row, where.pointer, column, value, message))


def _identifiers(details: dict[str, Any]) -> list[str]:
    found = details.get("identifiers") or []
    return [str(i.get("id")) for i in found if isinstance(i, dict) and i.get("id")]


def _name(details: dict[str, Any]) -> str | None:
    if details.get("name"):
        return str(details["name"])
    for n in details.get("names") or []:
        if isinstance(n, dict):
            full = n.get("fullName") or " ".join(str(n[k]) for k in ("givenName", "familyName") if n.get(k))
            if full:
                return str(full)
    return None


def _jurisdiction(details: dict[str, Any]) -> str | None:
    for key in ("jurisdiction", "incorporatedInJurisdiction"):
        value = details.get(key)
        if isinstance(value, dict) and (value.get("code") or value.get("name")):
            return str(value.get("code") or value.get("name"))
    for n in details.get("nationalities") or []:
        if isinstance(n, dict) and n.get("code"):
            return str(n["code"])
    return None


def _party(value: Any, version: str) -> str | None:
    if version == "0.4":
        return str(value) if isinstance(value, str) and value else None
    if isinstance(value, dict):
        found = value.get("describedByEntityStatement") or value.get("describedByPersonStatement")
        return str(found) if found else None
    return None


def _role_of(interest_type: str) -> str | None:
    if interest_type in SHARE_INTERESTS:
        return "shareholder"
    if interest_type in DIRECTOR_INTERESTS:
        return "director"
    if interest_type in MANAGER_INTERESTS:
        return "senior_manager"
    if not interest_type or interest_type in SKIPPED_INTERESTS:
        return None
    return "actual_controller"


def read(path: Path, options: LoadOptions) -> Source:
    """BODS statements (a file, or every BODS .json/.jsonl file of a folder) as canonical tables."""
    if path.is_dir():
        candidates = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUFFIXES)
    elif path.is_file():
        candidates = [path]
    else:
        raise InputError(f"{path} does not exist")
    files = [p for p in candidates if _is_bods(p)]
    if not files:
        # a file by its name (an upload's is the one its sender gave), a folder by its path
        named = path.name if path.is_file() else str(path)
        raise InputError(
            f"{named} holds no BODS statements (UTF-8 .json or .jsonl with statementType or recordType)"
        )
    statements: list[Statement] = []
    problems: list[Problem] = []
    for f in files:
        for item in json_records(f, options.max_records):
            if isinstance(item, Problem):
                problems.append(item)
                continue
            row, pointer, data = item
            where = Location(f.name, row, pointer)
            if not isinstance(data, dict):
                problems.append(Problem(f.name, row, None, None, "a statement is a JSON object", pointer))
                continue
            statements.append(Statement(data, where, _version(data)))
    if problems:
        raise LoadRejected(problems, "these stop the statements from being read; fix them first")
    reader = _Reader(path.name)
    source = Source("bods", str(path.resolve()), native_rows=False)
    source.encodings = {f.name: "utf-8" for f in files}
    source.files = dict(Counter(s.where.file for s in statements))
    for f in candidates:
        if f not in files:
            reader.warn("ignored_file", Location(f.name), None, None, "not BODS statements; not read")

    # The newest statement per subject or relationship: 0.4 by record (latest statementDate, then file order);
    # 0.2/0.3 along replacesStatements chains, identified by the chain's first statement.
    by_id: dict[str, Statement] = {}
    for s in statements:
        by_id[s.id] = s  # identical repeats across files (update files) keep the last
    root: dict[str, str] = {}

    def root_of(statement_id: str) -> str:
        return root.get(statement_id, statement_id)

    replaced: set[str] = set()
    for s in by_id.values():
        if s.version != "0.4":
            for old in s.data.get("replacesStatements") or []:
                replaced.add(str(old))
    # Resolve chains: an old statement's root is its own root; the replacement inherits it.
    for s in sorted(by_id.values(), key=lambda x: str(x.data.get("statementDate") or "")):
        if s.version == "0.4":
            root[s.id] = str(s.data.get("recordId") or s.id)
            continue
        olds = [str(o) for o in s.data.get("replacesStatements") or []]
        root[s.id] = root_of(olds[0]) if olds else s.id
    latest: dict[tuple[str, str], Statement] = {}
    for s in by_id.values():
        if s.version != "0.4" and s.id in replaced:
            continue
        key = (s.kind, root[s.id])
        current = latest.get(key)
        if current is None or str(s.data.get("statementDate") or "") >= str(current.data.get("statementDate") or ""):
            latest[key] = s
    superseded = len(by_id) - len(latest)
    if superseded:
        reader.warn(
            "replaced_statement",
            Location(files[0].name),
            None,
            None,
            f"{superseded} statement(s) replaced by a newer statement of the same subject or relationship; "
            "only the newest is loaded",
        )
    for s in latest.values():
        details = s.details
        if s.kind in {"entity", "person"}:
            ids = _identifiers(details)
            subject_id = root[s.id]
            name = _name(details)
            if name is None:
                name = f"(unnamed {s.kind} {subject_id})"
                reader.warn("unnamed", s.where, "name", None, f"the statement names no {s.kind}; named {name}")
            if s.kind == "person":
                reader.subjects.add(
                    {
                        "subject_id": subject_id,
                        "kind": "person",
                        "name": name,
                        "id_number": next((i for i in ids if id_number_problem(i) is None), None),
                        "region": _jurisdiction(details),
                    },
                    s.where,
                )
            else:
                entity_type = details.get("entityType")
                if isinstance(entity_type, dict):
                    entity_type = entity_type.get("type")
                reader.subjects.add(
                    {
                        "subject_id": subject_id,
                        "kind": _KINDS.get(str(entity_type), "enterprise"),
                        "name": name,
                        "uscc": next((i for i in ids if uscc_problem(i) is None), None),
                        "region": _jurisdiction(details),
                    },
                    s.where,
                )
        elif s.kind == "relationship":
            subject = _party(details.get("subject"), s.version)
            party = _party(details.get("interestedParty"), s.version)
            if subject is None or party is None:
                reader.warn(
                    "unspecified_party",
                    s.where,
                    "interestedParty" if party is None else "subject",
                    None,
                    "the relationship names no statement for one side (unspecified or anonymous); skipped",
                )
                continue
            subject, party = root_of(subject), root_of(party)
            closed = s.version == "0.4" and s.data.get("recordStatus") == "closed"
            seen: set[tuple[str, str | None]] = set()
            interests = details.get("interests") or []
            ordered = sorted(
                ((n, i) for n, i in enumerate(interests) if isinstance(i, dict)),
                key=lambda pair: 0 if pair[1].get("type") == "shareholding" else 1,
            )
            for index, interest in ordered:
                kind = str(interest.get("type") or "")
                role = _role_of(kind)
                if role is None:
                    reader.warn(
                        "unknown_interest",
                        s.where,
                        "interests",
                        kind or None,
                        "an interest of unknown or unpublished type; skipped",
                    )
                    continue
                start = interest.get("startDate")
                if (role, start) in seen:
                    continue  # shareholding and voting rights of one holder from one date: one holding
                seen.add((role, start))
                ratio = None
                share = interest.get("share")
                if role == "shareholder" and isinstance(share, dict):
                    if share.get("exact") is not None:
                        ratio = str(share["exact"])
                    else:
                        bound = share.get("minimum", share.get("exclusiveMinimum"))
                        if bound is None:
                            bound = share.get("maximum", share.get("exclusiveMaximum"))
                        if bound is not None:
                            ratio = str(bound)
                            reader.warn(
                                "share_range",
                                s.where,
                                "share",
                                json.dumps(share),
                                f"a share range is loaded as {bound} % (its minimum where stated); "
                                "ownership answers multiply it as given",
                            )
                end = interest.get("endDate") or (s.data.get("statementDate") if closed else None)
                reader.roles.add(
                    {
                        "source_id": party,
                        "role": role,
                        "target_id": subject,
                        "ratio": ratio,
                        "valid_from": str(start) if start else None,
                        "valid_to": str(end) if end else None,
                    },
                    Location(s.where.file, s.where.row, f"{s.where.pointer or ''}/interests/{index}"),
                )
    reader.subjects.add_to(source)
    reader.roles.add_to(source)
    source.warnings += reader.warnings
    return source


__all__ = ["read"]
