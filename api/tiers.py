"""Access tiers by API key (PRV-03, PRV-04, PRV-05): who the caller is. What each tier sees is decided by the
disclosure policy (graphsvc/disclosure.py), which the routers ask through ``Caller.audience``:

| tier | sees | personal data |
|---|---|---|
| public (no key) | 社会公开 items in force on the service's date | person names and ID numbers masked |
| government | 社会公开 and 政府共享 items; its own department's archive | ID numbers masked |
| authorised | also 授权查询 items of the subject its authorisation covers (logged), and the archive | shown |
| admin | everything; re-evaluation, audit export | shown |

Keys live in a JSON file (``GRAPHSVC_API_KEYS``) as SHA-256 digests only: the key itself is shown once,
when ``graphsvc-api keys add`` creates it. Keys are 32 random bytes, so a fast digest is enough (there is
nothing to brute-force); digests are compared in constant time.

A key also names its principal: the department (designating unit, e.g. 市市场监管局) and region it belongs to,
and the departments it is delegated to write for. Writes are limited to them (api/authz.py). The file is
re-read when it changes (``LiveKeyRing``), so a revoked key stops working without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphsvc.disclosure import VISIBLE_SCOPES, Audience
from graphsvc.disclosure import Tier as Tier  # the tiers are the disclosure policy's audiences
from graphsvc.errors import InputError

KEY_HEADER = "X-API-Key"
AUTHORISATION_HEADER = "X-Authorisation-Ref"


log = logging.getLogger("graphsvc.api")


@dataclass(frozen=True)
class Caller:
    key_id: str  # "anonymous" without a key
    tier: Tier
    authorisation_ref: str | None = None
    department: str | None = None  # the designating unit the key belongs to
    region: str | None = None
    delegated: frozenset[str] = frozenset()  # further departments the key may write for
    # Authorised tier: the subjects the authorisation named in X-Authorisation-Ref covers (授权查询 is per
    # subject); authorised-scope items of any other subject stay hidden. None on the other tiers.
    authorised_subjects: frozenset[str] | None = None

    @property
    def audience(self) -> Audience:
        """The caller as the disclosure policy knows it (graphsvc/disclosure.py)."""
        return Audience(self.tier, self.departments, self.authorised_subjects or frozenset())

    @property
    def scopes(self) -> frozenset[str]:
        """The scopes the caller may read for subjects its authorisation does not cover."""
        if self.tier is Tier.AUTHORISED:
            return VISIBLE_SCOPES[Tier.GOVERNMENT]
        return VISIBLE_SCOPES[self.tier]

    def scopes_for(self, subject_id: str | None) -> frozenset[str]:
        """The scopes the caller may read about one subject."""
        return self.audience.scopes_for(subject_id)

    @property
    def departments(self) -> frozenset[str]:
        """The departments the caller may write for: its own and those it is delegated for."""
        own = frozenset({self.department}) if self.department else frozenset()
        return own | self.delegated

    @property
    def masks_names(self) -> bool:
        return self.audience.masks_names

    @property
    def masks_id_numbers(self) -> bool:
        return self.audience.masks_id_numbers


ANONYMOUS = Caller("anonymous", Tier.PUBLIC)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_fingerprint(key: str) -> str:
    """What the audit log keeps of a key that was refused: a digest prefix, never the key."""
    return "sha256:" + digest(key)[:12]


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    tier: Tier
    sha256: str
    department: str | None = None
    region: str | None = None
    delegated: tuple[str, ...] = field(default_factory=tuple)

    @staticmethod
    def parse(item: dict[str, object]) -> KeyRecord:
        delegated = item.get("delegated") or []
        if not isinstance(delegated, list):
            raise TypeError("delegated must be a list of departments")
        department = item.get("department")
        region = item.get("region")
        return KeyRecord(
            key_id=str(item["id"]),
            tier=Tier.parse(str(item["tier"])),
            sha256=str(item["sha256"]),
            department=str(department) if department else None,
            region=str(region) if region else None,
            delegated=tuple(str(d) for d in delegated),
        )

    def caller(self, authorisation_ref: str | None = None) -> Caller:
        return Caller(
            self.key_id,
            self.tier,
            authorisation_ref,
            department=self.department,
            region=self.region,
            delegated=frozenset(self.delegated),
        )


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
            records = [KeyRecord.parse(k) for k in data["keys"]]
        except FileNotFoundError:
            raise InputError(f"API key file {path} does not exist; create it with `graphsvc-api keys add`") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"API key file {path} is malformed ({exc}); expected "
                '{"keys": [{"id": ..., "tier": ..., "sha256": ..., "department": ...}]}'
            ) from None
        return KeyRing(records)

    def identify(self, key: str) -> KeyRecord | None:
        wanted = digest(key)
        found = None
        for record in self.records:
            if hmac.compare_digest(record.sha256, wanted):
                found = record
        return found


class LiveKeyRing:
    """The key file, re-read when it changes: a key added or revoked takes effect at the next request, without
    a restart (the file is stat-ed at most every ``check_every`` seconds; 0: on every request, a microsecond).
    A file that cannot be read or parsed keeps the keys last read (and says so in the server log); a removed
    file revokes every key."""

    def __init__(self, path: Path | None, check_every: float = 0.0) -> None:
        self.path = path
        self.check_every = check_every
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._ring = KeyRing.load(path)  # a missing or malformed file at start is an error
        self._checked = time.monotonic()

    def _stat(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _current(self) -> KeyRing:
        now = time.monotonic()
        with self._lock:
            if self.path is None or (self.check_every and now - self._checked < self.check_every):
                return self._ring
            self._checked = now
            stamp = self._stat()
            if stamp == self._stamp:
                return self._ring
            if stamp is None:
                log.warning("API key file %s is gone: every key is revoked until it is back", self.path)
                self._ring, self._stamp = KeyRing([]), None
                return self._ring
            try:
                ring = KeyRing.load(self.path)
            except InputError as exc:
                log.error("API key file changed but cannot be read; keeping the keys read before: %s", exc)
                return self._ring
            self._ring, self._stamp = ring, stamp
            return ring

    @property
    def records(self) -> list[KeyRecord]:
        return self._current().records

    def identify(self, key: str) -> KeyRecord | None:
        return self._current().identify(key)


def _write_key_file(path: Path, data: dict[str, Any]) -> None:
    """Replace the key file in one step (readers see the old or the new file, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.chmod(scratch, 0o600)
    os.replace(scratch, path)


def add_key(
    path: Path,
    key_id: str,
    tier: Tier,
    *,
    department: str | None = None,
    region: str | None = None,
    delegated: tuple[str, ...] = (),
) -> str:
    """Create a key, store its digest and principal in ``path`` and return the key (shown once)."""
    data: dict[str, Any] = {"keys": []}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    if any(k["id"] == key_id for k in data["keys"]):
        raise InputError(f"a key with id {key_id!r} already exists in {path}; revoke it first or choose another id")
    key = "gs_" + secrets.token_urlsafe(32)
    item: dict[str, Any] = {"id": key_id, "tier": tier.label, "sha256": digest(key)}
    if department:
        item["department"] = department
    if region:
        item["region"] = region
    if delegated:
        item["delegated"] = list(delegated)
    data["keys"].append(item)
    _write_key_file(path, data)
    return key


def revoke_key(path: Path, key_id: str) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    kept = [k for k in data["keys"] if k["id"] != key_id]
    if len(kept) == len(data["keys"]):
        raise InputError(f"no key with id {key_id!r} in {path}")
    data["keys"] = kept
    _write_key_file(path, data)
