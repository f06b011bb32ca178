"""Person ids that say nothing about the person.

Every tier sees a subject id as it is: public answers mask a person's name and id number (PRV-02, PRV-03) but
print the subject id in role lists, derived records and decisions. So a person's subject_id may not carry the
person's name or 居民身份证号码. This module finds the person rows that do, and makes the opaque ids the column
mappings write in their place (``opaque: true``).

Refused (``exposures``), comparing after Unicode NFKC and case folding:

- the person's name (2 or more letters) inside the id; a name in ASCII letters counts as whole words, in any
  order (``ofac-zakharov-alexander``, ``wangwei-1``), since short names such as Ed or Li occur inside hex and
  other opaque codes by chance; other names count anywhere;
- any Han character: a person id with Han characters almost always embeds a name;
- something shaped like a resident id number: 17 digits and a digit or X with a plausible address code and birth
  date, or the old 15-digit form, whether or not the check character verifies (GB 11643-1999); or the masked form
  the courts publish (``3201**********1234``, ``2306021973****2219``);
- the person's own id_number.

Organisations are not checked: their ids are USCCs or similar. The checks are vectorised (Arrow, then one DuckDB
statement over the few person rows that could fail at all); reasons are made for the failing rows only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, cast

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from graphsvc.identifiers import id_number_problem, mask_id_number, mask_name
from graphsvc.stores.duck import fetch_all

ID_KEY_ENV = "GRAPHSVC_ID_KEY"
OPAQUE_LETTERS = 20  # 26**20 ≈ 2**94 ids: no two persons of any register share one by chance
_PREFIX = re.compile(r"[a-z]{1,8}")

FIX = (
    "subject ids are public as they are (only names and id numbers are masked): give persons an opaque id (a stable "
    "code that says nothing about them) and the id number in id_number; in a column mapping write the id as "
    "{template: …, opaque: true}"
)

# Case folding beyond lower case (str.casefold) for letters that occur in names.
_FOLDS = (("ß", "ss"), ("ς", "σ"))

# On folded ids (NFKC digits, x lower-case). A run counts only where no digit (or mask star) continues it, so long
# numbers and hex codes are not read as id numbers.
_DATE = r"(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
_CORE18 = rf"[1-8][0-9]{{5}}(18|19|20)[0-9]{{2}}{_DATE}[0-9]{{3}}[0-9x]"
_CORE15 = rf"[1-8][0-9]{{5}}[0-9]{{2}}{_DATE}[0-9]{{3}}"


def _masked(length: int) -> str:
    """``length`` characters of digits and ``*`` with at least one star, from 4 leading digits to a last digit, X or
    star: 3201**********1234, 2306021973****2219, 110101********123X."""
    tail = length - 4  # after the 4 leading digits
    stars = [rf"[0-9]{{{k}}}\*[0-9*]{{{tail - 2 - k}}}[0-9x*]" for k in range(tail - 1)]
    stars.append(rf"[0-9]{{{tail - 1}}}\*")
    return rf"[1-8][0-9]{{3}}({'|'.join(stars)})"


# For DuckDB (RE2 has no look-around): the run between a start or non-digit and an end or non-digit.
_ID18 = rf"(^|[^0-9]){_CORE18}($|[^0-9])"
_ID15 = rf"(^|[^0-9]){_CORE15}($|[^0-9])"
_MASKED = rf"(^|[^0-9*])({_masked(18)}|{_masked(15)})($|[^0-9*])"
# For messages: the same runs, shown with their first 6 and last 4 characters.
_SHOWN_RUNS = re.compile(
    rf"(?<![0-9])({_CORE18}|{_CORE15})(?![0-9])|(?<![0-9*])({_masked(18)}|{_masked(15)})(?![0-9*])", re.IGNORECASE
)
_HAN_RUN = re.compile(
    r"[\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+"
)


def _flat(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _is_ascii(values: pa.Array[Any], missing: bool) -> pa.BooleanArray:
    """Per value: all ASCII (``missing`` for nulls)."""
    found = pc.call_function("string_is_ascii", [values])
    return cast(pa.BooleanArray, pc.call_function("coalesce", [found, pa.scalar(missing)]))


def _starts_with_ideograph(values: pa.Array[Any]) -> pa.BooleanArray:
    """Per value: begins with a character in U+4000-U+9FFF (UTF-8 lead byte E4-E9), a CJK ideograph, which NFKC
    keeps as it is: such a name (most Chinese names) is never inside an ASCII id. One byte read per value."""
    offsets_type: type[np.signedinteger[Any]] = np.int64 if pa.types.is_large_string(values.type) else np.int32
    _, offsets_buffer, data_buffer = values.buffers()
    if offsets_buffer is None or data_buffer is None or not len(values):
        return pa.array(np.zeros(len(values), np.bool_))
    offsets = np.frombuffer(memoryview(offsets_buffer), offsets_type)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(memoryview(data_buffer), np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    first = data[np.minimum(starts, max(len(data) - 1, 0))] if len(data) else np.zeros(len(values), np.uint8)
    found = (ends > starts) & (first >= 0xE4) & (first <= 0xE9)
    return cast(pa.BooleanArray, pc.call_function("and_kleene", [pa.array(found), pc.is_valid(values)]))


def folded(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
    """NFKC and case folding. ASCII values (most ids) are only lower-cased: NFKC leaves them as they are."""
    flat = _flat(values)
    wide = pc.invert(_is_ascii(flat, True))
    out = cast("pa.Array[Any]", pc.call_function("ascii_lower", [flat]))
    if not pc.any(wide).as_py():
        return out
    normal = pc.call_function("utf8_normalize", [flat.filter(wide)], pc.Utf8NormalizeOptions("NFKC"))
    rest = pc.call_function("utf8_lower", [normal])
    for letter, fold in _FOLDS:
        rest = pc.call_function("replace_substring", [rest], pc.ReplaceSubstringOptions(letter, fold))
    return cast("pa.Array[Any]", pc.call_function("replace_with_mask", [out, wide, rest]))


# -- opaque ids -------------------------------------------------------------------------------------------------------


def id_key() -> bytes | None:
    """The deployment's key for opaque ids (``GRAPHSVC_ID_KEY``), or None: without it an opaque id is a plain
    SHA-256 of the value, which anyone who guesses the value (a firm's USCC and a name) can confirm."""
    key = os.environ.get(ID_KEY_ENV, "")
    return key.encode("utf-8") if key else None


def opaque_id(value: str, prefix: str = "p", key: bytes | None = None) -> str:
    """``p-`` and 20 lower-case letters: the first 128 bits of SHA-256 of the value (after NFKC), or of HMAC-SHA-256
    under ``key``, written in base 26. The same value and key always give the same id; letters only, so that no
    opaque id contains a digit run that looks like an id number."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(f"an opaque id's prefix is 1 to 8 letters a-z, not {prefix!r}")
    data = unicodedata.normalize("NFKC", value).encode("utf-8")
    digest = hmac.new(key, data, hashlib.sha256).digest() if key else hashlib.sha256(data).digest()
    number = int.from_bytes(digest[:16], "big")
    letters = []
    for _ in range(OPAQUE_LETTERS):
        number, digit = divmod(number, 26)
        letters.append(chr(ord("a") + digit))
    return f"{prefix}-{''.join(letters)}"


# -- what an id gives away --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    """A person row whose subject_id gives the person away: ``shown`` is the id as messages may print it."""

    row: int
    subject_id: str
    shown: str
    reason: str


def shown(subject_id: str, name: str | None = None, id_number: str | None = None) -> str:
    """A person id as a message may print it (after NFKC): id-number runs keep their first 6 and last 4 characters,
    Han runs and the name their first character (as public answers mask names)."""
    text = unicodedata.normalize("NFKC", subject_id)
    if id_number:
        text = text.replace(id_number, mask_id_number(id_number) or "")
    text = _SHOWN_RUNS.sub(lambda m: m.group()[:6] + "*" * (len(m.group()) - 10) + m.group()[-4:], text)
    if name and name.isascii():
        for word in {w for w in re.split(r"[^0-9A-Za-z]+", name) if len(w) >= 2}:
            text = re.sub(re.escape(word), lambda m: mask_name(m.group()) or "", text, flags=re.IGNORECASE)
    elif name and len(name) >= 2:
        text = text.replace(name, mask_name(name) or "")
    return _HAN_RUN.sub(lambda m: m.group()[0] + "*" * (len(m.group()) - 1), text)


def _id_number_kind(folded_id: str) -> str:
    match = re.search(rf"(?<![0-9]){_CORE18}(?![0-9])", folded_id)
    if match is not None:
        if id_number_problem(match.group().upper()) is None:
            return "a resident id number (it verifies under GB 11643-1999)"
        return "something shaped like a resident id number (its check character does not verify; refused all the same)"
    if re.search(_ID15, folded_id) is not None:
        return "something shaped like a resident id number (the old 15-digit form)"
    return "something shaped like a resident id number (masked as the courts publish them)"


def _embedded(han: bool, named: bool, number: bool, own: bool, folded_id: str) -> str:
    """What an id gives away, in words."""
    found = []
    if named:
        found.append("the person's name")
    if han:
        found.append("Han characters (a person id with Han characters almost always embeds a name)")
    if own:
        found.append("the person's own id_number")
    elif number:
        found.append(_id_number_kind(folded_id))
    return " and ".join(found)


_CHECK_SQL = rf"""
    WITH c AS (
        SELECT *, '-' || regexp_replace(nid, '[^\p{{L}}\p{{N}}]+', '-', 'g') || '-' AS did,
               trim(regexp_replace(coalesce(nname, ''), '[^\p{{L}}\p{{N}}]+', '-', 'g'), '-') AS dname
        FROM person_candidates),
    w AS (SELECT *, list_filter(string_split(dname, '-'), lambda w: length(w) >= 2) AS words FROM c),
    f AS (
        SELECT _row, subject_id, name, id_number, nid,
               regexp_matches(nid, '\p{{Han}}') AS han,
               length(replace(dname, '-', '')) >= 2 AND CASE
                   WHEN strlen(dname) = length(dname)
                       THEN contains(did, '-' || replace(dname, '-', '') || '-')
                            OR (len(words) > 0 AND list_has_all(string_split(did, '-'), words))
                   ELSE contains(replace(did, '-', ''), replace(dname, '-', '')) END AS named,
               regexp_matches(nid, '{_ID18}') OR regexp_matches(nid, '{_ID15}')
                   OR regexp_matches(nid, '{_MASKED}') AS number,
               id_number IS NOT NULL AND contains(nid, lower(id_number)) AS own
        FROM w)
    SELECT _row, subject_id, name, id_number, nid, han, named, number, own FROM f
    WHERE han OR named OR number OR own ORDER BY _row"""


def exposures(con: duckdb.DuckDBPyConnection, subjects: pa.Table, row: str) -> list[Exposure]:
    """The person rows of ``subjects`` (string columns subject_id, kind, name, id_number and the row number
    ``row``) whose subject_id gives the person away. Only persons whose id is not ASCII, is long enough to hold an
    id number, or could hold their (folded) name reach the per-row statement."""
    is_person = pc.call_function("equal", [_flat(subjects.column("kind")), pa.scalar("person")])
    persons = subjects.filter(pc.call_function("and_kleene", [is_person, pc.is_valid(subjects.column("subject_id"))]))
    if not persons.num_rows:
        return []
    nid = folded(persons.column("subject_id"))
    names = _flat(persons.column("name"))
    wide_id = pc.invert(_is_ascii(nid, True))
    long_id = pc.call_function("greater_equal", [pc.call_function("utf8_length", [nid]), pa.scalar(15)])
    # A name could be inside an ASCII id only if it does not begin with a CJK ideograph (most Chinese names do).
    plain_name = pc.call_function("and_kleene", [pc.is_valid(names), pc.invert(_starts_with_ideograph(names))])
    candidates = cast(pa.BooleanArray, pc.call_function("or_kleene", [pc.or_(wide_id, long_id), plain_name]))
    if not pc.any(candidates).as_py():
        return []
    chosen = persons.filter(candidates)
    columns: dict[str, pa.Array[Any]] = {
        "_row": _flat(chosen.column(row)),
        "subject_id": _flat(chosen.column("subject_id")),
        "name": _flat(chosen.column("name")),
        "id_number": _flat(chosen.column("id_number")),
        "nid": nid.filter(candidates),
        "nname": folded(chosen.column("name")),
    }
    table = pa.table(columns)
    con.register("person_candidates", table)
    try:
        rows = fetch_all(con, _CHECK_SQL)
    finally:
        con.unregister("person_candidates")
    return [
        Exposure(
            int(r),
            sid,
            shown(sid, name, idn),
            f"a person's subject_id embeds {_embedded(bool(han), bool(named), bool(number), bool(own), nid_)}; {FIX}",
        )
        for r, sid, name, idn, nid_, han, named, number, own in rows
    ]


def exposing_shapes(con: duckdb.DuckDBPyConnection, ids: pa.Array[Any]) -> dict[str, str]:
    """Of persons' subject ids known without their rows (the store's, from loads before such ids were refused):
    those with Han characters or an id-number shape, each with what it embeds."""
    if not len(ids):
        return {}
    table = pa.table({"subject_id": ids, "nid": folded(ids)})
    con.register("stored_person_ids", table)
    try:
        rows = fetch_all(
            con,
            f"""SELECT subject_id, nid, regexp_matches(nid, '\\p{{Han}}') AS han FROM stored_person_ids
                WHERE regexp_matches(nid, '\\p{{Han}}') OR regexp_matches(nid, '{_ID18}')
                   OR regexp_matches(nid, '{_ID15}') OR regexp_matches(nid, '{_MASKED}')""",
        )
    finally:
        con.unregister("stored_person_ids")
    return {
        str(sid): _embedded(bool(han), False, re.search(f"{_ID18}|{_ID15}|{_MASKED}", nid) is not None, False, nid)
        for sid, nid, han in rows
    }


__all__ = [
    "FIX",
    "ID_KEY_ENV",
    "Exposure",
    "exposing_shapes",
    "exposures",
    "folded",
    "id_key",
    "opaque_id",
    "shown",
]
