"""Authorisations for 授权查询 (004 管理办法 第二十二條; PRV-04).

Authorised-scope information about a subject may be looked up only with the subject's authorisation: a record
of who granted whom (an API key, the grantee) which look-ups of which subject, for what purpose, in which
window, and on what proof (a written authorisation or an SMS verification reference). A subject's own query,
with proof of identity, is the same record with the subject as the one who granted it.

An authorisation is never edited: a new window is a new authorisation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pyarrow as pa

from graphsvc.stores.base import AUTHORISATION_SCHEMA


class ProofKind(StrEnum):
    WRITTEN = "written"  # a signed written authorisation (书面授权)
    SMS = "sms"  # an SMS verification of the subject's consent (短信验证)


@dataclass(frozen=True)
class Authorisation:
    authorisation_id: str
    subject_id: str
    grantee: str
    purpose: str
    valid_from: dt.date
    valid_until: dt.date
    proof_kind: ProofKind
    proof_ref: str
    recorded_by: str
    recorded_at: dt.datetime

    def in_force(self, on: dt.date) -> bool:
        """Both ends of the window are inclusive."""
        return self.valid_from <= on <= self.valid_until

    def covers(self, grantee: str, subject_id: str, on: dt.date) -> bool:
        return self.grantee == grantee and self.subject_id == subject_id and self.in_force(on)

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in AUTHORISATION_SCHEMA.names} | {
            "proof_kind": self.proof_kind.value
        }

    def as_table(self) -> pa.Table:
        return pa.Table.from_pylist([self.as_row()], schema=AUTHORISATION_SCHEMA)

    @staticmethod
    def from_row(row: dict[str, Any]) -> Authorisation:
        return Authorisation(
            authorisation_id=str(row["authorisation_id"]),
            subject_id=str(row["subject_id"]),
            grantee=str(row["grantee"]),
            purpose=str(row["purpose"]),
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            proof_kind=ProofKind(row["proof_kind"]),
            proof_ref=str(row["proof_ref"]),
            recorded_by=str(row["recorded_by"]),
            recorded_at=row["recorded_at"],
        )

    @staticmethod
    def from_table(table: pa.Table) -> Authorisation | None:
        rows = table.to_pylist()
        return Authorisation.from_row(rows[0]) if rows else None
