"""Drawing networks as interactive pictures that open offline: pyvis Networks rendered with our own template.

pyvis 0.3.2 has no offline mode: every one of its templates loads Bootstrap from a CDN (a blocking script tag,
so behind a proxy that drops requests the page hangs), and its ``local`` mode writes ``lib/`` into the working
directory. It is also unsafe with plan text: if any tooltip contains "href" it switches every tooltip to
``innerHTML``, and it inserts the heading and node ids into the page raw. So we use pyvis for what it is good at
(the Network object: nodes, edges, options in vis-network's vocabulary) and render it ourselves:

- vis-network's JS and CSS come from the copy bundled inside the pyvis package (``templates/lib/vis-9.1.2``),
  inlined into a standalone page or written once into a site's ``static/`` folder; nothing is fetched.
- node ids are opaque (``n0``, ``n1``...), tooltips are plain text (vis-network sets string titles with
  ``innerText``), the heading goes through Jinja's autoescape, and node/edge data travel as JSON inside a
  ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, so no plan text can close the
  block or start markup.
- colours belong to groups defined in the options (a node's ``group`` overrides its ``color``).
- positions are precomputed (seeded, so the same graph draws the same way); beyond ``PHYSICS_LIMIT`` nodes
  physics is off, because vis-network's simulation never settles on ~2,000 nodes (FACTS.md: 60 s+ with the
  defaults, 0.8 s with a precomputed layout and physics off).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pyvis.edge import Edge
from pyvis.network import Network

from .errors import CspgraphError
from .graph import write_atomic
from .namespaces import slug_of

#: above this many nodes the layout is computed once in Python and the browser's physics is switched off
PHYSICS_LIMIT = 300
#: the vis-network build bundled inside pyvis 0.3.2
VIS_VERSION = "9.1.2"


@dataclass(frozen=True)
class Group:
    """How one class of node looks: the legend entry and the vis-network group options."""

    key: str
    label: str
    colour: str
    shape: str = "dot"

    def options(self) -> dict[str, Any]:
        return {"shape": self.shape, "color": {"background": self.colour, "border": _darker(self.colour),
                                               "highlight": {"background": self.colour, "border": "#000000"}}}


def _darker(colour: str, factor: float = 0.7) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))


# One colour per agency type (docs/rdf-mapping.md's fixed slug list), and one per other kind of node. Sixteen
# colours cannot all be told apart by everyone: the legend, the tooltips and the filters carry the type too.
AGENCY_TYPE_GROUPS: dict[str, Group] = {g.key: g for g in (
    Group("police", "Police", "#1f4e99"),
    Group("local-authority", "Local authority", "#2ca02c"),
    Group("fire-and-rescue", "Fire and rescue", "#d62728"),
    Group("probation", "Probation", "#8c564b"),
    Group("health", "Health", "#17becf"),
    Group("housing", "Housing", "#ff7f0e"),
    Group("education", "Education", "#9467bd"),
    Group("charity", "Charity", "#e377c2"),
    Group("community-group", "Community group", "#bcbd22"),
    Group("business", "Business", "#7f7f7f"),
    Group("sport", "Sport", "#6baed6"),
    Group("military", "Military", "#556b2f"),
    Group("government", "Government", "#393b79"),
    Group("partnership", "Partnership", "#e6a04b"),
    Group("parish-council", "Parish council", "#74c476"),
    Group("media", "Media", "#a0785a"),
)}
KIND_GROUPS: dict[str, Group] = {g.key: g for g in (
    Group("initiative", "Initiative", "#f2c14e", "square"),
    Group("harm", "Harm", "#c0392b", "triangle"),
    Group("priority", "Priority", "#5e3c99", "diamond"),
    Group("place", "Place", "#4daf4a", "star"),
    Group("plan", "Plan", "#444444", "box"),
    Group("other", "Other", "#bbbbbb"),
)}
GROUPS: dict[str, Group] = {**AGENCY_TYPE_GROUPS, **KIND_GROUPS}


def group_of(value: Any) -> Group:
    """The group for a node's ``type`` attribute: an agency-type slug or IRI, or a kind of node."""
    key = slug_of(str(value)) if value else "other"
    return GROUPS.get(key, KIND_GROUPS["other"])


# ------------------------------------------------------------------------------------------------ layout


def layout(graph: nx.Graph, seed: int = 7) -> tuple[dict[Hashable, tuple[float, float]], str]:
    """Positions for every node, in vis-network pixels, and the name of the method used.

    Small graphs get networkx's spring layout (seeded). Large ones get igraph's grid Fruchterman-Reingold
    (0.15 s for 2,000 nodes, measured), because ``nx.spring_layout`` takes ~10 s there and needs scipy.

    >>> pos, method = layout(nx.path_graph(3))
    >>> len(pos), method
    (3, 'spring')
    """
    n = graph.number_of_nodes()
    if n == 0:
        return {}, "none"
    nodes = list(graph.nodes)
    if n <= PHYSICS_LIMIT:
        raw, method = nx.spring_layout(graph, seed=seed), "spring"
    else:
        raw, method = _large_layout(graph, nodes, seed)
    scale = 90 * math.sqrt(n) + 150
    xs = [p[0] for p in raw.values()]
    ys = [p[1] for p in raw.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {v: (round((raw[v][0] - cx) / span * scale, 1), round((raw[v][1] - cy) / span * scale, 1))
            for v in nodes}, method


def _large_layout(graph: nx.Graph, nodes: list, seed: int) -> tuple[dict, str]:
    import igraph  # imported here: only large drawings need it, and it costs start-up time

    index = {v: i for i, v in enumerate(nodes)}
    ig = igraph.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in graph.edges() if a != b])
    # igraph draws from a module-wide generator: seed it for a repeatable picture, then give it back
    igraph.set_random_number_generator(random.Random(seed))
    try:
        coords = ig.layout_fruchterman_reingold(grid="auto").coords
    finally:
        igraph.set_random_number_generator(random)
    return {v: tuple(coords[i]) for v, i in index.items()}, "igraph fruchterman-reingold"


# ------------------------------------------------------------------------------------------------ drawing


def default_title(graph: nx.Graph, node: Hashable, data: Mapping[str, Any]) -> str:
    """A plain-text tooltip: the label, the node's kind, what it delivers (co-delivery networks) and its links.

    Plain text on purpose: vis-network shows a string title with ``innerText``, so nothing in it can run.
    """
    lines = [str(data.get("label") or node), str(data.get("type_label") or group_of(data.get("type")).label)]
    if "lead_count" in data:
        lines.append(f"leads {data['lead_count']}, partner in {data.get('partner_count', 0)} initiative(s)")
    degree = graph.degree(node)
    lines.append(f"{degree} connection{'s' if degree != 1 else ''}")
    if data.get("units"):
        lines.append("teams named: " + ", ".join(map(str, data["units"])))
    return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Drawing:
    """A graph turned into a pyvis Network with opaque ids, positions, groups and options.

    ``ids`` maps each graph node to its opaque id (``n0``...), so pages can find a node without ever putting
    a graph node (an IRI, a name from a plan) into an id, attribute or script.
    """

    network: Network
    ids: dict[Hashable, str]
    groups: tuple[Group, ...]
    physics: bool
    layout_method: str
    layout_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def options(self) -> dict[str, Any]:
        return self.network.options

    def data(self) -> dict[str, Any]:
        """What the browser needs: vis-network nodes, edges and options, plus any extra page data."""
        return {"nodes": self.network.nodes, "edges": self.network.edges, "options": self.options, **self.extra}


def draw(graph: nx.Graph, *, label: str = "label", group: str = "type", weight: str = "weight",
         title: Callable[[nx.Graph, Hashable, Mapping[str, Any]], str] = default_title,
         node_data: Callable[[Hashable, Mapping[str, Any]], dict[str, Any]] | None = None,
         edge_data: Callable[[Hashable, Hashable, Mapping[str, Any]], dict[str, Any]] | None = None,
         seed: int = 7) -> Drawing:
    """Turn a networkx graph into a :class:`Drawing` ready for :func:`render_page` or an explorer page.

    Node labels come from the ``label`` attribute, colours from the ``group`` attribute (an agency type or a
    kind of node, see :data:`GROUPS`), edge widths from ``weight``. ``node_data``/``edge_data`` may add
    fields the page's own script reads (e.g. which initiatives an edge stands for); they travel as JSON.

    >>> g = nx.Graph(); g.add_node("a", label="Essex Police", type="police"); g.add_node("b", label="CBC")
    >>> g.add_edge("a", "b", weight=2)
    >>> d = draw(g)
    >>> [n["id"] for n in d.network.nodes], d.network.edges[0]["value"]
    (['n0', 'n1'], 2)
    """
    started = time.perf_counter()
    positions, method = layout(graph, seed)
    seconds = time.perf_counter() - started
    physics = graph.number_of_nodes() <= PHYSICS_LIMIT
    net = Network(height="640px", width="100%", directed=graph.is_directed(), cdn_resources="in_line")
    ids: dict[Hashable, str] = {}
    used: dict[str, Group] = {}
    for i, (node, data) in enumerate(graph.nodes(data=True)):
        nid = ids[node] = f"n{i}"
        grp = group_of(data.get(group))
        used[grp.key] = grp
        x, y = positions[node]
        extra = node_data(node, data) if node_data else {}
        net.add_node(nid, label=str(data.get(label) or node), shape=grp.shape, group=grp.key,
                     title=title(graph, node, data), x=x, y=y, value=graph.degree(node, weight=weight) or 1,
                     **extra)
    for a, b, data in graph.edges(data=True):
        w = data.get(weight, 1)
        extra = edge_data(a, b, data) if edge_data else {}
        # networkx already holds each edge once: appending pyvis Edges directly skips Network.add_edge's
        # duplicate scan over every edge so far, which is quadratic (minutes on a national-scale graph)
        edge = Edge(ids[a], ids[b], graph.is_directed(), value=w,
                    title=f"{graph.nodes[a].get(label) or a} - {graph.nodes[b].get(label) or b}: {w}", **extra)
        net.edges.append(edge.options)
    net.options = _options(tuple(used.values()), physics)
    groups = tuple(sorted(used.values(), key=lambda g: list(GROUPS).index(g.key)))
    return Drawing(net, ids, groups, physics, method, seconds)


def _options(groups: tuple[Group, ...], physics: bool) -> dict[str, Any]:
    return {
        "groups": {g.key: g.options() for g in groups},
        "nodes": {"font": {"size": 14, "face": "sans-serif"}, "scaling": {"min": 8, "max": 30}},
        "edges": {"color": {"color": "#9aa5b1", "highlight": "#333333"}, "smooth": False,
                  "scaling": {"min": 1, "max": 8}},
        "physics": {"enabled": physics, "solver": "forceAtlas2Based",
                    "stabilization": {"enabled": physics, "iterations": 150, "fit": True}},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False, "keyboard": False},
        "layout": {"improvedLayout": False},
    }


# ------------------------------------------------------------------------------------------------ HTML


def safe_json(value: Any) -> Markup:
    """JSON that is safe inside ``<script type="application/json">``: no ``</script>``, ``<!--`` or ``&``.

    >>> str(safe_json({"t": "</script><!--"}))
    '{"t": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return Markup(text)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment for every page we write: autoescape on, templates from the package."""
    env = Environment(loader=PackageLoader("cspgraph", "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["json"] = safe_json
    return env


def vis_assets() -> dict[str, str]:
    """vis-network's JS and CSS, read from the copy bundled with pyvis (nothing is downloaded)."""
    import pyvis

    folder = Path(pyvis.__file__).parent / "templates" / "lib" / f"vis-{VIS_VERSION}"
    return {"vis-network.min.js": (folder / "vis-network.min.js").read_text(encoding="utf-8"),
            "vis-network.css": (folder / "vis-network.css").read_text(encoding="utf-8")}


def static_asset(name: str) -> str:
    """One of our own static files (``site.css``, ``graph.js``...), from the package."""
    from importlib.resources import files

    return files("cspgraph").joinpath("static", name).read_text(encoding="utf-8")


def _inline(text: str) -> Markup:
    # our own files and vis-network's never contain these; refuse rather than emit a page that breaks out
    if "</script" in text.lower() or "</style" in text.lower() or "<!--" in text:
        raise ValueError("an inlined asset contains </script>, </style> or <!--")
    return Markup(text)


def render_page(drawing: Drawing, heading: str, *, description: str = "") -> str:
    """A standalone HTML page that shows the drawing with everything inlined: open it from anywhere, offline."""
    assets = vis_assets()
    scripts = (_inline(assets["vis-network.min.js"]), _inline(static_asset("graph.js")))
    return environment().get_template("graph.html").render(
        heading=heading, description=description, drawing=drawing, groups=drawing.groups,
        graph_data=drawing.data(), vis_css=_inline(assets["vis-network.css"]), vis_js=scripts[0],
        site_css=_inline(static_asset("site.css")), graph_js=scripts[1], csp=content_security_policy(scripts),
    )


def content_security_policy(inline_scripts: tuple[str, ...] = ()) -> str:
    """The page's Content-Security-Policy: nothing from the network, scripts only from the page's own files.

    Inline scripts are allowed by their SHA-256 hash (CSP Level 2, "hash-source"), so a script that plan text
    somehow smuggled into a page would still not run. ``file:`` is listed beside ``'self'`` because browsers
    give ``file://`` pages an opaque origin that ``'self'`` does not match.
    """
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in inline_scripts)
    script = f"'self' file: {hashes}".strip()
    return ("default-src 'none'; "
            f"script-src {script}; style-src 'self' file: 'unsafe-inline'; img-src 'self' file: data:; "
            "connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")


def write_html(graph: nx.Graph, path: Path | str, heading: str, *, description: str = "", **kwargs: Any) -> Drawing:
    """Draw ``graph`` and write it to ``path`` as one offline HTML file (atomically). Returns the drawing.

    This is what ``cspgraph network --html OUT.html`` writes.
    """
    drawing = draw(graph, **kwargs)
    target = Path(path)
    try:
        write_atomic(target, render_page(drawing, heading, description=description).encode("utf-8"))
    except OSError as err:
        raise CspgraphError(f"{target}: cannot write the picture: {err.strerror}\n"
                            "  -> choose a folder you can write to") from None
    return drawing
