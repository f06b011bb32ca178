"""Access tiers by API key (PRV-03, PRV-04, PRV-05).

| tier | sees | personal data |
|---|---|---|
| public (no key) | 社会公开 items only | person names and ID numbers masked |
| government | 社会公开 and 政府共享 items | ID numbers masked |
| authorised | everything, with an authorisation reference on every request (logged) | shown |
| admin | everything; re-evaluation, audit export | shown |

Keys live in a JSON file (``GRAPHSVC_API_KEYS``) as SHA-256 digests only: the key itself is shown once,
when ``graphsvc-api keys add`` creates it. Keys are 32 random bytes, so a fast digest is enough (there is
nothing to brute-force); digests are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from graphsvc.errors import InputError
from graphsvc.vocab import Scope

KEY_HEADER = "X-API-Key"
AUTHORISATION_HEADER = "X-Authorisation-Ref"


class Tier(IntEnum):
    PUBLIC = 0
    GOVERNMENT = 1
    AUTHORISED = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @staticmethod
    def parse(text: str) -> Tier:
        try:
            return Tier[text.upper()]
        except KeyError:
            raise InputError(f"unknown tier {text!r}; choose one of {', '.join(t.label for t in Tier)}") from None


# Which publication scopes each tier may read (PRV-03).
VISIBLE_SCOPES: dict[Tier, frozenset[str]] = {
    Tier.PUBLIC: frozenset({Scope.PUBLIC}),
    Tier.GOVERNMENT: frozenset({Scope.PUBLIC, Scope.GOVERNMENT}),
    Tier.AUTHORISED: frozenset({Scope.PUBLIC, Scope.GOVERNMENT, Scope.AUTHORISED}),
    Tier.ADMIN: frozenset({Scope.PUBLIC, Scope.GOVERNMENT, Scope.AUTHORISED}),
}


@dataclass(frozen=True)
class Caller:
    key_id: str  # "anonymous" without a key
    tier: Tier
    authorisation_ref: str | None = None

    @property
    def scopes(self) -> frozenset[str]:
        return VISIBLE_SCOPES[self.tier]

    @property
    def masks_names(self) -> bool:
        return self.tier is Tier.PUBLIC

    @property
    def masks_id_numbers(self) -> bool:
        return self.tier < Tier.AUTHORISED


ANONYMOUS = Caller("anonymous", Tier.PUBLIC)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    tier: Tier
    sha256: str


class KeyRing:
    """The configured keys, by digest."""

    def __init__(self, records: list[KeyRecord]) -> None:
        self.records = records

    @staticmethod
    def load(path: Path | None) -> KeyRing:
        if path is None:
            return KeyRing([])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            records = [KeyRecord(str(k["id"]), Tier.parse(str(k["tier"])), str(k["sha256"])) for k in data["keys"]]
        except FileNotFoundError:
            raise InputError(f"API key file {path} does not exist; create it with `graphsvc-api keys add`") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"API key file {path} is malformed ({exc}); expected "
                '{"keys": [{"id": ..., "tier": ..., "sha256": ...}]}'
            ) from None
        return KeyRing(records)

    def identify(self, key: str) -> KeyRecord | None:
        wanted = digest(key)
        found = None
        for record in self.records:
            if hmac.compare_digest(record.sha256, wanted):
                found = record
        return found


def add_key(path: Path, key_id: str, tier: Tier) -> str:
    """Create a key, store its digest in ``path`` and return the key (shown once)."""
    data: dict[str, Any] = {"keys": []}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    if any(k["id"] == key_id for k in data["keys"]):
        raise InputError(f"a key with id {key_id!r} already exists in {path}; revoke it first or choose another id")
    key = "gs_" + secrets.token_urlsafe(32)
    data["keys"].append({"id": key_id, "tier": tier.label, "sha256": digest(key)})
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.chmod(scratch, 0o600)
    os.replace(scratch, path)
    return key


def revoke_key(path: Path, key_id: str) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    kept = [k for k in data["keys"] if k["id"] != key_id]
    if len(kept) == len(data["keys"]):
        raise InputError(f"no key with id {key_id!r} in {path}")
    data["keys"] = kept
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
