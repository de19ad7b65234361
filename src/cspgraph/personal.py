"""Contact details in plan text: e-mail addresses and telephone numbers, found so that none is published.

Plans name a point of contact with an e-mail address or a phone number, and what a plan says ends up in the
graph, the pushed named graph and the explorer, which are meant to be shared. cspgraph publishes no contact
details by default: ``cspgraph import`` withholds them as it copies a plan (its table and its source
document), and the data loader refuses curated data or a source text that still holds one, naming the file,
line and field. An office's address and a person's look alike, so both are withheld; people's names cannot
be told from organisations' by pattern, and stay the curator's job (``data/sources/redact.py``).

Telephone numbers are UK ones (England and Wales): ten or eleven digits starting with 0, or +44, spaced,
hyphenated or bracketed as people write them. Short numbers (101, 999, 111) are public services, not
contacts, and are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataError, Location

EMAIL = re.compile(r"(?:mailto:)?[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
#: a run of digit groups, each after one space or hyphen, that may be a phone number or hold one; not after a
#: letter, digit, point, comma or slash (a decimal, a thousand, a date)
_RUN = re.compile(r"(?<![\w.,/])(?:\+44[ \-]?)?(?:\(0\)[ \-]?)?\(?\d+\)?(?:[ \-]\(?\d+\)?)*(?![\w.,/]\d)")
_TOKEN = re.compile(r"\+44|\(0\)|\d+")
#: cheap tests that every contact passes: a literal first character lets the regular expression engine skip
#: ahead, 0.05 s for the 118 MB of a national dataset where a search for the phone pattern took 2.9 s and
#: for EMAIL 5.9 s
_PHONE_HINT = re.compile(r"0\d[\d \-()]{7,14}\d")

EMAIL_MARK = "[e-mail redacted]"
PHONE_MARK = "[phone number redacted]"


@dataclass(frozen=True)
class Contact:
    """One contact detail in a text: ``kind`` is "e-mail address" or "telephone number"."""

    kind: str
    start: int
    end: int

    @property
    def mark(self) -> str:
        return EMAIL_MARK if self.kind == "e-mail address" else PHONE_MARK


def hint(found: list[Contact]) -> str:
    """What to do about ``found``: write the mark of each kind in its place."""
    marks = " or ".join(f"'{mark}'" for mark in dict.fromkeys(c.mark for c in found))
    return f"write {marks} in its place: cspgraph publishes no contact details (README, Personal data)"


def _phones(text: str) -> Iterator[tuple[int, int]]:
    """Where the UK telephone numbers are: 10 or 11 digits from a 0 (or +44), in at most three groups, the
    first of 3-5 digits (020, 0121, 01206, 07700, 0800) unless the number is written unspaced. A run of
    numbers ("01206 282222 01206 282223", "in 2019 01206 282222") is read group by group, so that a number
    is found beside others; a lone 0 starts no number (a table's counts: "0 12 3 45 6 7")."""
    for run in _RUN.finditer(text):
        tokens = list(_TOKEN.finditer(text, run.start(), run.end()))
        i = 0
        while i < len(tokens):
            end = _phone_at(tokens, i)
            if end is None:
                i += 1
                continue
            start = tokens[i].start()
            if start > 0 and text[start - 1] == "(":
                start -= 1  # "(01206) 282222"
            stop = tokens[end].end()
            if stop < len(text) and text[stop] == ")" and "(" in text[start:stop]:
                stop += 1
            yield start, stop
            i = end + 1


def _phone_at(tokens: list[re.Match], i: int) -> int | None:
    """The index of the last group of a phone number starting at ``tokens[i]``, or None (the longest wins)."""
    first = i
    if tokens[i].group() == "+44":
        digits, first = "0", i + 1
        if first < len(tokens) and tokens[first].group() == "(0)":
            first += 1
    elif tokens[i].group().startswith("0") and len(tokens[i].group()) in (3, 4, 5, 10, 11):
        digits = ""
    else:
        return None
    found = None
    for j in range(first, min(first + 3, len(tokens))):
        group = tokens[j].group()
        if not group.isdigit():
            break
        digits += group
        if len(digits) > 11:
            break
        if len(digits) >= 10 and digits[1] != "0":
            found = j
    return found


def maybe(text: str) -> bool:
    """False when ``text`` certainly holds no contact detail (fast: a whole national dataset in 0.1 s)."""
    return "@" in text or "+44" in text or _PHONE_HINT.search(text) is not None


def find(text: str) -> list[Contact]:
    """The contact details in ``text``, in order.

    >>> [(c.kind, c.start) for c in find("Call 01206 282222 or mail team@example.org; dial 101")]
    [('telephone number', 5), ('e-mail address', 26)]
    >>> find("Dec 2017 - Dec 2020, 10,000 young people, 1.09001 2020")
    []
    """
    if not maybe(text):
        return []
    found = [Contact("e-mail address", m.start(), m.end()) for m in EMAIL.finditer(text)]
    found += [Contact("telephone number", start, end) for start, end in _phones(text)
              if not any(c.start <= start < c.end for c in found)]
    return sorted(found, key=lambda c: c.start)


def redact(text: str) -> tuple[str, list[Contact]]:
    """``text`` with each contact detail replaced by its mark, and what was replaced (positions in ``text``).

    A contact never spans lines, so the text keeps its line numbers.

    >>> redact("PC Smith: 07700 900456, mailto:pc.smith@example.org")[0]
    'PC Smith: [phone number redacted], [e-mail redacted]'
    """
    found = find(text)
    if not found:
        return text, []
    parts, at = [], 0
    for contact in found:
        parts += [text[at:contact.start], contact.mark]
        at = contact.end
    parts.append(text[at:])
    return "".join(parts), found


def describe(found: list[Contact]) -> str:
    """"2 e-mail addresses and a telephone number": what ``found`` holds, in words."""
    words = []
    for kind, one, many in (("e-mail address", "an e-mail address", "e-mail addresses"),
                            ("telephone number", "a telephone number", "telephone numbers")):
        n = sum(1 for c in found if c.kind == kind)
        if n:
            words.append(one if n == 1 else f"{n} {many}")
    return " and ".join(words)


def _strings(value: Any, where: Callable[[], Location]) -> Iterator[tuple[str, Callable[[], Location]]]:
    """Every text in a parsed YAML document, each with where it sits (a record's key, or its list's)."""
    if isinstance(value, str):
        yield value, where
    elif isinstance(value, dict):
        at = getattr(value, "where", None)  # a LocatedDict names each key's line
        for key, item in value.items():
            yield from _strings(item, (lambda key=key: at(str(key))) if at is not None else where)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, where)


def refuse_in_document(path: Path, text: str, doc: Any) -> None:
    """Raise a DataError at the first field of a parsed YAML file that holds a contact detail.

    ``text`` is the file as read: only a file whose text may hold one is walked, which keeps the check off a
    national load's time. A contact in a YAML comment is never published, and is not refused.
    """
    if not maybe(text):
        return
    for value, where in _strings(doc, lambda: Location(path)):
        found = find(value)
        if found:
            raise DataError(f"personal data: {describe(found)} in the text", where(), hint(found))


def refuse_in_text(path: Path, text: str) -> None:
    """Raise a DataError at the first line of a source text that holds a contact detail."""
    if not maybe(text):
        return
    for number, line in enumerate(text.split("\n"), start=1):
        found = find(line)
        if found:
            raise DataError(f"personal data: {describe(found)} on this line of a source text",
                            Location(path, number), hint(found))
