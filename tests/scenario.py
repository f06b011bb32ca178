"""Build small canonical data sets for tests: a scenario in the seeds' words, written as the four CSVs."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.identifiers import make_id_number, make_uscc
from graphsvc.stores.base import ENTRY_SCHEMA, FINDING_SCHEMA, ROLE_SCHEMA, STATUS_SCHEMA, SUBJECT_SCHEMA

SUBJECT_COLUMNS = tuple(SUBJECT_SCHEMA.names)
ROLE_COLUMNS = tuple(ROLE_SCHEMA.names)
ENTRY_COLUMNS = tuple(ENTRY_SCHEMA.names)
FINDING_COLUMNS = tuple(FINDING_SCHEMA.names)
STATUS_COLUMNS = tuple(STATUS_SCHEMA.names)

_DEPT = {"enterprise": "9", "social_org": "5", "public_institution": "1", "government": "1"}


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class Scenario:
    subjects: list[dict[str, str]] = field(default_factory=list)
    roles: list[dict[str, str]] = field(default_factory=list)
    entries: list[dict[str, str]] = field(default_factory=list)
    findings: list[dict[str, str]] = field(default_factory=list)
    statuses: list[dict[str, str]] = field(default_factory=list)
    _n: int = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def org(self, name: str, kind: str = "enterprise", region: str = "230602") -> str:
        n = self._next()
        uscc = make_uscc(_DEPT[kind], "1", region, f"{n:08d}")
        self.subjects.append(
            {"subject_id": uscc, "kind": kind, "name": name, "uscc": uscc, "id_number": "", "region": region}
        )
        return uscc

    def person(self, name: str, region: str = "230602") -> str:
        n = self._next()
        pid = f"P{n:05d}"
        idn = make_id_number(region, dt.date(1970, 1, 1) + dt.timedelta(days=n * 37), n % 1000)
        self.subjects.append(
            {
                "subject_id": pid,
                "kind": "person",
                "name": name,
                "uscc": "",
                "id_number": idn,
                "region": region,
            }
        )
        return pid

    def role(
        self,
        source: str,
        role: str,
        target: str,
        *,
        since: str | None = "2015-01-01",
        until: str | None = None,
        ratio: float | None = None,
    ) -> None:
        self.roles.append(
            {
                "source_id": source,
                "role": role,
                "target_id": target,
                "ratio": _s(ratio),
                "valid_from": _s(since),
                "valid_to": _s(until),
            }
        )

    def entry(
        self,
        subject: str,
        list_type: str,
        *,
        determined_on: str = "2024-03-01",
        act_date: str | None = "2024-01-15",
        severity: str | None = None,
        domain: str = "market_supervision",
        status: str = "active",
        status_since: str | None = None,
        valid_until: str | None = None,
        department: str = "大庆市市场监督管理局",
        scope: str = "public",
        entry_id: str | None = None,
        published_by: str | None = None,
        published_on: str | None = None,
    ) -> str:
        eid = entry_id or f"E{self._next():05d}"
        if severity is None and list_type in ("black", "serious_illegal", "court_defaulter"):
            severity = "serious"
        self.entries.append(
            {
                "entry_id": eid,
                "subject_id": subject,
                "list_type": list_type,
                "domain": domain,
                "severity": _s(severity),
                "department": department,
                "act_date": _s(act_date),
                "determined_on": determined_on,
                "valid_until": _s(valid_until),
                "status": status,
                "status_since": _s(status_since),
                "scope": scope,
                "legal_basis": "《企业信息公示暂行条例》第十七条",
                "published_by": _s(published_by),
                "published_on": _s(published_on),
            }
        )
        return eid

    def finding(self, person: str, entry: str, basis: str = "处罚决定书认定其负有直接责任") -> None:
        self.findings.append({"person_id": person, "entry_id": entry, "basis": basis})

    def status(self, entry: str, status: str, since: str, basis: str = "") -> None:
        """A row of statuses.csv: the entry's status from ``since`` (valid time)."""
        self.statuses.append({"entry_id": entry, "status": status, "since": since, "basis": basis})

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, columns, rows in (
            ("subjects.csv", SUBJECT_COLUMNS, self.subjects),
            ("roles.csv", ROLE_COLUMNS, self.roles),
            ("entries.csv", ENTRY_COLUMNS, self.entries),
            ("responsibilities.csv", FINDING_COLUMNS, self.findings),
            ("statuses.csv", STATUS_COLUMNS, self.statuses),
        ):
            if name == "statuses.csv" and not rows:
                continue  # the fifth file is optional; most scenarios have no status history
            with (directory / name).open("w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        return directory
