"""FollowTheMoney entities (JSON lines or a JSON array, as OpenSanctions, Aleph and ``ftm`` write them) → canonical
tables, read with the ``followthemoney`` library.

- Company, Organization, LegalEntity, PublicBody, Person → subjects (kind per ``loaders/ftm.yaml`` ``kinds``);
  the USCC from ``uscCode``, ``registrationNumber`` or ``taxNumber`` when one of them is a valid 统一社会信用代码,
  a person's ``idNumber`` when it is a valid 居民身份证号码; the region from a linked Address (``addressEntity``:
  ``region``, ``state`` or ``full``), else ``country``.
- Ownership → shareholder (``owner`` holds at ``asset``) with ``percentage`` as the ratio; Directorship
  (``director`` at ``organization``) and Representation (``agent`` for ``client``) → roles from their ``role`` text
  through the role aliases (a Directorship whose text names no known role is a director; a Representation's is
  skipped with a warning); UnknownLink (``subject`` at ``object``) likewise. ``startDate``/``endDate`` →
  valid_from/valid_to. Versions of one holding from the same start keep the open or latest (``role_version``).
- Sanction → an entry of its ``entity``: list type from ``programId``/``program`` when it is a list type's slug
  or name, or from ``programs``, else the entity's ``topics`` (``topics``), else ``sanction_default``; determined
  on ``listingDate``, ``startDate`` or ``date`` (else the record's ``first_seen``), ``date`` is the act date when
  ``listingDate`` is given; ``endDate`` → valid_until; ``authority`` → department; ``provisions`` (else
  ``program``/``reason``) → legal basis; ``summary``, ``reason`` and ``status`` → domain, severity and status
  when they are vocabulary values (what ``graphsvc export --format ftm`` writes). A Sanction is a listing its
  publisher (``publisher``, else ``authority``) published: published_by, and published_on its determination day
  (without a publisher: no marks). Derived records of an export
  (``programId`` graphsvc:derived:…) are skipped: the rules recompute them.
- A listed entity's topic (``topics``) that no Sanction covers → an entry of its own from its ``first_seen``,
  published by its datasets on that day.
- Other schemas (Address, Family, Passport …) carry nothing the rules read: counted in an ``ignored_record`` warning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from graphsvc import yamlio
from graphsvc.errors import InputError, LoadRejected, Problem
from graphsvc.export_ftm import DERIVED_PROGRAM
from graphsvc.identifiers import id_number_problem, uscc_problem
from graphsvc.loading import LoadOptions, LoadWarning
from graphsvc.vocabulary import resolvers
from loaders.fit import TITLE_SEPARATORS
from loaders.source import Location, Source, TableBuilder, json_records

SUFFIXES = (".json", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class FtmSettings:
    kinds: dict[str, str]
    programs: dict[str, str]
    topics: dict[str, str]
    sanction_default: str
    domain: str
    domains_by_program: dict[str, str]
    scope: str
    status: str


def settings(override: Path | None = None) -> FtmSettings:
    """The bundled ``loaders/ftm.yaml``, with the keys of ``override`` merged over it."""
    data: dict[str, Any] = yamlio.safe_load(resources.files("loaders").joinpath("ftm.yaml").read_text("utf-8"))
    if override is not None:
        extra = yamlio.safe_load(override.read_text(encoding="utf-8")) or {}
        if not isinstance(extra, dict):
            raise InputError(f"{override}: an FtM mapping is a YAML mapping of the keys of loaders/ftm.yaml")
        unknown = sorted(set(extra) - set(data))
        if unknown:
            raise InputError(f"{override}: unknown key(s) {unknown}; expected some of {sorted(data)}")
        for key, value in extra.items():
            data[key] = {**data[key], **value} if isinstance(data[key], dict) and isinstance(value, dict) else value
    return FtmSettings(
        kinds={str(k): str(v) for k, v in data["kinds"].items()},
        programs={str(k): str(v) for k, v in (data["programs"] or {}).items()},
        topics={str(k): str(v) for k, v in (data["topics"] or {}).items()},
        sanction_default=str(data["sanction_default"]),
        domain=str(data["domain"]),
        domains_by_program={str(k): str(v) for k, v in (data["domains_by_program"] or {}).items()},
        scope=str(data["scope"]),
        status=str(data["status"]),
    )


@dataclass(frozen=True)
class Record:
    proxy: EntityProxy
    raw: dict[str, Any]  # the JSON object (first_seen and other fields the proxy drops)
    where: Location


def read_entities(paths: list[Path], max_records: int | None = None) -> tuple[list[Record], list[Problem]]:
    records: list[Record] = []
    problems: list[Problem] = []
    for path in paths:
        for item in json_records(path, max_records):
            if isinstance(item, Problem):
                problems.append(item)
                continue
            if not isinstance(item, tuple):
                continue
            row, pointer, data = item
            where = Location(path.name, row, pointer)
            try:
                if not isinstance(data, dict):
                    raise InvalidData("an entity is a JSON object")
                proxy = model.get_proxy(data, cleaned=False)
            except (InvalidData, KeyError, TypeError) as exc:
                problems.append(Problem(path.name, row, "schema", None, f"not an FtM entity: {exc}", pointer))
                continue
            records.append(Record(proxy, data, where))
    return records, problems


def input_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SUFFIXES)
        files = [p for p in files if not p.name.endswith(".index.json")]
    elif path.is_file():
        files = [path]
    else:
        raise InputError(f"{path} does not exist")
    if not files:
        raise InputError(f"{path} holds no .json, .jsonl or .ndjson files")
    return files


def _first(proxy: EntityProxy, *props: str) -> str | None:
    for prop in props:
        if prop in proxy.schema.properties:
            value = proxy.first(prop)
            if value:
                return str(value)
    return None


def _where(location: Location) -> str:
    return location.pointer or (f"row {location.row}" if location.row is not None else location.file)


def _day(text: str | None) -> str | None:
    return text[:10] if text and len(text) >= 10 and text[4] == "-" else text


class _Reader:
    def __init__(self, label: str, config: FtmSettings) -> None:
        self.config = config
        self.subjects = TableBuilder("subjects", label)
        self.roles = TableBuilder("roles", label)
        self.entries = TableBuilder("entries", label)
        self.warnings: list[LoadWarning] = []
        self.ignored: Counter[str] = Counter()
        self.titles: dict[str, list[str]] = {}
        self.first_ignored: dict[str, Location] = {}

    def warn(self, kind: str, where: Location, column: str | None, value: str | None, message: str) -> None:
        self.warnings.append(LoadWarning(kind, where.file, where.row, where.pointer, column, value, message))

    def kind(self, proxy: EntityProxy) -> str | None:
        for schema, kind in self.config.kinds.items():
            if schema in model.schemata and proxy.schema.is_a(schema):
                return kind
        return None

    def subject(self, r: Record, kind: str, addresses: dict[str, Record]) -> None:
        p = r.proxy
        region = None
        # The library's proxy drops addressEntity values it has not seen resolved; the JSON keeps them.
        properties = r.raw.get("properties") or {}
        for ref in properties.get("addressEntity") or [] if isinstance(properties, dict) else []:
            address = addresses.get(str(ref))
            if address is not None:
                region = _first(address.proxy, "region", "state", "full")
                break
        uscc = None
        id_number = None
        if kind == "person":
            candidate = _first(p, "idNumber")
            id_number = candidate if candidate and id_number_problem(candidate) is None else None
        else:
            for prop in ("uscCode", "registrationNumber", "taxNumber"):
                if prop in p.schema.properties:
                    valid = [v for v in p.get(prop) if uscc_problem(v) is None]
                    if valid:
                        uscc = valid[0]
                        break
        name = p.caption if p.caption and p.caption != p.schema.label else _first(p, "name")
        self.subjects.add(
            {
                "subject_id": p.id,
                "kind": kind,
                "name": name,
                "uscc": uscc,
                "id_number": id_number,
                "region": region or _first(p, "country", "jurisdiction", "mainCountry"),
            },
            r.where,
        )

    def role(self, r: Record, source_prop: str, target_prop: str, default: str | None) -> None:
        p = r.proxy
        source, target = _first(p, source_prop), _first(p, target_prop)
        text = _first(p, "role")
        role = default if p.schema.name == "Ownership" else None
        if p.schema.name != "Ownership":
            resolver = resolvers()["role"]
            if text and (
                resolver.resolve(text) is not None
                or all(resolver.resolve(part) for part in TITLE_SEPARATORS.split(text) if part)
            ):
                role = text  # resolved (and kept in role_titles) by the fit step
            elif default is not None:
                role = default
                if text:
                    self.titles[text] = [default]
            else:
                self.warn(
                    "unknown_role",
                    r.where,
                    "role",
                    text,
                    f"{p.schema.name} role text names no known role; skipped (add the title to the role aliases)",
                )
                return
        self.roles.add(
            {
                "source_id": source,
                "role": role,
                "target_id": target,
                "ratio": _first(p, "percentage") if p.schema.name == "Ownership" else None,
                "valid_from": _day(_first(p, "startDate", "date")),
                "valid_to": _day(_first(p, "endDate")),
            },
            r.where,
        )

    def list_type_of(self, program: str | None, topics: list[str]) -> str:
        if program and program in self.config.programs:
            return self.config.programs[program]
        for topic in topics:
            if topic in self.config.topics:
                return self.config.topics[topic]
        return self.config.sanction_default

    def sanction(self, r: Record, entity: Record | None) -> None:
        p = r.proxy
        program = _first(p, "program", "programId")
        topics = [str(t) for t in entity.proxy.get("topics")] if entity is not None else []
        if entity is not None and "topics" not in entity.proxy.schema.properties:
            topics = []
        listed = _first(p, "listingDate")
        determined = listed or _first(p, "startDate", "date") or r.raw.get("first_seen")
        legal = _first(p, "provisions") or "; ".join(str(v) for v in [*p.get("program"), *p.get("reason")] if v)
        # Values written by `graphsvc export --format ftm` (or anyone using the vocabulary) are read back as such.
        vocab = resolvers()
        list_type = next(
            (t for t in (vocab["list_type"].resolve(v) for v in p.get("programId") + p.get("program")) if t), None
        )
        if program in self.config.programs:
            list_type = self.config.programs[program]
        summary, reason, status = _first(p, "summary"), _first(p, "reason"), _first(p, "status")
        publisher = _first(p, "publisher", "authority")
        self.entries.add(
            {
                "entry_id": p.id,
                "subject_id": _first(p, "entity"),
                "list_type": list_type or self.list_type_of(program, topics),
                "domain": (vocab["domain"].resolve(summary) if summary else None)
                or self.config.domains_by_program.get(program or "", self.config.domain),
                "severity": vocab["severity"].resolve(reason) if reason else None,
                "department": _first(p, "authority", "publisher"),
                "act_date": _day(_first(p, "date")) if listed else None,
                "determined_on": _day(str(determined)) if determined else None,
                "valid_until": _day(_first(p, "endDate")),
                "status": (vocab["status"].resolve(status) if status else None) or self.config.status,
                "scope": self.config.scope,
                "legal_basis": legal or None,
                "published_by": publisher if determined else None,
                "published_on": _day(str(determined)) if determined and publisher else None,
            },
            r.where,
        )

    def topic_entries(self, r: Record, covered: bool) -> None:
        p = r.proxy
        if "topics" not in p.schema.properties:
            return
        for topic in p.get("topics"):
            list_type = self.config.topics.get(str(topic))
            if list_type is None or (covered and list_type == self.list_type_of(None, [str(topic)])):
                continue
            seen = r.raw.get("first_seen")
            self.entries.add(
                {
                    "entry_id": f"{p.id}:topic:{topic}",
                    "subject_id": p.id,
                    "list_type": list_type,
                    "domain": self.config.domain,
                    "department": (datasets := ", ".join(str(d) for d in r.raw.get("datasets", [])[:3]) or None),
                    "determined_on": _day(str(seen)) if seen else None,
                    "status": self.config.status,
                    "scope": self.config.scope,
                    "legal_basis": f"FtM topic {topic}",
                    "published_by": datasets if seen else None,
                    "published_on": _day(str(seen)) if seen and datasets else None,
                },
                r.where,
            )

    def collapse_role_versions(self) -> None:
        """Registries publish each version of a holding as its own Ownership (ext_ru_egrul: 50 % until 2023-03-02,
        48 % until 2023-12-21, 51 % open). The canonical key is (source, role, target, valid_from), so one version
        is kept: the open one, else the one that ended last; the others are named in a ``role_version`` warning."""
        groups: dict[tuple[str | None, ...], list[int]] = {}
        for i, row in enumerate(self.roles.rows):
            key = tuple(row.get(c) for c in ("source_id", "role", "target_id", "valid_from"))
            groups.setdefault(key, []).append(i)
        dropped: set[int] = set()
        for indexes in groups.values():
            contents = {tuple(sorted(self.roles.rows[i].items(), key=lambda kv: kv[0])) for i in indexes}
            if len(contents) < 2:
                continue
            keep = max(
                indexes,
                key=lambda i: (self.roles.rows[i].get("valid_to") is None, self.roles.rows[i].get("valid_to") or ""),
            )
            others = [i for i in indexes if i != keep]
            dropped.update(others)
            kept = self.roles.origins[keep]
            self.warn(
                "role_version",
                kept,
                "valid_to",
                self.roles.rows[keep].get("valid_to"),
                f"{len(others)} other version(s) of this role from the same date "
                f"({', '.join(_where(self.roles.origins[i]) for i in others)}); the open or latest one is loaded",
            )
        if dropped:
            self.roles.rows = [r for i, r in enumerate(self.roles.rows) if i not in dropped]
            self.roles.origins = [o for i, o in enumerate(self.roles.origins) if i not in dropped]

    def ignore(self, r: Record, what: str | None = None) -> None:
        name = what or r.proxy.schema.name
        self.ignored[name] += 1
        self.first_ignored.setdefault(name, r.where)


def read(path: Path, options: LoadOptions) -> Source:
    """FtM JSON (a file, or every .json/.jsonl/.ndjson file of a folder) as canonical tables."""
    files = input_files(path)
    config = settings(Path(options.mapping) if options.mapping else None)
    records, problems = read_entities(files, options.max_records)
    if problems:
        raise LoadRejected(problems, "these stop the entities from being read; fix them first")
    reader = _Reader(path.name, config)
    by_id = {r.proxy.id: r for r in records}
    addresses = {i: r for i, r in by_id.items() if i and r.proxy.schema.name == "Address"}
    sanctioned = {_first(r.proxy, "entity") for r in records if r.proxy.schema.name == "Sanction"}
    for r in records:
        schema = r.proxy.schema
        kind = reader.kind(r.proxy) if schema.is_a("LegalEntity") else None
        if kind is not None:
            reader.subject(r, kind, addresses)
            reader.topic_entries(r, covered=r.proxy.id in sanctioned)
        elif schema.name == "Ownership":
            reader.role(r, "owner", "asset", "shareholder")
        elif schema.name == "Directorship":
            reader.role(r, "director", "organization", "director")
        elif schema.name == "Representation":
            reader.role(r, "agent", "client", None)
        elif schema.name == "UnknownLink":
            reader.role(r, "subject", "object", None)
        elif schema.name == "Sanction" and any(str(v).startswith(DERIVED_PROGRAM) for v in r.proxy.get("programId")):
            reader.ignore(r, "derived record (recomputed by the rules, never loaded)")
        elif schema.name == "Sanction":
            entity_id = _first(r.proxy, "entity")
            entity = by_id.get(entity_id) if entity_id else None
            reader.sanction(r, entity)
        else:
            reader.ignore(r)
    reader.collapse_role_versions()
    for name, count in sorted(reader.ignored.items()):
        where = reader.first_ignored[name]
        reader.warnings.append(
            LoadWarning(
                "ignored_record",
                where.file,
                where.row,
                where.pointer,
                "schema",
                name,
                f"{count} {name} record(s) carry nothing the rules read; not loaded",
                count,
            )
        )
    source = Source("ftm", str(path.resolve()), native_rows=False)
    source.encodings = {f.name: "utf-8" for f in files}
    source.files = dict(Counter(r.where.file for r in records))
    for builder in (reader.subjects, reader.roles, reader.entries):
        builder.add_to(source)
    source.warnings += reader.warnings
    source.role_titles.update(reader.titles)
    return source


__all__ = ["FtmSettings", "input_files", "read", "read_entities", "settings"]
