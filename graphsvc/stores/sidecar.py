"""Files the embedded store keeps beside itself per batch: what is derived from the facts and costly to derive
again (the analytics adjacency, the subjects' names), rebuilt when a batch is recorded.

They live in ``<store>.<what>/b<batch>/``, private to the store's owner like the store (they hold the same
personal data, PRV-03), and are written atomically: into a scratch directory beside their place, renamed when
complete, so a process never maps half a directory another is still writing.

Each directory's ``meta.json`` says which facts it was made from: the store's identity and batch
(:class:`~graphsvc.stores.base.FactsVersion`). A store deleted and loaded anew at the same path counts its
batches from 1 again, so the path alone would hand the new store the old one's files: files made from another
store or batch are not used, and are replaced when made again. Checking costs one small read.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphsvc.stores.base import FactsVersion

_PRIVATE_FOLDER = 0o700
_PRIVATE_FILE = 0o600
_META = "meta.json"


def batch_directory(store_path: Path, what: str, batch: int) -> Path:
    """``<store>.<what>/b<batch>``: where files derived from ``batch`` are kept."""
    return store_path.with_name(f"{store_path.name}.{what}") / f"b{batch}"


def write_meta(directory: Path, made_from: FactsVersion, fields: dict[str, Any]) -> None:
    """Write ``meta.json`` into ``directory``: ``fields`` and the store and batch the files were made from."""
    meta = {**fields, "store": made_from.store, "batch": made_from.batch}
    (directory / _META).write_text(json.dumps(meta), encoding="utf-8")


def read_meta(directory: Path, made_from: FactsVersion) -> dict[str, Any] | None:
    """The ``meta.json`` of ``directory`` if its files were made from ``made_from`` (None if absent, unreadable,
    or made from another store or batch)."""
    try:
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("store") != made_from.store or meta.get("batch") != made_from.batch:
        return None
    return meta


def save_atomically(directory: Path, write: Callable[[Path], None], *, root: Path) -> None:
    """Make ``directory`` by ``write``-ing into a scratch directory renamed when complete, in place of any
    directory already there (files that could not be used: damaged, or made from another store or batch);
    ``root`` and every folder between it and ``directory`` are made private first."""
    folders = [root, *(p for p in reversed(directory.parents) if root in p.parents)]
    for folder in folders:
        folder.mkdir(exist_ok=True, mode=_PRIVATE_FOLDER)
        if folder.stat().st_mode & 0o077:
            os.chmod(folder, _PRIVATE_FOLDER)  # whatever the umask
    scratch = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))  # mode 0o700
    try:
        write(scratch)
        for path in scratch.iterdir():
            os.chmod(path, _PRIVATE_FILE)
        if directory.exists():
            # moved aside, not removed in place: a process mapping the old files keeps them until it lets go
            old = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old.", dir=directory.parent))
            try:
                with contextlib.suppress(FileNotFoundError):  # another process moved it first
                    os.rename(directory, old / directory.name)
            finally:
                shutil.rmtree(old, ignore_errors=True)
        os.rename(scratch, directory)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
        if not directory.exists():
            raise


def forget_other_batches(root: Path, current: Path) -> None:
    """Remove the batch directories under ``root`` other than ``current`` (one of them) and scratch ones."""
    for other in root.iterdir():
        if other.is_dir() and other != current and not other.name.startswith("."):
            shutil.rmtree(other, ignore_errors=True)


def forget_other_stores(folder: Path, made_from: FactsVersion) -> None:
    """Remove the directories in ``folder`` not made from ``made_from`` (another store's at the same batch)."""
    for other in folder.iterdir():
        if other.is_dir() and not other.name.startswith(".") and read_meta(other, made_from) is None:
            shutil.rmtree(other, ignore_errors=True)
