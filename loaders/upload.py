"""A file sent over HTTP, loaded as ``graphsvc load`` loads a file: FtM entities, BODS statements or a
department's own CSV/Excel export through a shipped column mapping.

The body is written to a private temporary folder under its (sanitised) file name, read, fitted, validated and
written in one store transaction, and the folder is removed; the load report names the input by that file name.
Only shipped mappings can be named: a caller cannot make the service read a file of its choosing.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from graphsvc.errors import InputError
from graphsvc.loading import LoadOptions, LoadSummary
from graphsvc.stores.base import GraphStore
from loaders.commit import Authorise
from loaders.intake import load
from loaders.mapping import shipped

UPLOAD_FORMATS = ("ftm", "bods", "mapped")
# Content type -> the file name extension the readers know the content by.
EXTENSIONS = {
    "application/json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/ld+json": ".json",
    "text/csv": ".csv",
    "application/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
_KNOWN_SUFFIXES = {".json", ".jsonl", ".ndjson", ".csv", ".xlsx"}
_UNSAFE = re.compile(r"[\x00-\x1f/\\:*?\"<>|]")


def file_name(name: str | None, content_type: str | None) -> str:
    """The name the upload is read under: the caller's name without any folder, or ``upload`` with the extension
    of the content type."""
    media = (content_type or "").split(";")[0].strip().lower()
    if name:
        base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
        if base and Path(base).suffix.lower() in _KNOWN_SUFFIXES:
            return base
        if base and media in EXTENSIONS:
            return base + EXTENSIONS[media]
    if media in EXTENSIONS:
        return "upload" + EXTENSIONS[media]
    kinds = ", ".join(sorted(set(EXTENSIONS)))
    raise InputError(
        f"cannot tell what the body is: send Content-Type one of {kinds}, or a filename ending in "
        f"{', '.join(sorted(_KNOWN_SUFFIXES))}"
    )


def load_upload(
    body: bytes,
    name: str,
    store: GraphStore,
    options: LoadOptions,
    *,
    label: str,
    authorise: Authorise | None = None,
    protected: frozenset[str] = frozenset(),
) -> LoadSummary:
    """Load ``body`` as the file ``name`` in ``options.format`` (one of UPLOAD_FORMATS); ``label`` is the batch's
    source in the store (who sent it, where)."""
    if options.format not in UPLOAD_FORMATS:
        raise InputError(f"format must be one of {', '.join(UPLOAD_FORMATS)}, not {options.format!r}")
    if options.format == "mapped":
        names = shipped()
        if options.mapping not in names:
            raise InputError(f"mapping {options.mapping!r} is not a shipped mapping; choose one of {', '.join(names)}")
    elif options.mapping is not None:
        raise InputError("a mapping is for format mapped only")
    if not body:
        raise InputError("the body is empty; send the file's content")
    with tempfile.TemporaryDirectory(prefix="graphsvc-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(body)
        return load(path, store, options, authorise=authorise, protected=protected, label=label)


__all__ = ["EXTENSIONS", "UPLOAD_FORMATS", "file_name", "load_upload"]
