"""Small file systems for the tests of a full disk and a read-only folder: a tmpfs mounted for the test (root
only; the test is skipped, saying why, where mounting is not permitted)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def mount_tmpfs(where: Path, options: str) -> None:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}); needs root")


def remount(where: Path, options: str) -> None:
    """Change a mounted tmpfs's options (``ro`` makes everything in it read-only, also for root)."""
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], capture_output=True, check=True)


def unmount(where: Path) -> None:
    subprocess.run(["umount", str(where)], check=False)
