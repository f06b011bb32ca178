"""``graphsvc export --format ftm``: subjects, roles, entries and derived records as FollowTheMoney entities (JSON
lines), so the service's answers feed OpenSanctions-style tools and Aleph, and load back with
``graphsvc load --format ftm``.

- Subjects: enterprise → Company, social_org / public_institution → Organization, government → PublicBody,
  person → Person; ``uscCode`` (and ``registrationNumber``) carry the USCC, a person's ``idNumber`` only with
  ``--scope authorised`` (PRV: ID numbers are protected below that tier); the region is an Address entity
  (``region``) linked by ``addressEntity``.
- Roles held on ``--as-of``: shareholder → Ownership (``percentage``); roles held by persons → Directorship, between
  organisations (branch_of, related_enterprise, actual_controller held by an organisation) → UnknownLink; the
  ``role`` text is the role's Chinese name, which the FtM reader resolves back through the role aliases.
- Entries visible at ``--scope`` → Sanction: ``program`` the list type's Chinese name, ``programId`` its slug,
  ``summary`` the domain, ``reason`` the severity, ``status`` the status, ``authority`` the department,
  ``listingDate`` the determination date, ``date`` the act date, ``endDate`` valid_until, ``provisions`` the
  legal basis.
- Derived records of the latest evaluation whose source entry is visible → Sanction-like entities with
  ``programId`` ``graphsvc:derived:RULE``: ``program`` the rule and its title, ``reason`` the effect, ``startDate``
  / ``endDate`` their validity, ``provisions`` the legal basis, ``summary`` the explanation, ``description`` the
  citation, ``recordId`` the source entry; the FtM reader skips them (they are recomputed, never loaded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any, TextIO

import pyarrow as pa
from followthemoney import model
from followthemoney.proxy import EntityProxy

from graphsvc.rules.table import RULES
from graphsvc.stores.base import GraphStore
from graphsvc.vocab import Scope
from graphsvc.vocabulary import vocabulary

DERIVED_PROGRAM = "graphsvc:derived:"
_SCHEMA_OF_KIND = {
    "enterprise": "Company",
    "social_org": "Organization",
    "public_institution": "Organization",
    "government": "PublicBody",
    "person": "Person",
}
_TIERS = (Scope.PUBLIC, Scope.GOVERNMENT, Scope.AUTHORISED)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value) or None


def _make(schema: str, entity_id: str, **props: Any) -> EntityProxy:
    entity = model.make_entity(schema)
    entity.id = entity_id
    for prop, value in props.items():
        text = _text(value)
        if text is not None:
            entity.add(prop, text, cleaned=True)
    return entity


def _as_written(day: dt.date | None, precision: str | None) -> str | None:
    """A date as the source gave it: FtM dates carry their precision (2024, 2024-03, 2024-03-01)."""
    if day is None:
        return None
    text = day.isoformat()
    return text[:4] if precision == "year" else text[:7] if precision == "month" else text


def _digest(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]


def visible_scopes(scope: Scope) -> set[str]:
    """The scopes a reader at ``scope`` may see: public ⊂ government ⊂ authorised."""
    return {s.value for s in _TIERS[: _TIERS.index(scope) + 1]}


def entities(store: GraphStore, *, as_of: dt.date, scope: Scope = Scope.PUBLIC) -> Iterator[EntityProxy]:
    vocab = vocabulary()
    subjects: list[dict[str, Any]] = store.current_subjects().to_pylist()
    kinds = {s["subject_id"]: s["kind"] for s in subjects}
    for s in subjects:
        schema = _SCHEMA_OF_KIND[s["kind"]]
        props: dict[str, Any] = {"name": s["name"]}
        if s["kind"] == "person":
            if scope is Scope.AUTHORISED:
                props["idNumber"] = s["id_number"]
        else:
            props["uscCode"] = s["uscc"]
            props["registrationNumber"] = s["uscc"]
        if s["region"]:
            address = f"{s['subject_id']}:address"
            yield _make("Address", address, full=s["region"], region=s["region"])
            props["addressEntity"] = address
        yield _make(schema, s["subject_id"], **props)
    _subjects, roles = store.graph_on(as_of)
    for r in roles.to_pylist():
        role, source, target = r["role"], r["source_id"], r["target_id"]
        key = _digest(source, role, target, r["valid_from"])
        dates = {"startDate": r["valid_from"], "endDate": r["valid_to"]}
        if role == "shareholder":
            yield _make("Ownership", f"own-{key}", owner=source, asset=target, percentage=r["ratio"], **dates)
        elif kinds.get(source) == "person":
            yield _make(
                "Directorship", f"dir-{key}", director=source, organization=target, role=vocab.roles[role].zh, **dates
            )
        else:
            yield _make("UnknownLink", f"link-{key}", subject=source, object=target, role=vocab.roles[role].zh, **dates)
    seen = visible_scopes(scope)
    visible: set[str] = set()
    for e in store.current_entries().to_pylist():
        if e["scope"] not in seen:
            continue
        visible.add(e["entry_id"])
        yield _make(
            "Sanction",
            e["entry_id"],
            entity=e["subject_id"],
            program=vocab.list_types[e["list_type"]].zh,
            programId=e["list_type"],
            summary=e["domain"],
            reason=e["severity"],
            status=e["status"],
            authority=e["department"],
            listingDate=_as_written(e["determined_on"], e["determined_on_precision"]),
            date=_as_written(e["act_date"], e["act_date_precision"]),
            endDate=_as_written(e["valid_until"], e["valid_until_precision"]),
            provisions=e["legal_basis"],
        )
    evaluation = store.latest_evaluation()
    if evaluation is None:
        return
    records: pa.Table = evaluation.records
    for d in records.to_pylist():
        if d["source_entry_id"] not in visible:
            continue
        rule = RULES.get(d["rule"])
        yield _make(
            "Sanction",
            "derived-"
            + _digest(
                d["rule"],
                d["subject_id"],
                d["source_entry_id"],
                d["related_id"],
                d["related_entry_id"],
                d["effect"],
                d["valid_from"],
            ),
            entity=d["subject_id"],
            program=f"{d['rule']} {rule.title_zh}" if rule else d["rule"],
            programId=DERIVED_PROGRAM + d["rule"],
            reason=d["effect"],
            startDate=d["valid_from"],
            endDate=d["valid_until"],
            authority=d["department"],
            provisions=d["legal_basis"],
            summary=d["explanation"],
            description=d["citation"],
            recordId=d["source_entry_id"],
            status=d["flags"] or "derived",
        )


def write_ftm(store: GraphStore, out: TextIO, *, as_of: dt.date, scope: Scope = Scope.PUBLIC) -> int:
    """Write the entities as JSON lines; returns how many."""
    n = 0
    for entity in entities(store, as_of=as_of, scope=scope):
        out.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


__all__ = ["DERIVED_PROGRAM", "entities", "visible_scopes", "write_ftm"]
