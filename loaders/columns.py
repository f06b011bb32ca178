"""The canonical input files: their columns, and the personal data no file may carry (PRV-01)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphsvc.stores.base import PRECISE_DATES, precision_column


@dataclass(frozen=True)
class FileSpec:
    table: str  # store table name
    stem: str  # file name without extension
    required: tuple[str, ...]  # columns that must be present in the header
    optional: tuple[str, ...] = ()  # columns that may be absent (treated as empty)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


FILES: tuple[FileSpec, ...] = (
    FileSpec("subjects", "subjects", ("subject_id", "kind", "name"), ("uscc", "id_number", "region")),
    FileSpec(
        "roles",
        "roles",
        ("source_id", "role", "target_id"),
        ("ratio", "valid_from", "valid_to", "title", *(precision_column(c) for c in PRECISE_DATES["roles"])),
    ),
    FileSpec(
        "entries",
        "entries",
        ("entry_id", "subject_id", "list_type", "domain", "determined_on", "status", "scope"),
        (
            "severity",
            "department",
            "act_date",
            "valid_until",
            "status_since",
            "legal_basis",
            *(precision_column(c) for c in PRECISE_DATES["entries"]),
            "published_by",
            "published_on",
        ),
    ),
    FileSpec("findings", "responsibilities", ("person_id", "entry_id"), ("basis",)),
    FileSpec("statuses", "statuses", ("entry_id", "status", "since"), ("basis",)),
)

# PRV-01 (004 MB 第十四條): 禁止歸集自然人的宗教信仰、基因、血型、疾病和病史信息.
# English terms are matched as whole words of the column name (so "general" does not match "gene");
# Chinese terms anywhere in it.
_PROHIBITED_WORDS = frozenset(
    {
        "religion",
        "religions",
        "religious",
        "faith",
        "belief",
        "beliefs",
        "gene",
        "genes",
        "genetic",
        "genetics",
        "genome",
        "genomic",
        "dna",
        "bloodtype",
        "bloodgroup",
        "disease",
        "diseases",
        "illness",
        "illnesses",
        "sickness",
        "diagnosis",
        "medical",
    }
)
_PROHIBITED_PAIRS = (("blood", "type"), ("blood", "group"), ("health", "condition"), ("health", "record"))
# Run-together names ("medicalhistory", "religiousbelief"): stems long enough not to hit harmless words.
_PROHIBITED_STEMS = (
    "religio",
    "bloodtype",
    "bloodgroup",
    "medicalhistory",
    "medicalrecord",
    "genetic",
    "genome",
    "illness",
    "disease",
    "diagnos",
)
_PROHIBITED_ZH = ("宗教", "信仰", "基因", "血型", "疾病", "病史", "病歷", "病历")


def prohibited_reason(column: str) -> str | None:
    """Why a column may not be loaded, or None when it may."""
    lowered = column.lower()
    # camelCase and acronyms: "bloodType" -> blood_Type, "DNASequence" -> DNA_Sequence.
    split = re.sub(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])", r"\1\3_\2\4", column)
    words = [w for w in re.split(r"[^a-z0-9]+", split.lower()) if w]
    hit = next((w for w in words if w in _PROHIBITED_WORDS), None)
    if hit is None:
        hit = next((f"{a} {b}" for a, b in _PROHIBITED_PAIRS if a in words and b in words), None)
    if hit is None:
        hit = next((z for z in _PROHIBITED_STEMS if z in lowered.replace("_", "").replace(" ", "")), None)
    if hit is None:
        hit = next((z for z in _PROHIBITED_ZH if z in lowered), None)
    if hit is None:
        return None
    return (
        f"column looks like prohibited personal data ({hit!r}): religion, genes, blood type, illness and "
        "medical history may not be collected (PRV-01, 004 MB 第十四條); remove the column and load again"
    )
