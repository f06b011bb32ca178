"""Files the embedded store keeps beside itself per batch: what is derived from the facts and costly to derive
again (the analytics adjacency, the subjects' names), rebuilt when a batch is recorded.

They live in ``<store>.<what>/b<batch>/``, private to the store's owner like the store (they hold the same
personal data, PRV-03), and are written atomically: into a scratch directory beside their place, renamed when
complete, so a process never maps half a directory another is still writing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

_PRIVATE_FOLDER = 0o700
_PRIVATE_FILE = 0o600


def batch_directory(store_path: Path, what: str, batch: int) -> Path:
    """``<store>.<what>/b<batch>``: where files derived from ``batch`` are kept."""
    return store_path.with_name(f"{store_path.name}.{what}") / f"b{batch}"


def save_atomically(directory: Path, write: Callable[[Path], None], *, root: Path) -> None:
    """Make ``directory`` (which must not exist yet) by ``write``-ing into a scratch directory renamed when
    complete; ``root`` and every folder between it and ``directory`` are made private first."""
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
