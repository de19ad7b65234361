"""Make the redacted plan texts in ``data/sources/`` from the extracted source texts.

The source texts (``../shared/sources/*.txt`` beside the checkout, not part of the repository) name private
individuals and give their e-mail addresses. This script copies each text line for line (same line count, same
line numbers, same bytes otherwise) and replaces

- every e-mail address, including a whole ``mailto:`` link, by ``[e-mail redacted]``;
- each private individual's name by ``[name redacted]`` (the Colchester MP's personal name: "Colchester MP
  [name redacted]").

Organisation names stay. Run once from the project root::

    python3 data/sources/redact.py [SOURCE_DIR]

It refuses to write a file whose line count differs from its original or that still holds an address or name.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: original file name -> redacted file name
FILES = {
    "000_6d35f13e9c5457e9.txt": "scp-plan-2018-19.txt",
    "001_a73787f946e5a746.txt": "scp-plan-2020-21.txt",
}

#: names of private individuals found in the texts (school contact, trainer, author, speakers, the MP)
NAMES = ["[a person]", "[a person]", "[a person]", "[a person]", "[a person]", "[a person]"]

EMAIL = re.compile(r"(?:mailto:)?[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def redact(text: str) -> str:
    """The text with e-mail addresses and the listed names replaced.

    >>> redact("Colchester MP [a person], mailto:a.b@x.org.uk")
    'Colchester MP [name redacted], [e-mail redacted]'
    """
    text = EMAIL.sub("[e-mail redacted]", text)
    for name in NAMES:
        text = text.replace(name, "[name redacted]")
    return text


def main(source_dir: Path, out_dir: Path) -> None:
    for original, target in FILES.items():
        raw = (source_dir / original).read_text(encoding="utf-8")
        done = redact(raw)
        if done.count("\n") != raw.count("\n"):
            raise SystemExit(f"{original}: line count changed")
        left = EMAIL.findall(done) + [n for n in NAMES if n in done]
        if left:
            raise SystemExit(f"{original}: still holds {left}")
        (out_dir / target).write_text(done, encoding="utf-8")
        print(f"{original} -> {out_dir / target}: {done.count(chr(10)) + 1} lines")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else here.parents[2] / "shared" / "sources", here)
