"""Drawing networks offline: our own template, opaque ids, plain-text tooltips, escaped JSON, precomputed layout."""

from __future__ import annotations

import json
import re

import networkx as nx

from cspgraph import drawing


def _graph() -> nx.Graph:
    g = nx.Graph()
    g.add_node("https://w3id.org/cspgraph/id/agency/a", label="Essex Police <script>x()</script>", type="police")
    g.add_node("b", label='See <a href="https://example.org">href</a>', type="charity")
    g.add_node("c", label="Unknown kind", type="no-such-type")
    g.add_edge("https://w3id.org/cspgraph/id/agency/a", "b", weight=3)
    return g


def test_nodes_get_opaque_ids_groups_and_plain_titles():
    d = drawing.draw(_graph())
    assert [n["id"] for n in d.network.nodes] == ["n0", "n1", "n2"]
    assert [n["group"] for n in d.network.nodes] == ["police", "charity", "other"]
    assert all("color" not in n for n in d.network.nodes)  # a group's colour, set in the options, applies
    assert set(d.options["groups"]) == {"police", "charity", "other"}
    assert d.network.nodes[1]["title"].startswith('See <a href="https://example.org">href</a>\nCharity')
    assert d.network.edges == [{"from": "n0", "to": "n1", "value": 3,
                                "title": "Essex Police <script>x()</script> - "
                                         'See <a href="https://example.org">href</a>: 3'}]
    assert [g.key for g in d.groups] == ["police", "charity", "other"]


def test_safe_json_cannot_close_a_script_block():
    text = str(drawing.safe_json({"t": "</script><!--<script>&\u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><!--<script>&\u2028"}


def test_standalone_page_is_offline_escaped_and_inlined(tmp_path):
    out = tmp_path / "g.html"
    d = drawing.write_html(_graph(), out, "Heading <b>bold</b>", description="<i>why</i>")
    body = out.read_text(encoding="utf-8")
    assert "<h1>Heading &lt;b&gt;bold&lt;/b&gt;</h1>" in body and "&lt;i&gt;why&lt;/i&gt;" in body
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body)  # no CDN, no remote anything
    assert "bootstrap" not in body.lower() and "cdnjs" not in body and "tom-select" not in body
    assert "<script>x()</script>" not in body  # node data travels escaped: \u003cscript\u003e
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', body, re.DOTALL).group(1))
    assert data["nodes"][0]["label"] == "Essex Police <script>x()</script>"
    # every inline script is allowed by its hash, and nothing else may run
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', body).group(1)
    assert policy.count("sha256-") == 2 and "unsafe-inline" not in policy.split("style-src")[0]
    assert d.physics and len(d.network.nodes) == 3


def test_large_graphs_get_a_precomputed_layout_and_no_physics():
    g = nx.barabasi_albert_graph(drawing.PHYSICS_LIMIT + 50, 2, seed=1)
    d = drawing.draw(g)
    assert not d.physics and d.options["physics"]["enabled"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in d.network.nodes)
    again = drawing.draw(g)  # seeded: the same graph is drawn the same way
    assert [(n["x"], n["y"]) for n in again.network.nodes] == [(n["x"], n["y"]) for n in d.network.nodes]


def test_empty_graph_draws():
    d = drawing.draw(nx.Graph())
    assert d.network.nodes == [] and d.network.edges == []


def test_cli_network_html_writes_one_offline_page(mini_paths, tmp_path):
    from click.testing import CliRunner

    from cspgraph.cli import cli

    out = tmp_path / "net.html"
    args = ["--root", str(mini_paths.root), "--ontology", str(mini_paths.ontology), "--queries", str(mini_paths.queries)]
    result = CliRunner().invoke(cli, [*args, "network", "--html", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = out.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', body, re.DOTALL).group(1))
    # tests/fixtures/mini/data/sources/mini-plan.txt:7 "Youth Boxing  Mini Borough Council / Essex Police":
    # the two agencies share one initiative (the council's team on line 6 counts as the council)
    assert sorted(n["label"] for n in data["nodes"]) == ["Essex Police", "Mini Borough Council"]
    assert len(data["edges"]) == 1 and data["edges"][0]["value"] == 1
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body)
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # readable by others, like any file the user writes
