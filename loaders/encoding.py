"""Which text encoding a file is in: UTF-8 (with or without BOM), else GB18030 when the bytes are valid GB18030,
else what charset-normalizer finds.

Excel on Chinese Windows saves CSV as GBK (code page 936); GB18030 is its superset, so every GBK or GB2312
guess is read as GB18030, which decodes all of them.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from graphsvc.loading import check_text_encoding

_SAMPLE = 1 << 20  # bytes looked at; a wrong guess shows up as a read error naming the file
_CHINESE = {"gbk", "gb2312", "gb18030", "cp936", "hz", "big5hkscs"}


def normalise(encoding: str) -> str:
    """A Python codec name for ``--encoding``; refuses names Python does not know and codecs that are not text
    encodings (rot13, base64)."""
    check_text_encoding(encoding)
    name = codecs.lookup(encoding).name
    if name in {"gbk", "gb2312", "cp936"}:
        return "gb18030"
    return "utf-8" if name in {"utf-8", "utf-8-sig"} else name


def detect(path: Path) -> str:
    """The encoding of ``path``: ``utf-8`` when its bytes are UTF-8 (a BOM is allowed), else the best guess."""
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
        truncated = bool(fh.read(1))
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still UTF-8.
        if truncated and exc.start >= len(sample) - 3:
            return "utf-8"
    # Short files give charset detection too little to go on ("董事长" alone reads as several encodings); the
    # users' files are mainland Chinese, so bytes that are valid GB18030 are read as GB18030.
    try:
        (sample if not truncated else sample[: len(sample) - 4]).decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    if best is None:
        return "gb18030"  # no guess: the most likely non-UTF-8 encoding of the users' files
    name = codecs.lookup(best.encoding).name
    return "gb18030" if name in _CHINESE or name.startswith("gb") else name


__all__ = ["detect", "normalise"]
