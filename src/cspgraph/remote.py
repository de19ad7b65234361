"""Remote SPARQL endpoints: push the built graph to a triple store, and ask it saved questions there.

Two halves, each following a W3C protocol so that any conforming server works:

* **push** uses the SPARQL 1.1 Graph Store HTTP Protocol (§5.3, HTTP PUT): the Turtle of the whole graph
  replaces the named graph in one request, so pushing twice leaves one copy. A push cut off half way leaves
  the old graph intact on Oxigraph and on Virtuoso (both tested). A body the server *rejects* part way is
  atomic on Oxigraph but not on Virtuoso 7.2, which keeps the triples it read before the error; so the
  Turtle is parsed here before anything is sent, and a broken file never reaches the server.
* **ask** uses the SPARQL 1.1 Protocol (§2.1, query via POST) through SPARQLWrapper, with JSON results
  (SPARQL 1.1 Query Results JSON Format) turned back into rdflib terms, so a :class:`RemoteStore` answers
  ``select`` with the same :class:`~cspgraph.store.Table` as the embedded stores.

The pushed graph is a *named* graph. Oxigraph's default graph is its own unnamed graph (queries see nothing
unless told which graph to read); Virtuoso's default graph is the union of all its graphs, system graphs
included. Either way, a :class:`RemoteStore` names the graph in the protocol's ``default-graph-uri``
parameter (SPARQL 1.1 Protocol §2.1.4) rather than editing the query text: no text is ever spliced into a
question, and both servers then answer over exactly the pushed triples. (A ``FROM <graph>`` clause works
on Oxigraph too; the tests check that both give the same answers.)

Credentials come only from the environment (``CSPGRAPH_SPARQL_USER``, ``CSPGRAPH_SPARQL_PASSWORD``), never
from the command line (it shows up in ``ps`` and shell history), and are scrubbed from every error message.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node
from SPARQLWrapper import ASK, JSON, POST, SELECT, SPARQLWrapper

from . import __version__
from .errors import DataError, EndpointError, Location, QueryError
from .namespaces import CSP, GRAPH_MAIN
from .project import ProjectPaths
from .store import Store, Table

DEFAULT_GRAPH = str(GRAPH_MAIN)
DEFAULT_TIMEOUT = 30.0
AUTH_SCHEMES = ("basic", "digest")
USER_VARIABLE = "CSPGRAPH_SPARQL_USER"
PASSWORD_VARIABLE = "CSPGRAPH_SPARQL_PASSWORD"
_AGENT = f"cspgraph/{__version__}"
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")
_RESULT_TYPES = ("application/sparql-results+json", "application/json")

#: query endpoint path -> Graph Store Protocol path, for servers whose layout is known
_STORE_PATHS = {
    "query": "store",  # Oxigraph: /query, /update, /store
    "sparql": "sparql-graph-crud-auth",  # Virtuoso: anonymous /sparql-graph-crud refuses writes
    "sparql-auth": "sparql-graph-crud-auth",
}


# ------------------------------------------------------------------------------------------------ credentials


@dataclass(frozen=True)
class Credentials:
    """A user and password for HTTP basic or digest authentication (the password never shows in ``repr``)."""

    scheme: str
    user: str
    password: str = field(repr=False)

    @classmethod
    def from_env(cls, scheme: str, environ: Mapping[str, str] | None = None) -> Credentials:
        """Read the user and password from ``CSPGRAPH_SPARQL_USER`` / ``CSPGRAPH_SPARQL_PASSWORD``.

        >>> Credentials.from_env("basic", {"CSPGRAPH_SPARQL_USER": "u", "CSPGRAPH_SPARQL_PASSWORD": "p"})
        Credentials(scheme='basic', user='u')
        """
        if scheme not in AUTH_SCHEMES:
            raise EndpointError(f"unknown authentication '{scheme}'; choose one of {', '.join(AUTH_SCHEMES)}")
        env = os.environ if environ is None else environ
        missing = [name for name in (USER_VARIABLE, PASSWORD_VARIABLE) if not env.get(name)]
        if missing:
            raise EndpointError(
                f"--auth {scheme} needs credentials, but {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set\n"
                f"  -> export {USER_VARIABLE}=... and {PASSWORD_VARIABLE}=... (never on the command line)"
            )
        return cls(scheme, env[USER_VARIABLE], env[PASSWORD_VARIABLE])

    def secrets(self) -> list[str]:
        """Every form in which the password could leak into a message: itself and the basic-auth token."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return [s for s in (f"{self.user}:{self.password}", token, self.password) if s]


def credentials_for(auth: str | None, environ: Mapping[str, str] | None = None) -> Credentials | None:
    """Credentials for ``--auth basic|digest`` from the environment, or None without ``--auth``."""
    return Credentials.from_env(auth, environ) if auth else None


def _scrub(text: str, credentials: Credentials | None) -> str:
    for secret in credentials.secrets() if credentials else ():
        text = text.replace(secret, "***")
    return text


# ------------------------------------------------------------------------------------------------ HTTP plumbing


def check_url(url: str, what: str = "endpoint") -> str:
    """An http(s) URL with a host and no ``user:password@`` part (credentials belong in the environment)."""
    try:
        parts = urllib.parse.urlsplit(url)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise EndpointError(f"{what} URL '{url}' is not a valid URL\n  -> e.g. http://127.0.0.1:7878/query") from None
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        raise EndpointError(
            f"the {what} URL {shown} carries credentials (user:password@)\n"
            f"  -> remove them from the URL; set {USER_VARIABLE} / {PASSWORD_VARIABLE} and pass --auth"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"{what} URL '{url}' is not an http(s) URL\n  -> e.g. http://127.0.0.1:7878/query")
    return url


def check_graph_iri(iri: str) -> URIRef:
    """The named graph's IRI as a term; anything that is not an absolute IRI is refused.

    >>> check_graph_iri("https://w3id.org/cspgraph/graph/main").n3()
    '<https://w3id.org/cspgraph/graph/main>'
    """
    if not _IRI.fullmatch(iri or ""):
        raise EndpointError(
            f"graph '{iri}' is not an absolute IRI (no spaces, <, >, quotes or braces)\n"
            f"  -> e.g. --graph {DEFAULT_GRAPH}"
        )
    return URIRef(iri)


class _ClosingAuth:
    """Closes the 401 answer once an auth handler has retried: urllib leaves its connection open otherwise."""

    def http_error_401(self, req, fp, code, msg, headers):
        try:
            response = super().http_error_401(req, fp, code, msg, headers)
        except BaseException:
            fp.close()
            raise
        if response is not None:
            fp.close()
        return response


class _BasicAuth(_ClosingAuth, urllib.request.HTTPBasicAuthHandler):
    pass


class _DigestAuth(_ClosingAuth, urllib.request.HTTPDigestAuthHandler):
    pass


def _opener(url: str, credentials: Credentials | None) -> urllib.request.OpenerDirector:
    """A urllib opener that authenticates to ``url`` (and paths below it) only.

    Basic credentials are sent with the first request (``is_authenticated``: no 401 round trip); digest
    needs the server's challenge first. The realm is left open (``None``) so that any realm the server
    names is answered; the credentials are still bound to this URL. Nothing is installed process-wide.
    """
    if credentials is None:
        return urllib.request.build_opener()
    manager = urllib.request.HTTPPasswordMgrWithPriorAuth()
    manager.add_password(None, url, credentials.user, credentials.password,
                         is_authenticated=credentials.scheme == "basic")
    handler = _BasicAuth(manager) if credentials.scheme == "basic" else _DigestAuth(manager)
    return urllib.request.build_opener(handler)


def _server_message(err: urllib.error.HTTPError) -> str:
    """The server's own explanation, as one short line of text (Virtuoso answers in HTML)."""
    try:
        body = err.read().decode("utf-8", errors="replace")
    except (OSError, HTTPException):
        body = ""
    finally:
        err.close()
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    body = " ".join(body.split())
    return body[:500] + (" ..." if len(body) > 500 else "")


_USE_STORE_URL = "this URL does not accept the request; for push pass the Graph Store URL with --store-url"
_HINTS = {
    400: "the server could not read what was sent; its message (after the colon) says why",
    401: f"set {USER_VARIABLE} and {PASSWORD_VARIABLE} and pass --auth basic or --auth digest "
         "(Virtuoso: --auth digest)",
    403: "the user may not do this here: writes need a user with write rights (Virtuoso: SPARQL_UPDATE) "
         "on a write endpoint (Virtuoso: /sparql-graph-crud-auth, not /sparql-graph-crud)",
    404: "check the URL (Oxigraph: /query and /store; Virtuoso: /sparql and /sparql-graph-crud-auth)",
    405: _USE_STORE_URL,
    413: "the graph is larger than the server accepts in one request: raise its upload limit",
    501: _USE_STORE_URL,  # what a server without PUT answers (Python's http.server among them)
}


def _failure(err: BaseException, url: str, action: str, timeout: float,
             credentials: Credentials | None) -> EndpointError:
    """One EndpointError, with a hint, for everything that can go wrong talking to a server."""
    if isinstance(err, urllib.error.HTTPError):
        message = _server_message(err)
        hint = _HINTS.get(err.code, "the server failed; see its message and log" if err.code >= 500
                          else "see the server's message")
        if err.code == 401 and credentials is not None:
            asked = {c.split()[0].lower() for c in err.headers.get_all("WWW-Authenticate") or () if c.strip()}
            if asked and credentials.scheme not in asked:
                hint = f"it asks for {' or '.join(sorted(asked))} authentication: pass --auth {min(asked)}"
            else:
                hint = f"the server did not accept the user and password in {USER_VARIABLE} / {PASSWORD_VARIABLE}"
        text = f"{url} refused to {action}: HTTP {err.code} {err.reason}"
        text += f": {message}" if message else ""
        text += f"\n  -> {hint}"
    elif isinstance(err, (TimeoutError, socket.timeout)) or (
            isinstance(err, urllib.error.URLError) and isinstance(err.reason, (TimeoutError, socket.timeout))):
        text = (f"{url} did not answer within {timeout:g} s (while trying to {action})\n"
                "  -> raise --timeout, or check that the server is not overloaded")
    elif isinstance(err, urllib.error.URLError) and isinstance(err.reason, ConnectionRefusedError):
        text = (f"cannot connect to {url}: connection refused (is the server running?)\n"
                "  -> start it, e.g. oxigraph serve --location DIR --bind 127.0.0.1:7878, and check host and port")
    elif isinstance(err, urllib.error.URLError):
        text = f"cannot reach {url}: {err.reason}\n  -> check the host name and port, and that the server is up"
    elif isinstance(err, ValueError) and "support the following scheme" in str(err):
        # urllib's auth handlers: the server asks for a scheme we were not given
        scheme = re.search(r"scheme: '(\w+)'", str(err))
        asked = scheme.group(1).lower() if scheme else "another kind of"
        text = (f"{url} refused to {action}: it asks for {asked} authentication: pass --auth {asked}\n"
                f"  -> with {USER_VARIABLE} and {PASSWORD_VARIABLE} set")
    else:  # connection reset, closed mid-answer, malformed HTTP
        text = (f"the connection to {url} failed while trying to {action}: {type(err).__name__}: {err}\n"
                "  -> check the server's log; retry")
    return EndpointError(_scrub(text, credentials))


_NETWORK_ERRORS = (urllib.error.URLError, HTTPException, OSError, ValueError)


# ------------------------------------------------------------------------------------------------ querying


class _Client(SPARQLWrapper):
    """SPARQLWrapper that sends its request through our own opener.

    SPARQLWrapper builds the protocol request (query encoding, ``default-graph-uri``, the Accept header) and
    parses nothing we cannot check ourselves. We open the request so that (1) digest auth does not go
    through SPARQLWrapper's process-wide ``install_opener`` with a realm fixed in advance, and (2) the HTTP
    status and the server's message reach :func:`_failure` intact, instead of a bytes ``repr`` inside a
    SPARQLWrapper exception string.
    """

    def __init__(self, endpoint: str, opener: urllib.request.OpenerDirector, timeout: float) -> None:
        super().__init__(endpoint, agent=_AGENT)
        self._opener = opener
        self._timeout = timeout

    def _query(self):
        return self._opener.open(self._createRequest(), timeout=self._timeout), self.returnFormat


def _term(value: dict[str, str] | None) -> Node | None:
    """One JSON result binding as an rdflib term (SPARQL 1.1 Query Results JSON Format §3.2.2)."""
    if value is None:
        return None
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):  # "typed-literal": the pre-1.1 form Virtuoso still sends
        if value.get("xml:lang"):
            return Literal(text, lang=value["xml:lang"])
        if value.get("datatype"):
            return Literal(text, datatype=URIRef(value["datatype"]))
        return Literal(text)
    raise EndpointError(f"the endpoint answered a binding of unknown type '{kind}'")


class RemoteStore:
    """A SPARQL 1.1 endpoint, queried over HTTP; answers like the embedded stores.

    Parameters
    ----------
    endpoint
        The query URL (Oxigraph ``http://HOST:7878/query``, Virtuoso ``http://HOST:8890/sparql``).
    graph
        The named graph to query (sent as ``default-graph-uri``); None queries the server's default graph.
    credentials
        Basic or digest credentials (see :meth:`Credentials.from_env`), or None.
    timeout
        Seconds to wait for the server on each network operation.

    Examples
    --------
    >>> store = RemoteStore("http://127.0.0.1:7878/query")  # doctest: +SKIP
    >>> store.ask("ASK { ?s a csp:Plan }")  # doctest: +SKIP
    True
    """

    name = "remote"

    def __init__(self, endpoint: str, *, graph: str | None = DEFAULT_GRAPH,
                 credentials: Credentials | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.endpoint = check_url(endpoint)
        self.graph = None if graph is None else check_graph_iri(graph)
        self.credentials = credentials
        if not timeout > 0:
            raise EndpointError(f"--timeout must be a positive number of seconds, not {timeout}")
        self.timeout = float(timeout)
        self._opener = _opener(self.endpoint, credentials)

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoint!r}, graph={str(self.graph) if self.graph else None!r})"

    def _run(self, query: str, expected: str) -> tuple[dict[str, Any], float]:
        client = _Client(self.endpoint, self._opener, self.timeout)
        client.setQuery(query)
        if client.queryType != expected:
            # SPARQLWrapper would send an update to the update endpoint: a store only reads
            raise QueryError(f"expected a{'n' if expected == ASK else ''} {expected} query, not {client.queryType}")
        client.setMethod(POST)
        client.setReturnFormat(JSON)
        client.setOnlyConneg(True)  # only the Accept header; no non-standard format= parameters
        if self.graph is not None:
            client.addDefaultGraph(str(self.graph))
        started = time.perf_counter()
        try:
            with client.query().response as response:
                headers = response.headers
                body = response.read()
        except _NETWORK_ERRORS as err:
            raise _failure(err, self.endpoint, "answer the query", self.timeout, self.credentials) from None
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type not in _RESULT_TYPES:
            raise EndpointError(
                f"{self.endpoint} answered with '{content_type or 'no content type'}', not SPARQL JSON results\n"
                "  -> is this the query URL? (Oxigraph: http://HOST:PORT/query; Virtuoso: http://HOST:PORT/sparql)"
            )
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise EndpointError(f"{self.endpoint} answered malformed JSON results: {err}\n"
                                "  -> check the server's log; a proxy or a server cut off mid-answer does this") from None
        # Virtuoso cuts answers at ResultSetMaxRows and says so only in this header (sent when the answer
        # reaches the limit): a silently truncated answer would be a wrong answer, so refuse it
        if headers.get("X-SPARQL-MaxRows"):
            raise EndpointError(
                f"{self.endpoint} cut the answer at its row limit "
                f"({headers['X-SPARQL-MaxRows']} rows, header X-SPARQL-MaxRows)\n"
                "  -> raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini and restart the server"
            )
        return data, time.perf_counter() - started

    def select(self, query: str) -> Table:
        data, seconds = self._run(query, SELECT)
        try:
            columns = list(data["head"]["vars"])
            rows = [tuple(_term(b.get(c)) for c in columns) for b in data["results"]["bindings"]]
        except (KeyError, TypeError, AttributeError):
            raise EndpointError(f"{self.endpoint} answered JSON that is not a SELECT result") from None
        return Table(columns, rows, seconds)

    def ask(self, query: str) -> bool:
        data, _ = self._run(query, ASK)
        if not isinstance(data.get("boolean"), bool):
            raise EndpointError(f"{self.endpoint} answered JSON that is not an ASK result")
        return data["boolean"]

    def require_plans(self) -> None:
        """Refuse a graph with no plan in it: there, an empty answer says nothing about the plans.

        A server answers "no rows" as readily for a graph never pushed, or a --graph misspelt, as for a true
        none; a user read that as "no partnership does this".
        """
        if not self.ask(f"ASK {{ ?plan a <{CSP}Plan> }}"):
            where = f"the graph <{self.graph}>" if self.graph is not None else "the default graph"
            raise EndpointError(f"{where} at {self.endpoint} holds no plan, so an empty answer there says nothing\n"
                                "  -> put the graph there with 'cspgraph push --endpoint URL', or check --graph")

    def triple_count(self) -> int:
        """How many triples the queried graph holds (one COUNT query on the server)."""
        table = self.select("SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }")
        return int(table.rows[0][0])


def open_endpoint(endpoint: str, *, graph: str | None = DEFAULT_GRAPH, auth: str | None = None,
                  timeout: float = DEFAULT_TIMEOUT, environ: Mapping[str, str] | None = None) -> RemoteStore:
    """A :class:`RemoteStore`, with credentials from the environment when ``auth`` is basic or digest."""
    return RemoteStore(endpoint, graph=graph, credentials=credentials_for(auth, environ), timeout=timeout)


def store_for(paths: ProjectPaths, engine: str = "oxigraph", *, endpoint: str | None = None,
              graph: str | None = None, auth: str | None = None,
              timeout: float = DEFAULT_TIMEOUT, notify: Callable[[str], None] | None = None) -> Store:
    """The store a command should ask: the remote endpoint when one is given, else the embedded engine.

    ``graph`` None means the graph ``cspgraph push`` writes (:data:`DEFAULT_GRAPH`). ``notify``: see
    :func:`~cspgraph.session.open_store`.
    """
    if endpoint:
        return open_endpoint(endpoint, graph=graph or DEFAULT_GRAPH, auth=auth, timeout=timeout)
    if auth:
        raise EndpointError("--auth only applies with --endpoint")
    from .session import open_store

    return open_store(paths, engine, notify=notify)


# ------------------------------------------------------------------------------------------------ pushing


@dataclass(frozen=True)
class PushResult:
    """What a push did: where to, the HTTP status, how many triples and bytes, how long it took."""

    store_url: str
    graph: str
    status: int
    triples: int
    bytes: int
    seconds: float

    @property
    def created(self) -> bool:
        """True when the server says the graph is new (201), False when it replaced one (200/204)."""
        return self.status == 201

    def summary(self) -> str:
        what = "created" if self.created else "replaced"
        return (f"pushed {self.triples} triples ({self.bytes / 1e6:.1f} MB of Turtle) to graph <{self.graph}> "
                f"at {self.store_url}: HTTP {self.status}, graph {what}, in {self.seconds:.2f} s")


def store_url_for(endpoint: str) -> str:
    """The Graph Store Protocol URL of a known server, from its query URL.

    >>> store_url_for("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/store'
    >>> store_url_for("http://localhost:8890/sparql")
    'http://localhost:8890/sparql-graph-crud-auth'
    """
    parts = urllib.parse.urlsplit(check_url(endpoint))
    head, _, last = parts.path.rstrip("/").rpartition("/")
    if last not in _STORE_PATHS:
        raise EndpointError(
            f"cannot tell the Graph Store URL of {endpoint}: only Oxigraph (/query) and Virtuoso (/sparql) "
            "are known\n  -> pass --store-url (the server's SPARQL 1.1 Graph Store Protocol URL)"
        )
    return parts._replace(path=f"{head}/{_STORE_PATHS[last]}", query="", fragment="").geturl()


def _turtle(source: Path | Graph) -> tuple[bytes, int]:
    """The Turtle to send and its triple count; a file is parsed first so a broken file is never sent."""
    if isinstance(source, Graph):
        return source.serialize(format="turtle", encoding="utf-8"), len(source)
    path = Path(source)
    try:
        payload = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read the graph to push: {err.strerror}", Location(path),
                        "run 'cspgraph build' first") from None
    try:  # pyoxigraph parses ~10x faster than rdflib; counting is the check that the file is whole
        triples = sum(1 for _ in ox.parse(payload, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    except SyntaxError as err:
        raise DataError(f"not valid Turtle: {err}", Location(path), "rebuild it with 'cspgraph build'") from None
    return payload, triples


def push_graph(source: Path | Graph, store_url: str, graph: str = DEFAULT_GRAPH, *,
               credentials: Credentials | None = None, timeout: float = DEFAULT_TIMEOUT) -> PushResult:
    """Replace the named graph ``graph`` at a Graph Store Protocol URL with ``source`` (a Turtle file or Graph).

    One HTTP PUT of Turtle to ``<store_url>?graph=<graph>`` (SPARQL 1.1 Graph Store HTTP Protocol §5.3):
    pushing twice leaves one copy, not two, and a push cut off half way leaves the old graph as it was.
    A file is parsed first (a DataError names it), because Virtuoso keeps part of a body it rejects.
    """
    store_url = check_url(store_url, "store")
    iri = check_graph_iri(graph)
    if not timeout > 0:
        raise EndpointError(f"--timeout must be a positive number of seconds, not {timeout}")
    payload, triples = _turtle(source)
    sep = "&" if urllib.parse.urlsplit(store_url).query else "?"
    url = f"{store_url}{sep}{urllib.parse.urlencode({'graph': str(iri)})}"
    request = urllib.request.Request(url, data=payload, method="PUT", headers={
        "Content-Type": "text/turtle; charset=utf-8", "User-Agent": _AGENT})
    started = time.perf_counter()
    try:
        with _opener(store_url, credentials).open(request, timeout=timeout) as response:
            status = response.status
            response.read()
    except _NETWORK_ERRORS as err:
        raise _failure(err, store_url, f"store graph <{iri}>", timeout, credentials) from None
    return PushResult(store_url, str(iri), status, triples, len(payload), time.perf_counter() - started)


def push(paths: ProjectPaths, endpoint: str | None = None, *, store_url: str | None = None,
         graph: str | None = None, auth: str | None = None, timeout: float = DEFAULT_TIMEOUT,
         environ: Mapping[str, str] | None = None) -> PushResult:
    """Push the project's built graph (``build/cspgraph.ttl``) to a server: what ``cspgraph push`` runs.

    Only a current build is pushed, never an in-memory one: ``cspgraph build`` writes the file only when
    the graph passes SHACL validation, and a shared server should hold the validated graph. A missing or
    stale file (older than something in ``data/`` or ``ontology/``) is an error that says to build first.
    """
    from .session import built_file_is_current

    target = paths.graph_file
    if not target.is_file():
        raise DataError("no built graph to push", Location(target), "run 'cspgraph build' first")
    if not built_file_is_current(paths):
        raise DataError("the built graph is older than data/ or ontology/", Location(target),
                        "run 'cspgraph build' first, so the server gets what the data says now")
    if not store_url and not endpoint:
        raise EndpointError("push needs --endpoint (the query URL) or --store-url (the Graph Store URL)")
    url = store_url or store_url_for(endpoint)
    return push_graph(target, url, graph or DEFAULT_GRAPH, credentials=credentials_for(auth, environ),
                      timeout=timeout)
