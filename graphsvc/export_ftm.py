"""``graphsvc export --format ftm``: subjects, roles, entries and derived records as FollowTheMoney entities (JSON
lines), so the service's answers feed OpenSanctions-style tools and Aleph, and load back with
``graphsvc load --format ftm``.

What is written is what the audience of ``--scope`` may see on ``--as-of`` under ``--profile``, decided by the
same disclosure policy as the API's answers (graphsvc/disclosure.py): the public export holds the entries in force
then, the derived records whose effect is published, organisations, and the persons something published is about,
their names masked; the authorised export also holds the archive (entries out of force, for the profile's retention).

- Subjects: enterprise → Company, social_org / public_institution → Organization, government → PublicBody,
  person → Person; ``uscCode`` (and ``registrationNumber``) carry the USCC, a person's ``idNumber`` only with
  ``--scope authorised`` (PRV: ID numbers are protected below that tier); the region is an Address entity
  (``region``) linked by ``addressEntity``.
- Roles held on ``--as-of`` between exported subjects: shareholder → Ownership (``percentage``); roles held by persons
  → Directorship, between organisations (branch_of, related_enterprise, actual_controller held by an organisation) →
  UnknownLink; the ``role`` text is the role's Chinese name, which the FtM reader resolves back through the role
  aliases.
- Entries → Sanction: ``program`` the list type's Chinese name, ``programId`` its slug, ``summary`` the domain,
  ``reason`` the severity, ``status`` the status, ``authority`` the department, ``listingDate`` the determination
  date, ``date`` the act date, ``endDate`` valid_until, ``provisions`` the legal basis.
- Derived records of the profile's rules on ``--as-of`` → Sanction-like entities with ``programId``
  ``graphsvc:derived:RULE``: ``program`` the rule and its title, ``reason`` the effect, ``startDate`` / ``endDate``
  their validity, ``provisions`` the legal basis, ``summary`` the explanation, ``description`` the citation,
  ``recordId`` the source entry; the FtM reader skips them (they are recomputed, never loaded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any, TextIO

from followthemoney import model
from followthemoney.proxy import EntityProxy

from graphsvc.context import build_context
from graphsvc.disclosure import Audience, Disclosure, named_entries, person_shown
from graphsvc.engine import evaluate
from graphsvc.identifiers import mask_name
from graphsvc.lifecycle.publication import retained
from graphsvc.profiles import Profile, load_profile
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


def entities(
    store: GraphStore, *, as_of: dt.date, scope: Scope = Scope.PUBLIC, profile: Profile | None = None
) -> Iterator[EntityProxy]:
    vocab = vocabulary()
    profile = profile or load_profile("default")
    audience = Audience.of_scope(scope)
    disclosure = Disclosure.of(profile)
    current: dict[str, dict[str, Any]] = {e["entry_id"]: e for e in store.current_entries().to_pylist()}
    in_force = {e["entry_id"] for e in store.entries_in_force(build_context(profile, as_of)).to_pylist()}
    entries = [
        e
        for e in current.values()
        if disclosure.entry_visible(
            audience,
            scope=e["scope"],
            subject_id=e["subject_id"],
            department=e["department"],
            archived=e["entry_id"] not in in_force,
        )
        and (e["entry_id"] in in_force or retained(e, as_of, profile))
    ]
    records = []
    for d in evaluate(store, profile, as_of, persist=False).records.to_pylist():
        rank, archived = named_entries(d, current)
        if disclosure.record_visible(
            audience, effect=d["effect"], subject_id=d["subject_id"], scope_rank=rank, archive_departments=archived
        ):
            records.append(d)
    about = {e["subject_id"] for e in entries} | {d["subject_id"] for d in records}
    subjects: list[dict[str, Any]] = [
        s
        for s in store.current_subjects().to_pylist()
        if person_shown(audience, is_person=s["kind"] == "person", anything_visible=s["subject_id"] in about)
    ]
    kinds = {s["subject_id"]: s["kind"] for s in subjects}
    masked = {s["name"]: mask_name(s["name"]) for s in subjects if s["kind"] == "person" and audience.masks_names}
    for s in subjects:
        schema = _SCHEMA_OF_KIND[s["kind"]]
        props: dict[str, Any] = {"name": masked.get(s["name"], s["name"])}
        if s["kind"] == "person":
            if not audience.masks_id_numbers:
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
        if source not in kinds or target not in kinds:
            continue  # a person the audience may not see, and the roles that would name them
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
    for e in entries:
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
    for d in records:
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
            summary=_masked_text(d["explanation"], masked),
            description=d["citation"],
            recordId=d["source_entry_id"],
            status=d["flags"] or "derived",
        )


def _masked_text(text: str | None, masked: dict[str, str | None]) -> str | None:
    for name, shown in masked.items():
        if text and name:
            text = text.replace(name, shown or "*")
    return text


def write_ftm(
    store: GraphStore, out: TextIO, *, as_of: dt.date, scope: Scope = Scope.PUBLIC, profile: Profile | None = None
) -> int:
    """Write the entities as JSON lines; returns how many."""
    n = 0
    for entity in entities(store, as_of=as_of, scope=scope, profile=profile):
        out.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


__all__ = ["DERIVED_PROGRAM", "entities", "write_ftm"]
