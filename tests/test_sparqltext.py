"""Where parameters are bound in a query's text: the outermost group, and inner groups only where the answer
cannot change (the equivalence on every saved question: tests/test_questions_partnerships.py)."""

from __future__ import annotations

import pytest

from cspgraph.errors import QueryError
from cspgraph.sparqltext import binding_sites

P = frozenset({"p"})


def _groups_bound(query: str, variables: frozenset[str] = P) -> list[str]:
    """The text that follows each binding site, up to the end of its line: which group got the block."""
    sites = binding_sites(query, variables)
    assert sites[0].variables == variables  # the outermost group always binds every parameter
    return [query[s.at:].strip().split("\n")[0] for s in sites[1:]]


def test_a_union_branch_that_binds_the_variable_gets_it():
    query = "SELECT ?i WHERE {\n ?h a :H .\n {}\n UNION\n { ?i :in ?p ; :on ?h . }\n}"
    assert _groups_bound(query) == ["?i :in ?p ; :on ?h . }"]


def test_a_subquery_gets_only_the_variables_it_projects_as_they_are():
    query = ("SELECT ?i WHERE {\n {\n SELECT ?i ?p (COUNT(?x) AS ?q) WHERE {\n ?i :in ?p ; :x ?x ; :q ?q .\n }"
             " GROUP BY ?i ?p\n }\n}")
    sites = binding_sites(query, frozenset({"p", "q"}))
    assert [s.variables for s in sites[1:]] == [frozenset({"p"})]  # ?q is computed, not the outer ?q
    assert query[sites[1].at:].startswith("\n ?i :in ?p")  # inside its WHERE, never before SELECT


@pytest.mark.parametrize(("group", "bound"), [
    ("OPTIONAL { ?i :in ?p }", ["?i :in ?p }"]),  # the outermost block binds ?p on the left
    ("MINUS { ?i :in ?p }", ["?i :in ?p }"]),
    # bound by the group's own pattern before the OPTIONAL: both the group and its OPTIONAL get it
    ("{ ?i :in ?p OPTIONAL { ?i :was ?p } }", ["?i :in ?p OPTIONAL { ?i :was ?p } }", "?i :was ?p } }"]),
    ("{ ?i :in ?p MINUS { ?j :was ?p } }", ["?i :in ?p MINUS { ?j :was ?p } }", "?j :was ?p } }"]),
    # a UNION branch inside an OPTIONAL, and a subquery projecting ?p inside a MINUS
    ("OPTIONAL { {} UNION { ?i :in ?p } }", ["?i :in ?p } }"]),
    ("MINUS { SELECT ?i ?p WHERE { ?i :in ?p } }", ["?i :in ?p } }"]),
])
def test_the_right_side_of_optional_or_minus_gets_it_when_the_left_side_has_it_bound(group, bound):
    assert _groups_bound(f"SELECT ?i WHERE {{\n ?i a :I .\n {group}\n}}") == bound


@pytest.mark.parametrize("group", [
    "FILTER NOT EXISTS { ?i :in ?p }",  # EXISTS substitutes the row's values: left as it is
    "GRAPH ?g { ?i :in ?p }",
    "{ SELECT ?i ?p WHERE { ?i :in ?p } LIMIT 1 }",  # the limit would apply after the binding
    "{ ?i :x ?x FILTER(?p != ?x) }",  # only a FILTER mentions it: unbound inside the group
    # bound at the start, the OPTIONAL would read another value than the unbound ?p it reads now
    "{ OPTIONAL { ?i :was ?p } ?i :in ?p }",
    "{ ?i :x ?x OPTIONAL { ?i :in ?p } }",  # ?p is not bound on the left: a row without a match is kept
    "{ ?i :x ?x MINUS { ?i :in ?p } }",
    "{ ?i :in ?p BIND(?p AS ?q) ?i :also ?p }",
    "{ SELECT ?i WHERE { ?i :in ?p } }",  # not projected: inside, ?p is another variable
])
def test_groups_where_an_early_binding_could_change_the_answer_do_not_get_it(group):
    assert _groups_bound(f"SELECT ?i WHERE {{\n ?i a :I .\n {group}\n}}") == []


def test_braces_in_strings_and_comments_are_not_groups():
    query = ('SELECT ?i WHERE {\n # a { in a comment\n ?i :label "}{" ; :note """{""" ; :in <urn:x> .\n'
             ' { ?i :in ?p . }\n}')
    assert _groups_bound(query) == ["?i :in ?p . }"]


def test_unbalanced_braces_are_a_query_error():
    with pytest.raises(QueryError, match="unclosed"):
        binding_sites("SELECT ?i WHERE { { ?i :in ?p }", P)
    with pytest.raises(QueryError, match="no WHERE"):
        binding_sites("SELECT ?i", P)
