"""Parameters are bound as RDF terms, never spliced; saved questions are read-only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cspgraph.errors import QueryError
from cspgraph.graph import build_graph
from cspgraph.questions import ask, bind, parse_question
from cspgraph.store import OxigraphStore, RdflibStore

HARM_QUESTION = """\
#+ title: Initiatives on a harm
#+ question: Which initiatives address this harm?
#+ params:
#+   - {name: harm, label: Harm, type: iri, prefix: "id:harm/", default: county-lines}
SELECT ?initiative ?label WHERE {
  ?initiative csp:addressesHarm ?harm ; rdfs:label ?label .
}
ORDER BY ?label
"""

NAME_QUESTION = """\
#+ title: Initiative by name
#+ question: Which initiative has this exact name?
#+ params:
#+   - {name: name, label: Name, type: string}
SELECT ?initiative WHERE { ?initiative a csp:Initiative ; rdfs:label ?name . }
"""


def _question(tmp_path: Path, text: str, name: str = "q.rq"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_question(path)


@pytest.fixture
def stores(mini_paths):
    graph = build_graph(mini_paths).graph
    return [OxigraphStore.from_graph(graph), RdflibStore(graph)]


def test_default_parameter_binds_an_iri(tmp_path, stores):
    q = _question(tmp_path, HARM_QUESTION)
    for store in stores:
        answer = ask(q, store)
        # tests/fixtures/mini plan: Op Example and Youth Boxing address county-lines (harms: lines of the YAML)
        assert [r["label"] for r in answer.records()] == ["Op Example", "Youth Boxing"], store.name


def test_parameter_given_as_slug_prefixed_name_or_iri(tmp_path, stores):
    q = _question(tmp_path, HARM_QUESTION)
    for value in ("anti-social-behaviour", "id:harm/anti-social-behaviour",
                  "https://w3id.org/cspgraph/id/harm/anti-social-behaviour"):
        answer = ask(q, stores[0], {"harm": value})
        assert [r["label"] for r in answer.records()] == ["Street Cleanup", "Youth Boxing"]


@pytest.mark.parametrize("payload", ['"} ; DROP ALL ; {', "x } UNION { ?s ?p ?o", '\\" }', "Op Example\" } #"])
def test_injection_attempts_are_bound_as_plain_literals(tmp_path, stores, payload):
    q = _question(tmp_path, NAME_QUESTION)
    assert len(ask(q, stores[0], {"name": "Op Example"}).rows()) == 1  # the control: a real name matches
    _, bound = bind(q, {"name": payload})
    assert str(bound["name"]) == payload
    for store in stores:
        before = len(store) if hasattr(store, "__len__") else len(store.graph)
        answer = ask(q, store, {"name": payload})
        assert answer.empty  # no label equals the payload, and nothing else was matched
        after = len(store) if hasattr(store, "__len__") else len(store.graph)
        assert before == after


def test_injection_into_an_iri_parameter_is_refused(tmp_path):
    q = _question(tmp_path, HARM_QUESTION)
    for bad in ("county-lines> } ; DROP ALL ; {", "a b", 'x"y'):
        with pytest.raises(QueryError, match="not a valid IRI"):
            bind(q, {"harm": bad})


def test_unknown_parameter_is_refused(tmp_path):
    q = _question(tmp_path, HARM_QUESTION)
    with pytest.raises(QueryError, match="has no parameter 'year'"):
        bind(q, {"year": "2020-21"})


def test_update_is_refused(tmp_path):
    with pytest.raises(QueryError, match="read-only"):
        _question(tmp_path, "#+ title: t\n#+ question: q\nDROP ALL\n")
    with pytest.raises(QueryError, match="read-only"):
        _question(tmp_path, "#+ title: t\n#+ question: q\nINSERT DATA { <http://a> <http://b> <http://c> }\n")


def test_a_query_that_does_not_parse_is_named_by_its_line_in_the_file(tmp_path):
    """Oxigraph counts lines from the PREFIX lines put before the query; the message used to say "error at
    9:..." for the file's line 6. It now names the file's line and quotes it."""
    text = HARM_QUESTION.replace("csp:addressesHarm ?harm ;", "csp:addressesHarm ?harm ) ;")  # line 6 of the file
    with pytest.raises(QueryError) as refused:
        _question(tmp_path, text)
    message = str(refused.value)
    assert re.search(r"\.rq:6: the query does not parse near column \d+ \(Oxigraph: .+\)\n"
                     r"  \|   \?initiative csp:addressesHarm \?harm \) ;", message), message
    # a query that stops short: its last line is quoted, after blank lines and the header
    short = "#+ title: t\n#+ question: q\n\n\nSELECT ?s WHERE { ?s ?p ?o\n\n"
    with pytest.raises(QueryError, match=r"\.rq:5: the query does not parse by its end .*\n  \| SELECT \?s WHERE"):
        _question(tmp_path, short)


def test_missing_metadata_is_refused(tmp_path):
    with pytest.raises(QueryError, match="no 'question:'"):
        _question(tmp_path, "#+ title: t\nSELECT * WHERE { ?s ?p ?o }\n")


def test_braces_in_comments_and_strings_do_not_move_the_binding(tmp_path, stores):
    text = HARM_QUESTION.replace("SELECT ?initiative ?label WHERE {",
                                 '# a { brace in a comment\nSELECT ?initiative ?label WHERE {\n  FILTER(?label != "}{")')
    q = _question(tmp_path, text)
    assert [r["label"] for r in ask(q, stores[0]).records()] == ["Op Example", "Youth Boxing"]


NARROWING_QUESTION = """\
#+ title: Initiatives of a year
#+ question: Which initiatives are in this year's plans?
#+ params:
#+   - {name: year, label: Year, type: year}
SELECT ?initiative ?label WHERE {
  ?initiative csp:inPlan ?plan ; rdfs:label ?label .
  OPTIONAL {
    ?plan csp:planYear ?year .  # @narrows
    ?initiative csp:leadAgency ?lead .
  }
}
"""


def test_a_line_marked_narrows_is_read_only_when_its_parameter_is_given(tmp_path):
    q = _question(tmp_path, NARROWING_QUESTION)
    unbound, _ = bind(q, {}, narrow=True)  # as the embedded engines run it
    assert "csp:planYear" not in unbound and "@narrows" not in unbound
    assert "?initiative csp:leadAgency ?lead" in unbound
    assert "?plan csp:planYear ?year .  # @narrows" in bind(q, {})[0]  # the full text: a remote endpoint's
    bound, _ = bind(q, {"year": "2020-21"}, narrow=True)
    assert "?plan csp:planYear ?year .  # @narrows" in bound
    # the year reaches the OPTIONAL group: its block follows the group's brace
    optional = bound.index("OPTIONAL {")
    assert bound.index('VALUES ?year { "2020-21" }', optional) < bound.index("csp:planYear", optional)


@pytest.mark.parametrize(("line", "problem"), [
    ("?plan a csp:Plan .  # @narrows", "names no parameter's variable"),
    ("?plan a csp:Plan . # ?year  # @narrows", "names no parameter's variable"),  # in a comment: not named
    ('?plan rdfs:comment "?year" .  # @narrows', "names no parameter's variable"),  # in a string: not named
    ("?plan csp:planYear ?year . } OPTIONAL { ?plan a csp:Plan .  # @narrows", "is not one whole triple pattern"),
    ("?plan csp:planYear ?year ;  # @narrows", "is not one whole triple pattern"),
    ("?plan a csp:Plan ;\n    csp:planYear ?year .  # @narrows", "is not one whole triple pattern"),
])
def test_a_line_marked_narrows_that_could_not_be_left_out_safely_is_refused(tmp_path, line, problem):
    text = NARROWING_QUESTION.replace("?plan csp:planYear ?year .  # @narrows", line)
    number = 8 + line.count("\n")
    with pytest.raises(QueryError, match=rf"q\.rq:{number}: the line marked '# @narrows' {re.escape(problem)}"):
        _question(tmp_path, text)


def test_a_comment_that_ends_with_the_mark_is_only_a_comment(tmp_path):
    text = NARROWING_QUESTION.replace("  OPTIONAL {", "  # a note on ?year # @narrows\n  OPTIONAL {")
    q = _question(tmp_path, text)
    assert "# a note on ?year # @narrows" in bind(q, {}, narrow=True)[0]


@pytest.mark.parametrize("old, new, key, hint", [
    ("#+ question: Which", "#+ emtpy: Nothing found.\n#+ question: Which", "emtpy", "did you mean 'empty'?"),
    ("label: Name, type: string}", "lable: Name, type: string}", "lable", "did you mean 'label'?"),
    ("#+ question: Which", "#+ view: {type: graph, souce: a}\n#+ question: Which", "souce", "did you mean 'source'?"),
])
def test_a_misspelt_header_key_is_refused_with_a_suggestion(tmp_path, old, new, key, hint):
    """A key the header (or a parameter, or the view) does not have would be dropped without a word, and its
    text with it (a review found `#+ emtpy:` accepted and the empty-answer text lost)."""
    from cspgraph.errors import QueryError

    with pytest.raises(QueryError) as caught:
        _question(tmp_path, NAME_QUESTION.replace(old, new))
    assert f"unknown key '{key}'" in str(caught.value) and hint in str(caught.value)
    assert str(tmp_path / "q.rq") in str(caught.value)
