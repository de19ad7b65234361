"""How a user names a thing on the command line: an IRI, a prefixed name, a slug or its label.

The analyses (``--partnership``, ``--harm``, ``--priority``) and the explorer's scope (``--partnership``,
``--pfcc-plan``) take the same forms, so that what works in one command works in the next, and an unknown
name gets the same "did you mean" answer everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from .errors import QueryError
from .namespaces import ID, PREFIXES, slug_of


def resolve(value: str, kind: str, known: Mapping[str, Any], noun: str | None = None,
            where: str = "in the graph") -> str:
    """The IRI among ``known`` that ``value`` names: an IRI, a prefixed name (``id:harm/x``), the slug after
    ``id:<kind>/`` (``county-lines``) or a label (case aside); the values of ``known`` are labels, or objects
    with a ``label``.

    Raises QueryError naming the close or the known ones otherwise, calling the thing ``noun`` (default: ``kind``)
    and the place looked in ``where`` (a table of one force area's plans says so).

    >>> resolve("County lines", "harm", {"https://w3id.org/cspgraph/id/harm/county-lines": "County lines"})
    'https://w3id.org/cspgraph/id/harm/county-lines'
    """
    text = str(value).strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, rest = text.partition(":")
    if sep and prefix in PREFIXES and not text.startswith(("http:", "https:")):
        text = str(PREFIXES[prefix]) + rest
    # plain text, not ID[...]: rdflib warns about an IRI with a space, and a label may have one
    candidate = text if text.startswith(("http://", "https://")) else f"{ID}{kind}/{text}"
    if candidate in known:
        return candidate
    by_label = [iri for iri, item in known.items() if _label_of(item).lower() == text.lower()]
    if len(by_label) == 1:
        return by_label[0]
    shown = sorted(slug_of(k) if kind != "priority" else k.split("/priority/")[-1] for k in known)
    close = difflib.get_close_matches(text, shown, n=3, cutoff=0.5) + [s for s in shown if text.lower() in s][:3]
    if close:
        hint = "did you mean " + ", ".join(dict.fromkeys(close)) + "?"
    else:
        hint = "known: " + (", ".join(shown[:20]) + (" ..." if len(shown) > 20 else "") or "none")
    extra = " (or pfcc:N / scp:N)" if kind == "priority" else ""
    raise QueryError(f"no {noun or kind} '{value}' {where}\n  -> {hint}{extra}")


def _label_of(item: Any) -> str:
    return item if isinstance(item, str) else getattr(item, "label", "")
