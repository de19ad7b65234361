"""Make the redacted plan texts in ``data/sources/`` from the extracted source texts (a one-off curation tool).

The source texts (``../shared/sources/*.txt`` beside the checkout, not part of the repository) name private
individuals and give their e-mail addresses. This script copies each text line for line (same line count, same
line numbers, same bytes otherwise) and replaces

- every e-mail address, including a whole ``mailto:`` link, by ``[e-mail redacted]``;
- each private individual's name by ``[name redacted]`` (the Colchester MP's personal name: "Colchester MP
  [name redacted]").

Organisation names stay. The names to withhold are personal data themselves, so they are never written into the
repository: give them on the command line, or in a text file OUTSIDE the repository (one name a line; blank lines
and lines starting with ``#`` are ignored). It was run once, from the project root, against the extracts::

    python3 data/sources/redact.py --names ../shared/redact-names.txt
    python3 data/sources/redact.py --name "First Last" --name "Other Person" --source-dir ../shared/sources

``--out DIR`` writes elsewhere than ``data/sources/`` (to compare a rerun with the committed files).
``tests/test_data.py`` checks the result without the names in clear: it holds salted SHA-256 hashes of them
and, when ``../shared/sources`` is present, compares each original line with its redacted line.

It refuses a names file inside the repository, and refuses to write a file whose line count differs from its
original or that still holds an address or a listed name.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

#: original file name -> redacted file name
FILES = {
    "000_6d35f13e9c5457e9.txt": "scp-plan-2018-19.txt",
    "001_a73787f946e5a746.txt": "scp-plan-2020-21.txt",
}

EMAIL = re.compile(r"(?:mailto:)?[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def redact(text: str, names: Iterable[str]) -> str:
    """The text with e-mail addresses and the given names replaced.

    >>> redact("Speaker A. N. Other, mailto:someone@example.org", ["A. N. Other"])
    'Speaker [name redacted], [e-mail redacted]'
    """
    text = EMAIL.sub("[e-mail redacted]", text)
    for name in names:
        text = text.replace(name, "[name redacted]")
    return text


def read_names(path: Path) -> list[str]:
    """The names in ``path`` (one a line, ``#`` comments), which must lie outside the repository."""
    resolved = path.resolve()
    if resolved.is_relative_to(REPO):
        raise SystemExit(f"{path}: the names file is inside the repository; keep it outside (e.g. ../shared/)")
    lines = resolved.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def main(source_dir: Path, out_dir: Path, names: list[str]) -> None:
    if not names:
        raise SystemExit("no names given: pass --names FILE (outside the repository) or --name NAME")
    for original, target in FILES.items():
        raw = (source_dir / original).read_text(encoding="utf-8")
        done = redact(raw, names)
        if done.count("\n") != raw.count("\n"):
            raise SystemExit(f"{original}: line count changed")
        left = EMAIL.findall(done) + [n for n in names if n in done]
        if left:
            raise SystemExit(f"{original}: still holds {len(left)} address(es) or name(s)")
        fd, tmp = tempfile.mkstemp(prefix=f".{target}.", dir=out_dir)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(done)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the texts are published
        os.replace(tmp, out_dir / target)
        print(f"{original} -> {out_dir / target}: {done.count(chr(10)) + 1} lines")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=Path, help="a text file outside the repository: one name a line")
    parser.add_argument("--name", action="append", default=[], help="a name to withhold (repeatable)")
    parser.add_argument("--source-dir", type=Path, default=REPO.parent / "shared" / "sources",
                        help="the unredacted extracts (default: ../shared/sources beside the checkout)")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: data/sources/)")
    args = parser.parse_args()
    main(args.source_dir, args.out, (read_names(args.names) if args.names else []) + args.name)
