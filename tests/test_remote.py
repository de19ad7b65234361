"""Remote endpoints: push to a real Oxigraph server and get the same answers there as here.

Authentication, timeouts and odd answers are tested against a tiny local HTTP server (Oxigraph has no
authentication), which also plays a careless server that echoes the credentials it was sent, to check
that a password never reaches an error message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace

from cspgraph.cli import cli
from cspgraph.errors import DataError, EndpointError
from cspgraph.graph import build_graph
from cspgraph.namespaces import GRAPH_MAIN
from cspgraph.questions import ask, get_question, parse_question, python_value
from cspgraph.remote import (
    DEFAULT_GRAPH,
    PASSWORD_VARIABLE,
    USER_VARIABLE,
    Credentials,
    RemoteStore,
    check_graph_iri,
    open_endpoint,
    push_graph,
    store_url_for,
)
from cspgraph.store import OxigraphStore

QUERIES = Path(__file__).resolve().parents[1] / "queries"
MINI_GRAPH = f"{GRAPH_MAIN}-test-mini"
USER, PASSWORD = "analyst", "s3cr3t-Pa55word"
ENV = {USER_VARIABLE: USER, PASSWORD_VARIABLE: PASSWORD}


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


_CONCAT = re.compile(r"GROUP_CONCAT\s*\([^;]*?(?:;\s*separator\s*=\s*(?P<sep>\"[^\"]*\"|'[^']*'))?\s*\)"
                     r"\s*AS\s+\?(?P<var>\w+)", re.IGNORECASE)


def _comparable(table, query: str) -> list[tuple]:
    """Rows as sorted python values, with what SPARQL leaves to each engine made comparable.

    Blank node labels are local to each store. GROUP_CONCAT joins its values in no defined order
    (SPARQL 1.1 §18.5.1.7), and two stores loaded in different orders do differ: compare its parts sorted.
    Over a group where its expression is never bound, Oxigraph leaves GROUP_CONCAT unbound while Virtuoso
    and rdflib answer "": compare both as "".
    """
    concat = {m["var"]: (m["sep"] or '" "')[1:-1] for m in _CONCAT.finditer(query)}

    def value(column: str, term):
        if isinstance(term, BNode):
            return "_:blank"
        if column in concat:
            return concat[column].join(sorted(str(term or "").split(concat[column])))
        return python_value(term)

    rows = [tuple(value(c, v) for c, v in zip(table.columns, row)) for row in table.rows]
    return sorted(rows, key=repr)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------------------------------------ Oxigraph


@pytest.fixture(scope="module")
def mini_graph():
    """The graph of tests/fixtures/mini (read only here): a small plan with known answers."""
    from cspgraph.project import ProjectPaths

    repo = QUERIES.parent
    paths = ProjectPaths.at(repo / "tests" / "fixtures" / "mini").with_overrides(ontology=repo / "ontology")
    return build_graph(paths).graph


@pytest.fixture(scope="module")
def pushed(oxigraph_server, built, mini_graph):
    """The bundled graph in the default named graph and the mini fixture in another, with local twins."""
    results = {
        "bundled": push_graph(built.graph, oxigraph_server.store_url, DEFAULT_GRAPH),
        "mini": push_graph(mini_graph, oxigraph_server.store_url, MINI_GRAPH),
    }
    return {
        "bundled": (OxigraphStore.from_graph(built.graph), RemoteStore(oxigraph_server.endpoint), results["bundled"]),
        "mini": (OxigraphStore.from_graph(mini_graph), RemoteStore(oxigraph_server.endpoint, graph=MINI_GRAPH),
                 results["mini"]),
    }


def test_push_reports_status_and_triples(pushed, built, mini_graph):
    for name, graph in (("bundled", built.graph), ("mini", mini_graph)):
        _, remote, result = pushed[name]
        assert result.status in (201, 204)
        assert result.triples == len(graph) and result.bytes > 0 and result.seconds > 0
        assert remote.triple_count() == len(graph)


@pytest.mark.parametrize("graph", ["bundled", "mini"])
@pytest.mark.parametrize("qid", sorted(p.stem for p in QUERIES.glob("*.rq")))
def test_every_saved_question_answers_the_same_remotely(pushed, graph, qid):
    local, remote, _ = pushed[graph]
    question = get_question(QUERIES, qid)
    here, there = ask(question, local), ask(question, remote)
    assert there.engine == "remote"
    assert there.columns == here.columns
    assert _comparable(there.table, question.query) == _comparable(here.table, question.query)


def test_remote_answers_are_not_vacuous(pushed):
    """The mini plan on the server: one plan, three initiative rows, one of them an operation."""
    _, remote, _ = pushed["mini"]
    answer = ask(get_question(QUERIES, "initiatives-per-plan"), remote)
    # tests/fixtures/mini/data/sources/mini-plan.txt lines 5-7: Op Example, Street Cleanup, Youth Boxing;
    # only Op Example is a police operation (2020-21.yaml line 24, operation: true)
    assert [(r["year"], r["initiatives"], r["operations"]) for r in answer.records()] == [("2020-21", 3, 1)]


def test_terms_come_back_as_rdflib_terms(pushed):
    _, remote, _ = pushed["mini"]
    table = remote.select(
        'PREFIX id: <https://w3id.org/cspgraph/id/> SELECT ?iri ?n ?fr ?plain ?b ?none WHERE { '
        'VALUES ?iri { id:plan\\/mini-csp\\/2020-21 } BIND(3 AS ?n) BIND("é \\" }"@fr AS ?fr) BIND("x" AS ?plain) '
        'BIND(BNODE() AS ?b) OPTIONAL { ?iri <urn:x:nothing> ?none } }')
    iri, n, fr, plain, b, none = table.rows[0]
    assert iri == URIRef("https://w3id.org/cspgraph/id/plan/mini-csp/2020-21")
    assert n == Literal(3, datatype=namespace.XSD.integer) and n.toPython() == 3
    assert fr == Literal('é " }', lang="fr")
    assert str(plain) == "x" and isinstance(b, BNode) and none is None


def test_ask_queries_work_remotely(pushed):
    _, remote, _ = pushed["mini"]
    assert remote.ask("PREFIX csp: <https://w3id.org/cspgraph/ontology#> ASK { ?p a csp:Plan }") is True
    assert remote.ask("PREFIX csp: <https://w3id.org/cspgraph/ontology#> ASK { ?p a csp:NoSuchClass }") is False


def test_named_graph_is_chosen_by_protocol_parameter_or_from_clause(oxigraph_server, pushed, mini_graph):
    """Oxigraph hides named graphs from plain queries; default-graph-uri and FROM both expose the graph."""
    count = "SELECT (COUNT(*) AS ?triples) {dataset} WHERE {{ ?s ?p ?o }}"
    unnamed = RemoteStore(oxigraph_server.endpoint, graph=None)
    assert int(unnamed.select(count.format(dataset="")).rows[0][0]) == 0
    from_clause = f"FROM {check_graph_iri(MINI_GRAPH).n3()}"
    assert int(unnamed.select(count.format(dataset=from_clause)).rows[0][0]) == len(mini_graph)
    assert pushed["mini"][1].triple_count() == len(mini_graph)


def test_pushing_twice_replaces_the_graph(oxigraph_server, mini_graph):
    graph = f"{GRAPH_MAIN}-test-twice"
    first = push_graph(mini_graph, oxigraph_server.store_url, graph)
    second = push_graph(mini_graph, oxigraph_server.store_url, graph)
    assert (first.status, first.created) == (201, True)
    assert second.status == 204 and not second.created
    assert RemoteStore(oxigraph_server.endpoint, graph=graph).triple_count() == len(mini_graph)


def test_a_failed_or_interrupted_push_leaves_the_old_graph(oxigraph_server, mini_graph, tmp_path):
    graph = f"{GRAPH_MAIN}-test-interrupted"
    push_graph(mini_graph, oxigraph_server.store_url, graph)
    store = RemoteStore(oxigraph_server.endpoint, graph=graph)
    lines = b"".join(b'<urn:s%d> <urn:p> "x" .\n' % i for i in range(5000))
    query = urllib.parse.urlencode({"graph": graph})
    # 1. a body whose end the server cannot parse: refused with the parser's message, nothing replaced
    broken = urllib.request.Request(f"{oxigraph_server.store_url}?{query}", data=lines + b"garbage <<", method="PUT",
                                    headers={"Content-Type": "text/turtle"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(broken, timeout=10)
    assert refused.value.code == 400
    refused.value.close()
    # 2. a client that dies half way through the body
    with socket.create_connection(("127.0.0.1", oxigraph_server.port)) as raw:
        raw.sendall(b"PUT /store?%s HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\nContent-Length: %d\r\n\r\n"
                    % (query.encode(), 2 * len(lines)) + lines)
    time.sleep(0.3)
    assert store.triple_count() == len(mini_graph)
    # 3. a broken file is refused before anything is sent
    bad = tmp_path / "bad.ttl"
    bad.write_bytes(lines + b"garbage <<")
    with pytest.raises(DataError, match=r"bad\.ttl.*not valid Turtle"):
        push_graph(bad, oxigraph_server.store_url, graph)
    assert store.triple_count() == len(mini_graph)


INJECTION_QUESTION = """\
#+ title: Initiative by name
#+ question: Which initiative has this name?
#+ params:
#+   - {name: name, label: Name, type: string, default: Op Example}
SELECT ?initiative WHERE { ?initiative a csp:Initiative ; rdfs:label ?name . }
"""


@pytest.mark.parametrize("payload", ['"} ; DROP ALL ; {', "x } UNION { ?s ?p ?o", '\\" }', 'Op Example" } #',
                                     "Op Example\n} INSERT DATA { <urn:a> <urn:b> <urn:c> } #"])
def test_injection_values_stay_literals_on_the_server(pushed, mini_graph, tmp_path, payload):
    _, remote, _ = pushed["mini"]
    path = tmp_path / "by-name.rq"
    path.write_text(INJECTION_QUESTION, encoding="utf-8")
    question = parse_question(path)
    # the default finds the row (mini-plan.txt line 5, "Op Example"), so an empty answer below means "no match"
    assert len(ask(question, remote).rows()) == 1
    assert ask(question, remote, {"name": payload}).empty
    assert remote.triple_count() == len(mini_graph)


def test_cli_build_push_and_ask_on_the_server(oxigraph_server, mini_paths):
    args = ["--root", str(mini_paths.root), "--ontology", str(mini_paths.ontology), "--queries", str(mini_paths.queries)]
    missing = _run(*args, "push", "--endpoint", oxigraph_server.endpoint)
    assert missing.exit_code == 2 and "run 'cspgraph build' first" in missing.output
    assert _run(*args, "build").exit_code == 0
    graph = f"{GRAPH_MAIN}-test-cli"
    result = _run(*args, "push", "--endpoint", oxigraph_server.endpoint, "--graph", graph)
    assert result.exit_code == 0, result.output
    assert re.search(rf"pushed \d+ triples .* to graph <{re.escape(graph)}> at {oxigraph_server.store_url}: HTTP 201",
                     result.output)
    local = _run(*args, "ask", "initiatives-per-plan", "--format", "json")
    remote = _run(*args, "ask", "initiatives-per-plan", "--format", "json", "--endpoint", oxigraph_server.endpoint,
                  "--graph", graph)
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout) != []
    # a graph never pushed (a misspelt --graph) answers no rows: said, not printed as "(no rows)" with exit 0
    for fmt in ("table", "json"):
        nowhere = _run(*args, "ask", "initiatives-per-plan", "--format", fmt, "--endpoint", oxigraph_server.endpoint,
                       "--graph", f"{graph}-misspelt")
        assert nowhere.exit_code == 2 and "holds no plan" in nowhere.output and "cspgraph push" in nowhere.output
        assert "(no rows)" not in nowhere.output and "[]" not in nowhere.output
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    time.sleep(0.01)
    plan.write_text(plan.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stale = _run(*args, "push", "--endpoint", oxigraph_server.endpoint, "--graph", graph)
    assert stale.exit_code == 2 and "older than data/ or ontology/" in stale.output


# ------------------------------------------------------------------------------------------------ no server


def test_server_down_is_a_clear_error():
    endpoint = f"http://127.0.0.1:{_free_port()}/query"
    with pytest.raises(EndpointError, match="connection refused"):
        RemoteStore(endpoint).select("SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(EndpointError, match="connection refused"):
        push_graph(_tiny_graph(), store_url_for(endpoint))
    result = CliRunner().invoke(cli, ["ask", "initiatives-per-plan", "--endpoint", endpoint])
    assert result.exit_code == 2
    assert "connection refused (is the server running?)" in result.output and "Traceback" not in result.output


def _tiny_graph() -> Graph:
    graph = Graph()
    graph.add((URIRef("urn:x:s"), URIRef("urn:x:p"), Literal("o")))
    return graph


def test_remote_options_without_a_server_are_refused(mini_paths):
    args = ["--root", str(mini_paths.root), "--ontology", str(mini_paths.ontology), "--queries", str(mini_paths.queries)]
    assert _run(*args, "build").exit_code == 0
    result = _run(*args, "ask", "initiatives-per-plan", "--auth", "basic", env=ENV)
    assert result.exit_code == 2 and "--auth only applies with --endpoint" in result.output
    result = _run(*args, "push")
    assert result.exit_code == 2 and "push needs --endpoint" in result.output


def test_store_url_is_derived_for_known_servers():
    assert store_url_for("http://127.0.0.1:7878/query") == "http://127.0.0.1:7878/store"
    assert store_url_for("http://db.example:8890/sparql/") == "http://db.example:8890/sparql-graph-crud-auth"
    with pytest.raises(EndpointError, match="pass --store-url"):
        store_url_for("http://fuseki.example/ds/data")


@pytest.mark.parametrize("iri", ["not an iri", "https://x.example/g> } DROP ALL {", "", 'urn:"x"'])
def test_bad_graph_iris_are_refused(iri):
    with pytest.raises(EndpointError, match="not an absolute IRI"):
        RemoteStore("http://127.0.0.1:7878/query", graph=iri)


def test_updates_are_never_sent():
    from cspgraph.errors import QueryError

    with pytest.raises(QueryError, match="expected a SELECT query"):
        RemoteStore("http://127.0.0.1:1/query").select("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


# ------------------------------------------------------------------------------------------------ local handler

RESULTS = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]}}
REALM, NONCE = "SPARQL", "d0e4a5f1c2b3"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    """Answers /<kind>/query and /<kind>/store like a SPARQL server; kind: open, basic, digest, slow, html..."""

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def _reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self, kind: str) -> bool:
        sent = self.headers.get("Authorization", "")
        if kind == "basic":
            return sent == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', sent[len("Digest "):])) if sent.startswith("Digest ") else {}
        if fields.get("username") != USER or fields.get("nonce") != NONCE:
            return False
        ha1, ha2 = _md5(f"{USER}:{REALM}:{PASSWORD}"), _md5(f"{self.command}:{fields.get('uri')}")
        expected = _md5(f"{ha1}:{NONCE}:{fields.get('nc')}:{fields.get('cnonce')}:{fields.get('qop')}:{ha2}")
        return fields.get("response") == expected

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind, _, action = self.path.split("?")[0].strip("/").partition("/")
        self.server.seen.append({"kind": kind, "method": self.command, "path": self.path,
                                 "headers": dict(self.headers), "body": body})
        if kind in ("basic", "digest") and not self._authorised(kind):
            challenge = ('Basic realm="test"' if kind == "basic"
                         else f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm="MD5"')
            sent = self.headers.get("Authorization", "")
            decoded = base64.b64decode(sent[6:]).decode(errors="replace") if sent.startswith("Basic ") else ""
            # a careless server that echoes what it was sent: the client must scrub it
            self._reply(401, f"Unauthorized: you sent {sent!r} ({decoded})".encode(), "text/plain",
                        {"WWW-Authenticate": challenge})
            return
        if kind == "slow":
            self.server.release.wait(10)
        if kind == "html":
            self._reply(200, b"<html><body>Welcome</body></html>", "text/html")
        elif kind == "forbidden":
            self._reply(403, b"<html><h3>Error 42000</h3><xmp>SECURITY: Permission denied</xmp></html>", "text/html")
        elif kind == "noput" and self.command == "PUT":  # what Python's http.server says to a method it lacks
            self._reply(501, b"Unsupported method ('PUT')", "text/plain")
        elif kind == "badjson":
            self._reply(200, b'{"head": {"vars": ["x"]}, "results": {"bindings": [', "application/sparql-results+json")
        elif action == "store":
            self._reply(201, b"", "text/plain")
        elif kind == "truncated":
            self._reply(200, json.dumps(RESULTS).encode(), "application/sparql-results+json",
                        {"X-SPARQL-MaxRows": "10000"})
        else:
            self._reply(200, json.dumps(RESULTS).encode(), "application/sparql-results+json; charset=utf-8")

    do_POST = do_PUT = do_GET = _handle


class _Server(ThreadingHTTPServer):
    """The fake endpoint. The timeout tests answer after cspgraph has given up and closed the connection: the
    broken pipe that follows is expected, and is not printed as a traceback in the test log."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture
def handler():
    server = _Server(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.seen, server.release = [], threading.Event()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def _no_secret(text: str) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert PASSWORD not in text and token not in text


def test_basic_auth_sends_credentials_and_the_graph(handler):
    store = open_endpoint(f"{handler.url}/basic/query", auth="basic", environ=ENV)
    assert [tuple(map(str, r)) for r in store.select("SELECT ?x WHERE { ?x ?p ?o }").rows] == [("ok",)]
    request = handler.seen[-1]
    assert request["method"] == "POST" and request["headers"]["Authorization"].startswith("Basic ")
    form = urllib.parse.parse_qs(request["body"].decode())
    assert form["default-graph-uri"] == [DEFAULT_GRAPH] and form["query"] == ["SELECT ?x WHERE { ?x ?p ?o }"]


def test_missing_or_wrong_credentials_never_show_the_password(handler, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(EndpointError, match=f"HTTP 401.*\n.*{USER_VARIABLE}") as no_auth:
        RemoteStore(f"{handler.url}/basic/query").select("SELECT ?x WHERE { ?x ?p ?o }")
    assert "--auth" in str(no_auth.value)
    wrong = {USER_VARIABLE: USER, PASSWORD_VARIABLE: PASSWORD + "-wrong"}
    for scheme in ("basic", "digest"):
        store = open_endpoint(f"{handler.url}/{scheme}/query", auth=scheme, environ=wrong)
        with pytest.raises(EndpointError, match="HTTP 401") as refused:
            store.select("SELECT ?x WHERE { ?x ?p ?o }")
        assert PASSWORD + "-wrong" not in str(refused.value)  # the server echoed it: scrubbed
        assert "did not accept the user and password" in str(refused.value)
        with pytest.raises(EndpointError, match="HTTP 401") as refused_push:
            push_graph(_tiny_graph(), f"{handler.url}/{scheme}/store", credentials=Credentials.from_env(scheme, wrong))
        assert PASSWORD + "-wrong" not in str(refused_push.value) + repr(refused_push.value)
    result = _run("ask", "initiatives-per-plan", "--endpoint", f"{handler.url}/basic/query", "--auth", "basic",
                  env={USER_VARIABLE: USER, PASSWORD_VARIABLE: PASSWORD + "-wrong"})
    assert result.exit_code == 2 and "HTTP 401" in result.output and "Traceback" not in result.output
    assert "you sent 'Basic ***' (***)" in result.output  # the server's echo, scrubbed
    assert PASSWORD not in result.output + result.stderr
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(Credentials.from_env("basic", ENV))


def test_the_wrong_scheme_is_named_in_the_hint(handler):
    with pytest.raises(EndpointError, match="asks for digest authentication: pass --auth digest"):
        open_endpoint(f"{handler.url}/digest/query", auth="basic", environ=ENV).select("SELECT * WHERE { ?s ?p ?o }")


def test_auth_needs_both_environment_variables(handler):
    result = _run("ask", "initiatives-per-plan", "--endpoint", f"{handler.url}/basic/query", "--auth", "basic",
                  env={USER_VARIABLE: USER, PASSWORD_VARIABLE: ""})
    assert result.exit_code == 2 and f"{PASSWORD_VARIABLE} is not set" in result.output
    assert handler.seen == []  # nothing was sent


def test_credentials_in_the_url_are_refused_without_echoing_them():
    with pytest.raises(EndpointError, match="carries credentials") as err:
        RemoteStore(f"http://{USER}:{PASSWORD}@127.0.0.1:7878/query")
    _no_secret(str(err.value))


def test_digest_auth_for_queries_and_pushes(handler):
    credentials = Credentials.from_env("digest", ENV)
    store = RemoteStore(f"{handler.url}/digest/query", credentials=credentials)
    assert store.select("SELECT ?x WHERE { ?x ?p ?o }").columns == ["x"]
    result = push_graph(_tiny_graph(), f"{handler.url}/digest/store", "urn:x:graph", credentials=credentials)
    assert result.status == 201 and result.triples == 1
    put = [r for r in handler.seen if r["method"] == "PUT"]
    assert [r["headers"].get("Authorization", "")[:6] for r in put] == ["", "Digest"]  # challenge, then answer
    assert put[-1]["path"] == "/digest/store?graph=urn%3Ax%3Agraph"
    assert put[-1]["headers"]["Content-Type"].startswith("text/turtle")
    assert set(Graph().parse(data=put[-1]["body"], format="turtle")) == set(_tiny_graph())


def test_basic_push(handler):
    credentials = Credentials.from_env("basic", ENV)
    result = push_graph(_tiny_graph(), f"{handler.url}/basic/store", credentials=credentials)
    assert result.status == 201
    assert handler.seen[-1]["path"] == "/basic/store?" + urllib.parse.urlencode({"graph": DEFAULT_GRAPH})


def test_timeouts_are_clear_errors(handler):
    started = time.monotonic()
    with pytest.raises(EndpointError, match=r"did not answer within 0\.5 s"):
        RemoteStore(f"{handler.url}/slow/query", timeout=0.5).select("SELECT ?x WHERE { ?x ?p ?o }")
    with pytest.raises(EndpointError, match=r"did not answer within 0\.5 s"):
        push_graph(_tiny_graph(), f"{handler.url}/slow/store", timeout=0.5)
    result = _run("ask", "initiatives-per-plan", "--endpoint", f"{handler.url}/slow/query", "--timeout", "0.5")
    assert result.exit_code == 2 and "raise --timeout" in result.output
    assert time.monotonic() - started < 5


def test_answers_that_are_not_sparql_results_are_refused(handler):
    with pytest.raises(EndpointError, match="answered with 'text/html', not SPARQL JSON results"):
        RemoteStore(f"{handler.url}/html/query").select("SELECT ?x WHERE { ?x ?p ?o }")
    with pytest.raises(EndpointError, match=r"cut the answer at its row limit \(10000 rows.*\n.*ResultSetMaxRows"):
        RemoteStore(f"{handler.url}/truncated/query").select("SELECT ?x WHERE { ?x ?p ?o }")


def test_refusals_carry_the_server_message_and_a_hint(handler):
    with pytest.raises(EndpointError) as err:
        push_graph(_tiny_graph(), f"{handler.url}/forbidden/store")
    text = str(err.value)
    assert "HTTP 403 Forbidden: Error 42000 SECURITY: Permission denied" in text  # HTML stripped
    assert "sparql-graph-crud-auth" in text


def test_a_server_without_put_is_told_to_use_the_graph_store_url(handler):
    """HTTP 501 is how a server says it has no PUT: the fix is --store-url, as for 405 (a review found 501 sent
    to "the server failed")."""
    with pytest.raises(EndpointError, match=r"HTTP 501.*Unsupported method \('PUT'\)\n.*--store-url"):
        push_graph(_tiny_graph(), f"{handler.url}/noput/store")


def test_malformed_results_say_what_to_do(handler):
    with pytest.raises(EndpointError, match=r"malformed JSON results.*\n  -> check the server's log"):
        RemoteStore(f"{handler.url}/badjson/query").select("SELECT ?x WHERE { ?x ?p ?o }")
