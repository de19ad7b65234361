"""Time the whole cspgraph pipeline on a synthetic national dataset, and check that three engines agree.

Steps (generation is not counted): load and check the plan data, build the RDF, SHACL validation (timed on
its own, in a child process with a time limit, with cspgraph's SPARQL validator and, with ``--validator
both``, pySHACL, which at national scale takes ten minutes), write Turtle, load the embedded store, every
saved question in ``queries/`` (default parameters), the analyses (co-delivery network and centrality, gap
report) and the pictures (a partnership's and a force area's network drawn to HTML, then opened in Chromium
until vis-network reports a still picture, and the explorer sites of one force area and one partnership, cut from
the national graph as `cspgraph explore --pfcc-plan` and `--partnership` do).

Each saved question runs three ways on the same bound query text:

- **oxigraph**: what cspgraph ships, ``cspgraph.questions.ask`` on ``OxigraphStore`` (binding, allowed-value
  check, rdflib terms back);
- **raw**: bare pyoxigraph on a store loaded from the same file, rows materialised with the garbage collector
  paused (as the shipped store reads them): the floor;
- **rdflib**: rdflib's Memory store and SPARQL engine, in a worker process (it parses the same Turtle file)
  with a per-question time limit, so the run always ends.

The answers are compared as multisets of rows. Results go to ``benchmarks/results/`` as JSON and Markdown.

    python benchmarks/bench.py --scale 1.0          # national: 300 partnerships, 90,000 initiatives
    python benchmarks/bench.py --scale 0.01         # a quick look
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import math
import multiprocessing
import os
import platform
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))  # run from a checkout without installing
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402
from rdflib import BNode, Literal, URIRef  # noqa: E402
from rdflib.namespace import XSD  # noqa: E402

from cspgraph.errors import CspgraphError  # noqa: E402
from cspgraph.project import ProjectPaths  # noqa: E402

#: the build's steps for the analyses' delivery table (cspgraph.build.run_build)
TABLE_READ = "delivery table read from the build's store, while a helper writes the Turtle"
TABLE_SAVE = "delivery table saved beside the graph"
#: the targets of issue 9, on a 2-core machine at national scale
TARGETS = {
    "build_and_load_s": 60.0,
    "question_s": 1.0,
    "analysis_s": 2.0,
    "peak_rss_mb": 3072.0,
    "picture_s": 3.0,
    "raw_ratio": 1.5,
}
_NUMERIC = {str(XSD[t]) for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                                  "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                  "nonPositiveInteger", "unsignedInt", "unsignedLong")}
_STRING = {None, str(XSD.string)}
VALIDATOR_NAMES = {"sparql": "SPARQL on Oxigraph", "pyshacl": "pySHACL"}


# ------------------------------------------------------------------------------------------------ helpers


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far.

    Linux's high-water mark of this process's own memory (VmHWM) where it can be read: getrusage's ru_maxrss
    survives exec, so a worker started by a large process (the saved-table analyses, started beside the
    loaded store) would report its parent's size. Both are in kilobytes.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident memory now."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


def canonical(term: Any) -> str | None:
    """One spelling per value, so rows from different engines compare equal when they mean the same.

    Numbers compare by value (COUNT is xsd:integer everywhere, but AVG may be decimal or double), a simple
    literal equals its xsd:string form (RDF 1.1), blank-node labels are engine-local and compare as "_:".
    """
    if term is None:
        return None
    if isinstance(term, BNode | ox.BlankNode):
        return "_:"
    if isinstance(term, URIRef | ox.NamedNode):
        return f"<{term if isinstance(term, URIRef) else term.value}>"
    if isinstance(term, ox.Literal):
        value, language = term.value, term.language
        datatype = None if language else term.datatype.value
    elif isinstance(term, Literal):
        value, language = str(term), term.language
        datatype = None if language else (str(term.datatype) if term.datatype else None)
    else:
        return repr(term)
    if datatype in _NUMERIC:
        try:
            number = Decimal(value)
            return f"num:{float(number):.12g}" if number != number.to_integral_value() else f"num:{int(number)}"
        except (InvalidOperation, ValueError, OverflowError):
            pass
    if "; " in value:
        # the questions join lists with GROUP_CONCAT(...; separator="; "), whose order SPARQL leaves to the
        # engine (SPARQL 1.1 §18.5.1.7): compare the items, not the order they came in
        value = "; ".join(sorted(value.split("; ")))
    if language:
        return f"{value!r}@{language.lower()}"
    return repr(value) if datatype in _STRING else f"{value!r}^^{datatype}"


def canonical_rows(rows: list[tuple]) -> list[list[str | None]]:
    return sorted(([canonical(v) for v in row] for row in rows), key=lambda r: [x or "" for x in r])


def machine() -> dict[str, Any]:
    import networkx
    import pyshacl
    import rdflib

    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    os_name = platform.platform()
    try:
        pretty = next(line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                      if line.startswith("PRETTY_NAME="))
        os_name = f"{pretty} ({platform.machine()})"
    except (OSError, StopIteration):
        pass
    return {
        "cpus": os.cpu_count(), "memory_gib": round(mem / 2**20, 1), "os": os_name,
        "python": platform.python_version(), "rdflib": rdflib.__version__, "pyoxigraph": ox.__version__,
        "pyshacl": pyshacl.__version__, "networkx": networkx.__version__,
    }


@dataclasses.dataclass
class Step:
    name: str
    seconds: float | None
    peak_rss_mb: float
    rss_mb: float
    note: str = ""


@dataclasses.dataclass
class Options:
    scale: float = 1.0
    seed: int = 2024
    work: Path = Path("/tmp/cspgraph-bench")
    out: Path | None = HERE / "results"
    queries: Path = REPO / "queries"
    ontology: Path = REPO / "ontology"
    repeat: int = 3
    reuse: bool = False
    validate: str = "auto"  # auto | yes | no
    validators: tuple[str, ...] = ("sparql",)  # SHACL validators to time: cspgraph's default, and/or pyshacl
    validate_timeout: float = 600.0
    rdflib: bool = True
    rdflib_timeout: float = 120.0
    rdflib_load_timeout: float = 1800.0
    analyses: bool = True
    pictures: bool = True
    browser: bool = True
    site: bool = True
    quiet: bool = False


# ------------------------------------------------------------------------------------------------ rdflib worker


def build_worker(work: str, ontology_dir: str, turtle: str) -> None:
    """A child process that builds as ``cspgraph build --no-validate`` does, step by step, and reports.

    As the build does, the store that the delivery table is read from is filled while the graph is built, the
    table is read (and pickled) while a helper process writes the Turtle, and saved beside it once that is in
    place (cspgraph.build.run_build).
    """
    from cspgraph import deliverycache
    from cspgraph.graph import assemble, load_ontology, write_graph_alongside
    from cspgraph.network import delivery
    from cspgraph.plandata import Vocabulary, load_plan_data
    from cspgraph.store import OxigraphStore

    steps = []

    def step(name: str, fn: Callable[[], Any], note: Callable[[], str] = lambda: "") -> Any:
        started = time.perf_counter()
        value = fn()
        steps.append((name, time.perf_counter() - started, peak_rss_mb(), note()))
        return value

    paths = ProjectPaths.at(work).with_overrides(ontology=ontology_dir)
    ontology = step("load ontology", lambda: load_ontology(paths.ontology))
    vocab = Vocabulary.from_graph(ontology)
    data = step("load + check data (YAML)", lambda: load_plan_data(paths.data, vocab))
    built = step("build RDF", lambda: assemble(ontology, data, preload=True).without_data(),
                 lambda: "the delivery table's store filled alongside")
    data = None  # as run_build: the plan data goes once the graph is built
    body, status = step(TABLE_READ, lambda: write_graph_alongside(built, Path(turtle), lambda: deliverycache.pickled(
        delivery(OxigraphStore.from_oxigraph(built.oxigraph_store())))),
        lambda: f"Turtle {Path(turtle).stat().st_size / 2**20:.0f} MB")
    built = built.without_store()
    step(TABLE_SAVE, lambda: deliverycache.save(body, Path(turtle), written=status),
         lambda: f"{deliverycache.cache_file(Path(turtle)).stat().st_size / 2**20:.0f} MB")
    print(json.dumps({"steps": steps, "triples": built.triple_count, "peak_rss_mb": peak_rss_mb()}))


def table_worker(which: str, turtle: str, partnership: str, before: str, after: str) -> None:
    """A child process: one analysis from the saved delivery table, as a fresh 'cspgraph gaps/network/diff'
    runs it (the table read back included, Python's start-up and imports not); reports its seconds."""
    from cspgraph import deliverycache
    from cspgraph.change import compare_plans
    from cspgraph.gaps import gap_report
    from cspgraph.network import co_delivery_network

    started, before_usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    table = deliverycache.load(Path(turtle))
    if table is None:
        raise SystemExit(f"no saved delivery table for {turtle}")
    report: dict[str, Any] = {}
    if which == "network":
        report["edges"] = co_delivery_network(table).number_of_edges()
    elif which == "gaps":
        gap_report(table)
    elif which == "gaps-partnership":
        gap_report(table, partnership=partnership)
    elif which == "diff":
        compare_plans(table, before, after, partnership=partnership)
    elif which == "read":
        report["years"] = list(table.years)  # for the diff that follows: the parent never reads the table
    else:
        raise SystemExit(f"unknown analysis {which}")
    report.update(seconds=time.perf_counter() - started, peak_rss_mb=peak_rss_mb(),
                  **_cpu_since(before_usage))
    print(json.dumps(report))


def _cpu_since(before: resource.struct_rusage) -> dict[str, float]:
    """This process's CPU in user and kernel mode, and its page faults, since ``before``.

    Why: on the benchmark's virtual machine, the same worker with the same page faults has taken 0.55 s or
    1.2 s to read the table back, the difference all in kernel time (0.13 s against 0.62 s), in runs that
    started right after the benchmark's own large steps. Reported, a slow run shows whether the analysis or
    the machine's page faults took the time.
    """
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {"user_s": after.ru_utime - before.ru_utime, "system_s": after.ru_stime - before.ru_stime,
            "page_faults": after.ru_minflt - before.ru_minflt + after.ru_majflt - before.ru_majflt}


def rdflib_worker(path: str, timeout: str) -> None:
    """A child process: parse the Turtle file into rdflib's Memory store, then answer queries from stdin.

    Each question runs in a forked copy of this process, killed when it passes ``timeout`` seconds: the graph
    is parsed once (1-2 minutes nationally), not again after every question that had to be stopped.
    """
    from cspgraph.store import RdflibStore

    def emit(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    started = time.perf_counter()
    store = RdflibStore.from_file(Path(path))
    emit({"loaded": time.perf_counter() - started, "triples": len(store.graph), "peak_rss_mb": peak_rss_mb()})
    for line in sys.stdin:
        query = json.loads(line)["query"]
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer, write the answer, leave without running any cleanup
            os.close(read_end)
            started = time.perf_counter()
            try:
                table = store.select(query)
                answer = {"seconds": time.perf_counter() - started, "rows": canonical_rows(table.rows),
                          "peak_rss_mb": peak_rss_mb()}
            except Exception as err:  # report any engine failure as a result, never kill the benchmark
                answer = {"seconds": time.perf_counter() - started, "error": f"{type(err).__name__}: {err}"[:500]}
            with os.fdopen(write_end, "w") as out:
                out.write(json.dumps(answer))
            os._exit(0)
        os.close(write_end)
        ready, _, _ = select.select([read_end], [], [], float(timeout))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            emit({"timeout": True})
            continue
        with os.fdopen(read_end) as answer:
            text = answer.read()
        os.waitpid(pid, 0)
        emit(json.loads(text) if text else {"error": "the rdflib child died"})


class RdflibEngine:
    """Talks to :func:`rdflib_worker`; a question that runs past the time limit kills the worker (restarted)."""

    def __init__(self, path: Path, timeout: float, load_timeout: float) -> None:
        self.path, self.timeout, self.load_timeout = path, timeout, load_timeout
        self.proc: subprocess.Popen | None = None
        self.loads: list[dict] = []

    def _read(self, timeout: float) -> dict | None:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {"error": "the rdflib worker exited"}

    def start(self) -> dict:
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--rdflib-worker", str(self.path),
                                      str(self.timeout)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        loaded = self._read(self.load_timeout) or {"error": f"did not load within {self.load_timeout:.0f} s"}
        self.loads.append(loaded)
        if "error" in loaded:
            self.stop()
        return loaded

    def ask(self, query: str) -> dict:
        if self.proc is None:
            loaded = self.start()
            if "error" in loaded:
                return {"error": f"rdflib could not load the graph: {loaded['error']}"}
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"query": query}) + "\n")
        self.proc.stdin.flush()
        answer = self._read(self.timeout + 600)  # the worker stops a question at the limit itself
        if answer is None:
            self.stop()
            return {"timeout": True, "seconds": self.timeout}
        return answer

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


# ------------------------------------------------------------------------------------------------ SHACL child


def _validate_child(paths: ProjectPaths, validator: str, conn) -> None:
    """``cspgraph build --validator VALIDATOR`` itself (cspgraph.build.run_build), with its build and its
    validation timed from inside: the delivery table and the Turtle are made while the validator runs, so the
    command's wall clock is the figure, not a sum of steps. It writes the project's graph and table again,
    as the no-validate build before it did (the same triples)."""
    from cspgraph import build

    spans: dict[str, float] = {"rdflib_graph": 0.0}
    build_graph, validate_graph = build.build_graph, build.validate_graph

    def timed_build(*args, **kwargs):
        started = time.perf_counter()
        try:
            return build_graph(*args, **kwargs)
        finally:
            spans["build"] = time.perf_counter() - started

    def timed_validate(graph, shapes, name):
        if name == "pyshacl":  # the rdflib graph pySHACL needs, which the SPARQL validator never makes
            started = time.perf_counter()
            graph.graph  # noqa: B018 (cached on the BuiltGraph: validate_graph finds it made)
            spans["rdflib_graph"] = time.perf_counter() - started
        started = time.perf_counter()
        try:
            return validate_graph(graph, shapes, name)
        finally:
            spans["validate"] = time.perf_counter() - started

    build.build_graph, build.validate_graph = timed_build, timed_validate
    started = time.perf_counter()
    report = build.run_build(paths, validator=validator)
    total = time.perf_counter() - started
    result = report.validation
    conn.send({"build_s": spans["build"], "rdflib_graph_s": spans["rdflib_graph"], "validate_s": spans["validate"],
               "run_build_s": total, "table_s": total - spans["build"] - spans["rdflib_graph"] - spans["validate"],
               "conforms": result.conforms,
               "violations": result.violations, "warnings": result.warnings, "peak_rss_mb": peak_rss_mb()})


def validate_with_limit(paths: ProjectPaths, timeout: float, validator: str = "sparql") -> dict:
    """SHACL validation as ``cspgraph build --validator VALIDATOR`` runs it, in a child process killed after
    ``timeout`` seconds. The child builds first (its peak memory includes the build's)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    # not daemonic: the build in it parses plan files with a helper process of its own, as cspgraph build does
    proc = ctx.Process(target=_validate_child, args=(paths, validator, child))
    proc.start()
    child.close()  # the child's end is the child's: a child killed (out of memory) then reads as EOF here
    if parent.poll(None if math.isinf(timeout) else timeout):  # poll() takes no infinity: None waits for ever
        try:
            result = parent.recv()
        except EOFError:
            proc.join()
            return {"error": f"the validation child ended without an answer (exit code {proc.exitcode})"}
        proc.join()
        return result
    proc.kill()
    proc.join()
    return {"timeout": timeout}


# ------------------------------------------------------------------------------------------------ the bench


class Bench:
    def __init__(self, options: Options) -> None:
        self.o = options
        self.steps: list[Step] = []
        self.results: dict[str, Any] = {"scale": options.scale, "seed": options.seed, "machine": machine(),
                                        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                        "load_average_start": os.getloadavg()}

    def log(self, text: str) -> None:
        if not self.o.quiet:
            print(text, flush=True)

    def step(self, name: str, fn: Callable[[], Any], note: str = "") -> Any:
        started = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - started
        self.steps.append(Step(name, seconds, peak_rss_mb(), rss_mb(), note))
        self.log(f"  {name:<44} {seconds:8.2f} s   peak {peak_rss_mb():7.0f} MB")
        return value

    def skip(self, name: str, note: str) -> None:
        self.steps.append(Step(name, None, peak_rss_mb(), rss_mb(), note))
        self.log(f"  {name:<44}     --     {note}")

    # -------------------------------------------------------------------------------------------- data
    def generate(self) -> dict:
        import generate

        work = self.o.work
        manifest_file = work / "manifest.json"
        if self.o.reuse and manifest_file.is_file():
            manifest = json.loads(manifest_file.read_text())
            if manifest["scale"] == self.o.scale and manifest["seed"] == self.o.seed:
                self.log(f"reusing the dataset in {work}")
                return manifest
        self.log(f"generating scale {self.o.scale} into {work} (not timed)")
        return dataclasses.asdict(generate.generate(work, self.o.scale, self.o.seed))

    def run(self) -> dict:
        from cspgraph.store import OxigraphStore

        o = self.o
        manifest = self.results["manifest"] = self.generate()
        paths = ProjectPaths.at(o.work).with_overrides(ontology=o.ontology, queries=o.queries)
        turtle = o.work / "build" / "cspgraph.ttl"
        self.log("pipeline (the build in its own process, as 'cspgraph build --no-validate' runs):")
        self.build(turtle)
        self.validate(paths)  # in a child process too
        # the analyses every command after a build runs: before this process loads the store (see _saved_table)
        self._saved = self._saved_table(turtle, manifest) if o.analyses else {}
        # lenient, as session.open_store reads the project's current build for every command
        store = self.step("load store (OxigraphStore.from_file)",
                          lambda: OxigraphStore.from_file(turtle, lenient=True))
        self.results["store_triples"] = len(store)
        self.results["build_and_load_s"] = sum(s.seconds or 0 for s in self.steps if s.name in (
            "load ontology", "load + check data (YAML)", "build RDF", TABLE_READ, TABLE_SAVE,
            "load store (OxigraphStore.from_file)"))

        questions = self.questions(store, turtle, manifest)
        if o.analyses:
            self.analyses(store, manifest, turtle)
        if o.pictures:
            self.pictures(store, manifest)
        self.results["peak_rss_mb"] = peak_rss_mb()  # everything cspgraph ships, before the raw comparison store
        self.compare(questions, store, turtle)
        self.results["questions"] = [{k: v for k, v in q.items() if not k.endswith("_rows") and k not in ("text", "values")}
                                     for q in questions]
        self.answers = questions  # with the canonical rows of each engine, for tests
        if o.site:
            self.site(store, manifest)
        self.results["steps"] = [dataclasses.asdict(s) for s in self.steps]
        self.results["load_average_end"] = os.getloadavg()
        self.results["targets"] = self.verdicts()
        return self.results

    def build(self, turtle: Path) -> None:
        worker = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--build-worker", str(self.o.work),
                                 str(self.o.ontology), str(turtle)], capture_output=True, text=True)
        if worker.returncode != 0:
            raise RuntimeError(f"the build failed:\n{worker.stderr[-3000:]}")
        report = json.loads(worker.stdout.strip().splitlines()[-1])
        for name, seconds, peak, note in report["steps"]:
            self.steps.append(Step(name, seconds, peak, float("nan"), note))
            self.log(f"  {name:<44} {seconds:8.2f} s   peak {peak:7.0f} MB")
        self.results["triples"] = report["triples"]
        self.results["build_peak_rss_mb"] = report["peak_rss_mb"]

    def validate(self, paths: ProjectPaths) -> None:
        mode = self.o.validate
        triples = self.results["triples"]
        if mode == "no":
            self.skip("SHACL validation", "skipped (--validate no)")
            return
        limit = self.o.validate_timeout if mode == "auto" else float("inf")
        self.results["shacl"] = {}
        for validator in self.o.validators:
            name = f"SHACL validation ({VALIDATOR_NAMES[validator]})"
            self.log(f"  {name} (child process, limit {limit:.0f} s) ..." if not math.isinf(limit)
                     else f"  {name} (child process, no limit) ...")
            started = time.perf_counter()
            result = validate_with_limit(paths, limit, validator)
            wall = time.perf_counter() - started
            self.results["shacl"][validator] = result
            if "timeout" in result:
                self.skip(name, f"did not finish within {limit:.0f} s on {triples:,} triples")
                continue
            if "error" in result:
                self.skip(name, result["error"])
                continue
            if validator == "pyshacl":
                self.steps.append(Step("rdflib graph for pySHACL (BuiltGraph.graph)", result["rdflib_graph_s"],
                                       result["peak_rss_mb"], float("nan"), "child process"))
            self.steps.append(Step(name, result["validate_s"], result["peak_rss_mb"], float("nan"),
                                   f"conforms={result['conforms']}, {result['violations']} violations, "
                                   f"{result['warnings']} warnings; child process running cspgraph build "
                                   f"(run_build, {result['run_build_s']:.1f} s), after its own build of "
                                   f"{result['build_s']:.1f} s" + (" (the validator's store filled alongside)"
                                                                    if validator == "sparql" else "")
                                   + f" (included in its peak), {wall:.0f} s wall"))
            extra = f"+{result['rdflib_graph_s']:.1f} s rdflib graph; " if validator == "pyshacl" else ""
            self.log(f"  {name:<44} {result['validate_s']:8.2f} s   ({extra}child peak "
                     f"{result['peak_rss_mb']:.0f} MB)")

    # -------------------------------------------------------------------------------------------- questions
    def questions(self, store, turtle: Path, manifest: dict) -> list[dict]:
        from cspgraph.questions import QueryError, bind, check_allowed, load_questions, options

        self.log("saved questions (oxigraph, as shipped):")
        substitutes = {"agency": f"{manifest['sample_force']}-police", "partnership": manifest["sample_partnership"],
                       "force": manifest["sample_force"]}
        out = []
        for q in load_questions(self.o.queries).values():
            values: dict[str, str] = {}
            record: dict[str, Any] = {"id": q.id, "params": {}}
            try:
                _, bound = bind(q, {})
                try:
                    check_allowed(q, store, bound)
                except QueryError:
                    # a default that names real data (essex-police) is not in the synthetic graph: use its
                    # synthetic counterpart, or else the first allowed value
                    for name in bound:
                        choices = [v for v, _ in options(q, name, store)]
                        wanted = substitutes.get(name)
                        values[name] = next((c for c in choices if wanted and c.endswith("/" + wanted)),
                                            choices[0] if choices else "")
                text, bound = bind(q, values, narrow=True)  # the text the embedded store runs, for raw
                record["params"] = {k: str(v) for k, v in bound.items()}
                record["values"] = values
                record["text"] = text
                times, answer = self._ask_repeatedly(q, store, values)
                record["oxigraph_s"] = statistics.median(times)  # replaced by the alternating runs below
                record["oxigraph_first_s"] = times[0]
                record["rows"] = len(answer.table.rows)
                record["oxigraph_rows"] = canonical_rows(answer.table.rows)
                self.log(f"  {q.id:<44} {record['oxigraph_s']:8.3f} s   {record['rows']:>7} rows")
                record["scoped"] = self._scoped(q, store, values, manifest)
            except CspgraphError as err:
                record["error"] = str(err)
                self.log(f"  {q.id:<44}  ERROR {err}")
            out.append(record)
        self.results["peak_rss_mb_questions"] = peak_rss_mb()
        return out

    def _ask_repeatedly(self, question, store, values: dict[str, str]) -> tuple[list[float], Any]:
        """The seconds of each of ``--repeat`` asks (the median is reported), and the last answer."""
        from cspgraph.questions import ask

        times, answer = [], None
        for _ in range(max(1, self.o.repeat)):
            started = time.perf_counter()
            answer = ask(question, store, values)
            times.append(time.perf_counter() - started)
        return times, answer

    def _scoped(self, question, store, values: dict[str, str], manifest: dict) -> dict[str, dict]:
        """The same question asked as a partnership lead or a PFCC's analyst for one year would ask it.

        Whole-country answers are large by nature (tens of thousands of rows); these are the everyday ones.
        """
        from cspgraph.questions import options

        names = {p.name for p in question.params}
        scopes: dict[str, dict[str, str]] = {}
        if "partnership" in names:
            scopes[f"one partnership ({manifest['sample_partnership']})"] = {
                "partnership": manifest["sample_partnership"]}
        if "year" in names:
            years = sorted(v for v, _ in options(question, "year", store))
            if years:
                scopes[f"one year ({years[-1]})"] = {"year": years[-1]}
        out = {}
        for label, scope in scopes.items():
            times, answer = self._ask_repeatedly(question, store, {**values, **scope})
            out[label] = {"seconds": statistics.median(times), "rows": len(answer.table.rows)}
            self.log(f"    {label:<42} {out[label]['seconds']:8.3f} s   {out[label]['rows']:>7} rows")
        return out

    def compare(self, questions: list[dict], store, turtle: Path) -> None:
        """Raw pyoxigraph (the floor) and rdflib on the same bound text; agreement of all three.

        The shipped and raw runs alternate, question by question, so that both see the same machine: on a
        shared machine the load changes by the minute, and timings taken minutes apart do not compare.
        """
        from cspgraph.questions import ask, get_question
        from cspgraph.store import paused_gc

        self.log("shipped vs raw pyoxigraph (the floor), alternating:")
        raw = ox.Store()
        started = time.perf_counter()
        raw.load(path=str(turtle), format=ox.RdfFormat.TURTLE)
        self.results["raw_load_s"] = time.perf_counter() - started
        for record in questions:
            if "text" not in record:
                continue
            question = get_question(self.o.queries, record["id"])
            shipped, times, rows = [], [], []
            for _ in range(max(1, self.o.repeat)):
                started = time.perf_counter()
                ask(question, store, record["values"])
                shipped.append(time.perf_counter() - started)
                # with the collector paused, as the shipped store reads answers: otherwise collections walk
                # the whole heap as the rows are made, and the "floor" took up to 1.6x the shipped store's
                # time on answers of 14,000 rows and more (risk-matrix-coverage nationally: raw 2.81 s against
                # 1.77 s shipped, then 1.91 s against 1.84 s paused: results-national-2026-11-23*.md)
                started = time.perf_counter()
                with paused_gc():
                    rows = [tuple(sol) for sol in raw.query(record["text"])]
                times.append(time.perf_counter() - started)
            record["oxigraph_s"] = statistics.median(shipped)
            record["raw_s"] = statistics.median(times)
            record["raw_rows"] = canonical_rows(rows)
            record["agree_raw"] = record["raw_rows"] == record["oxigraph_rows"]
            record["ratio_to_raw"] = record["oxigraph_s"] / record["raw_s"] if record["raw_s"] > 0 else None
            self.log(f"  {record['id']:<44} {record['oxigraph_s']:8.3f} s  raw {record['raw_s']:8.3f} s   "
                     f"x{record['ratio_to_raw']:.2f}")
        del raw
        gc.collect()
        if not self.o.rdflib:
            for record in questions:
                record["rdflib_note"] = "rdflib not run (--no-rdflib)"
            return
        self.log(f"rdflib Memory store (worker process, {self.o.rdflib_timeout:.0f} s a question):")
        engine = RdflibEngine(turtle, self.o.rdflib_timeout, self.o.rdflib_load_timeout)
        try:
            for record in questions:
                if "text" not in record:
                    continue
                answer = engine.ask(record["text"])
                if answer.get("timeout"):
                    record["rdflib_timeout"] = True
                    record["rdflib_note"] = f"over {self.o.rdflib_timeout:.0f} s (stopped)"
                    self.log(f"  {record['id']:<44}  > {self.o.rdflib_timeout:.0f} s (stopped)")
                elif "error" in answer:
                    record["rdflib_error"] = answer["error"]
                    self.log(f"  {record['id']:<44}  ERROR {answer['error'][:80]}")
                else:
                    record["rdflib_s"] = answer["seconds"]
                    record["rdflib_rows"] = answer["rows"]
                    self.log(f"  {record['id']:<44} {answer['seconds']:8.3f} s")
        finally:
            engine.stop()
        self.results["rdflib_loads"] = engine.loads
        for record in questions:
            record["agree_rdflib"] = (record.get("rdflib_rows") == record.get("oxigraph_rows")
                                      if "rdflib_rows" in record else None)

    # -------------------------------------------------------------------------------------------- analyses
    def analyses(self, store, manifest: dict, turtle: Path) -> None:
        from cspgraph.store import OxigraphStore

        self.log("analyses:")
        out: dict[str, Any] = {}

        def reading() -> OxigraphStore:
            """The loaded graph as a store with no saved table that has read nothing: each "(from store)" step
            reads the store itself, as the library handed a store built in memory does."""
            return OxigraphStore.from_oxigraph(store.oxigraph)

        def opened() -> OxigraphStore:
            """The loaded graph as session.open_store gives it to a notebook after a build: loaded from the
            built file, nothing read yet. Its first analysis reads back the table the build saved (as_delivery)."""
            fresh = reading()
            fresh.loaded_from = store.loaded_from
            return fresh

        try:
            from cspgraph import network
        except ImportError as err:
            self.skip("co-delivery network", f"cspgraph.network not importable: {err}")
            network = None
        year = manifest.get("sample_year") or None
        if network is not None:
            data = self._timed(out, "delivery table, every fact (from store)", lambda: network.delivery(reading()))
            if data is not None and year is None:
                year = data.years[-1] if data.years else None
            graph = self._timed(out, "co-delivery network, all years (from store)",
                                lambda: network.co_delivery_network(reading()))
            if graph is not None:
                out["co-delivery network, all years (from store)"]["nodes"] = graph.number_of_nodes()
                out["co-delivery network, all years (from store)"]["edges"] = graph.number_of_edges()
                self._timed(out, "centrality (degree, betweenness, cut points)", lambda: network.centrality(graph))
            if year:
                self._timed(out, f"co-delivery network, {year} (from store)",
                            lambda: network.co_delivery_network(reading(), year=year))
            if data is not None:
                self._timed(out, "co-delivery network, all years (from a delivery table already read)",
                            lambda: network.co_delivery_network(data))
            if year:
                self._timed(out, f"network report (cspgraph network: centrality, communities, 5 brokers "
                                 f"explained), {year} (from store)", lambda: network.network_report(reading(), year=year))
            self._network_data = data
        try:
            from cspgraph import gaps
        except ImportError as err:
            self.skip("gap report", f"cspgraph.gaps not importable: {err}")
            gaps = None
        if gaps is not None:
            report = self._timed(out, "gap report, every plan (from store)", lambda: gaps.gap_report(reading()))
            if report is not None:
                out["gap report, every plan (from store)"]["plans"] = len(report.plans)
                undelivered = self._undelivered(report, manifest)
                if undelivered is not None:
                    out["gap report, every plan (from store)"]["undelivered_found"] = undelivered
            if year:
                self._timed(out, f"gap report, {year}, every partnership (from store)",
                            lambda: gaps.gap_report(reading(), year=year))
            self._timed(out, f"gap report, one partnership ({manifest['sample_partnership']}) (from store)",
                        lambda: gaps.gap_report(reading(), partnership=manifest["sample_partnership"]))
            data = getattr(self, "_network_data", None)
            if data is not None:
                self._timed(out, "gap report, every plan (from a delivery table already read)",
                            lambda: gaps.gap_report(data))
        try:
            from cspgraph import change
        except ImportError as err:
            self.skip("year-on-year change", f"cspgraph.change not importable: {err}")
            change = None
        data = getattr(self, "_network_data", None)
        if change is not None and data is not None and len(data.years) >= 2:
            before, after = data.years[-2], data.years[-1]
            self._timed(out, f"year-on-year change (cspgraph diff {before} {after}), one partnership (from store)",
                        lambda: change.compare_plans(reading(), before, after,
                                                     partnership=manifest["sample_partnership"]))
        if store.loaded_from is not None and network is not None and gaps is not None and change is not None:
            # as a notebook runs them: open_store(paths), then one analysis, the table read back included
            tag = "(from open_store: the table saved beside the graph)"
            from cspgraph import deliverycache

            # the steps below are about the saved table: say so when there was none to read (they read the store)
            self.results["open_store_has_table"] = deliverycache.for_store(opened()) is not None
            graph = self._timed(out, f"co-delivery network, all years {tag}",
                                lambda: network.co_delivery_network(opened()))
            if graph is not None:
                out[f"co-delivery network, all years {tag}"]["edges"] = graph.number_of_edges()
            self._timed(out, f"gap report, every plan {tag}", lambda: gaps.gap_report(opened()))
            if year:
                self._timed(out, f"network report, {year} {tag}", lambda: network.network_report(opened(), year=year))
            if data is not None and len(data.years) >= 2:
                self._timed(out, f"year-on-year change ({before} {after}), one partnership {tag}",
                            lambda: change.compare_plans(opened(), before, after,
                                                         partnership=manifest["sample_partnership"]))
        out.update(getattr(self, "_saved", {}))  # timed right after the build: see _saved_table
        self.results["analyses"] = out

    def _saved_table(self, turtle: Path, manifest: dict) -> dict:
        """The analyses as every 'cspgraph gaps/network/diff' after a build runs them: from the saved table.

        Each runs in a fresh process (:func:`table_worker`), as a command does: it reads the file the build saved
        (cspgraph.deliverycache) and never loads the graph. They run right after the build, as a user's next
        command would, before this process loads the store and runs the questions and the analyses from it.
        Run after those instead, the first workers spent 0.2-0.7 s more in the kernel for the same page faults
        (the gap report 2.08-2.47 s, against 1.37-1.39 s right after 'cspgraph build' exits); timed in this
        process, beside the loaded store, the same steps took 0.4-0.7 s longer. A build that could not save the
        table leaves the first analysis the store load and the whole read, timed below "(from store)", and the
        save.
        """
        out: dict[str, Any] = {}
        partnership = manifest["sample_partnership"]

        def measured(name: str, which: str, years: Sequence[str] = ("", "")) -> dict | None:
            def run() -> dict:
                worker = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--table-worker", which,
                                         str(turtle), partnership, *years], capture_output=True, text=True)
                if worker.returncode != 0:  # no table (the build saves it: an error here is the build's) or a bug
                    raise RuntimeError(worker.stderr[-2000:])
                return json.loads(worker.stdout.strip().splitlines()[-1])

            return self._measured(out, name, run)

        self.log("analyses from the table the build saved (each in a fresh process, as a command):")
        read = measured("delivery table, read back from the saved file", "read")
        if read is None:
            return out
        plan_years = read.pop("years")
        out["delivery table, read back from the saved file"]["plan_years"] = len(plan_years)
        report = measured("co-delivery network, all years (from the saved table)", "network")
        if report is not None:
            out["co-delivery network, all years (from the saved table)"]["edges"] = report["edges"]
        measured("gap report, every plan (from the saved table)", "gaps")
        measured(f"gap report, one partnership ({partnership}) (from the saved table)", "gaps-partnership")
        if len(plan_years) >= 2:
            before, after = plan_years[-2:]
            measured(f"year-on-year change (cspgraph diff {before} {after}), one partnership (from the saved "
                     "table)", "diff", (before, after))
        return out

    def _measured(self, out: dict, name: str, run: Callable[[], dict]) -> dict | None:
        """As _timed, for a saved-table worker (table_worker), which reports its own seconds, peak memory and CPU."""
        try:
            report = run()
        except Exception as err:  # an analysis being written may fail: report it, go on
            self.skip(name, f"ERROR {type(err).__name__}: {err}"[:300])
            out[name] = {"error": f"{type(err).__name__}: {err}"[:300]}
            return None
        note = (f"fresh process; CPU {report['user_s']:.2f} s user + {report['system_s']:.2f} s kernel, "
                f"{report['page_faults']:,} page faults")
        self.steps.append(Step(name, report["seconds"], report["peak_rss_mb"], float("nan"), note))
        self.log(f"  {name:<44} {report['seconds']:8.2f} s   ({note}, peak {report['peak_rss_mb']:.0f} MB)")
        out[name] = {key: report[key] for key in ("seconds", "peak_rss_mb", "user_s", "system_s", "page_faults")}
        return report

    def _timed(self, out: dict, name: str, fn: Callable[[], Any]) -> Any:
        try:
            return self.step(name, fn)
        except Exception as err:  # an analysis being written may fail: report it, go on
            self.skip(name, f"ERROR {type(err).__name__}: {err}"[:300])
            out[name] = {"error": f"{type(err).__name__}: {err}"[:300]}
            return None
        finally:
            if name not in out:
                out[name] = {"seconds": self.steps[-1].seconds}

    @staticmethod
    def _undelivered(report, manifest: dict) -> bool | None:
        """Do the deliberately undelivered PFCC priorities show up as uncovered in every plan of their force?"""
        try:
            found = {str(c.priority.iri).split("/priority/")[-1] for plan in report.plans for c in plan.uncovered}
        except AttributeError:
            return None
        return all(u in found for u in manifest["undelivered"])

    # -------------------------------------------------------------------------------------------- pictures
    def pictures(self, store, manifest: dict) -> None:
        self.log("pictures:")
        try:
            from cspgraph import drawing, network
        except ImportError as err:
            self.skip("pictures", f"cspgraph.drawing/network not importable: {err}")
            return
        data = getattr(self, "_network_data", None) or network.delivery(store)
        from cspgraph.namespaces import partnership_iri

        folder = self.o.work / "pictures"
        folder.mkdir(exist_ok=True)
        force_partnerships = {str(partnership_iri(p)) for p in self._force_partnerships(manifest)}
        force_data = dataclasses.replace(
            data, initiatives=tuple(i for i in data.initiatives if i.partnership in force_partnerships))
        cases = [
            (f"co-delivery network, partnership {manifest['sample_partnership']}",
             lambda: network.co_delivery_network(data, partnership=manifest["sample_partnership"]), "partnership.html"),
            (f"agencies + initiatives, partnership {manifest['sample_partnership']}",
             lambda: network.bipartite_graph(data, partnership=manifest["sample_partnership"]),
             "partnership-bipartite.html"),
            (f"co-delivery network, force area {manifest['sample_force']}",
             lambda: network.co_delivery_network(force_data), "force.html"),
            (f"agencies + initiatives, force area {manifest['sample_force']}",
             lambda: network.bipartite_graph(force_data), "force-bipartite.html"),
        ]
        out = {}
        for name, make, file in cases:
            record: dict[str, Any] = {}
            try:
                started = time.perf_counter()
                graph = make()
                made = time.perf_counter() - started
                started = time.perf_counter()
                drawn = drawing.write_html(graph, folder / file, name)
                record.update(nodes=graph.number_of_nodes(), edges=graph.number_of_edges(), graph_s=made,
                              html_s=time.perf_counter() - started, layout=drawn.layout_method,
                              layout_s=drawn.layout_seconds, physics=drawn.physics,
                              html_mb=(folder / file).stat().st_size / 2**20)
                self.log(f"  {name:<60} {record['nodes']:>5} nodes {record['edges']:>6} edges   "
                         f"graph {made:5.2f} s  html {record['html_s']:5.2f} s")
            except Exception as err:  # a module being written may fail: report it, go on
                record["error"] = f"{type(err).__name__}: {err}"[:300]
                self.log(f"  {name:<60} ERROR {record['error']}")
            out[name] = record
        if self.o.browser:
            self._browser(folder, cases, out)
        self.results["pictures"] = out

    @staticmethod
    def _force_partnerships(manifest: dict) -> list[str]:
        return manifest["sample_force_partnerships"]

    def _browser(self, folder: Path, cases: list, out: dict) -> None:
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            for record in out.values():
                record["browser_note"] = "playwright not installed"
            return
        if not Path(chromium).is_file():
            for record in out.values():
                record["browser_note"] = f"no chromium at {chromium}"
            return
        args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=args)
            try:
                for name, _, file in cases:
                    record = out[name]
                    if "error" in record:
                        continue
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                        ("file:", "data:")) else route.abort())
                    try:
                        started = time.perf_counter()
                        page.goto((folder / file).as_uri())
                        page.wait_for_selector("div.graph[data-ready=true]", timeout=60_000)
                        record["browser_still_s"] = time.perf_counter() - started
                        self.log(f"  {name:<60} still picture in Chromium {record['browser_still_s']:5.2f} s")
                    except Exception as err:  # a page that never settles is a result too
                        record["browser_error"] = f"{type(err).__name__}: {err}"[:200]
                        self.log(f"  {name:<60} Chromium: {record['browser_error']}")
                    finally:
                        page.close()
            finally:
                browser.close()

    # -------------------------------------------------------------------------------------------- explorer
    def site(self, store, manifest: dict) -> None:
        """The explorer site of one force area and of one partnership, cut from the national graph as
        'cspgraph explore --pfcc-plan / --partnership' does (cspgraph.scope), then written."""
        try:
            from cspgraph.explorer import build_site
            from cspgraph.scope import Scope, chosen_plans, part
        except ImportError as err:
            self.skip("explorer site", f"cspgraph.explorer/scope not importable: {err}")
            return
        paths = ProjectPaths.at(self.o.work).with_overrides(ontology=self.o.ontology, queries=self.o.queries)
        partnership, pfcc_plan = manifest["sample_partnership"], manifest["sample_pfcc_scheme"]
        self.results["site"] = {}
        for what, scope in ((f"force area {manifest['sample_force']} (--pfcc-plan {pfcc_plan})",
                             Scope(pfcc_plans=(pfcc_plan,))),
                            (f"partnership {partnership}", Scope(partnerships=(partnership,)))):
            self.log(f"explorer site for {what}:")
            record: dict[str, Any] = {}
            folder = self.o.work / "site" / ("force-area" if "force" in what else "partnership")
            try:
                cut = self.step(f"{what}: the part of the graph (scope.part)",
                                lambda scope=scope: part(store, chosen_plans(store, scope)))
                record.update(part_s=self.steps[-1].seconds, plans=len(cut.plans), triples=cut.triples)
                site = self.step(f"{what}: explorer site (build_site)",
                                 lambda cut=cut, folder=folder: build_site(paths, folder, cut))
                record["site_s"] = self.steps[-1].seconds
                record.update({k: v for k, v in dataclasses.asdict(site).items()
                               if isinstance(v, int | float) and k != "seconds"})
                record["pages"] = len(site.pages)
                record["peak_rss_mb"] = peak_rss_mb()
            except Exception as err:  # a module being written may fail: report it, go on
                record["error"] = f"{type(err).__name__}: {err}"[:300]
                self.skip(f"{what}: explorer site", record["error"])
            self.results["site"][what] = record

    # -------------------------------------------------------------------------------------------- verdicts
    def verdicts(self) -> list[dict]:
        r, t = self.results, TARGETS
        t_q = t["question_s"]
        out = []

        def verdict(target: str, measured: str, ok: bool | None) -> None:
            out.append({"target": target, "measured": measured,
                        "result": "n/a" if ok is None else ("met" if ok else "MISSED")})

        verdict(f"build and load under {t['build_and_load_s']:.0f} s (cspgraph build --no-validate)",
                f"{r['build_and_load_s']:.1f} s", r["build_and_load_s"] < t["build_and_load_s"])
        for validator, shacl in (r.get("shacl") or {}).items():
            how = "the default of cspgraph build" if validator == "sparql" else "cspgraph build --validator pyshacl"
            target = f"build and load under {t['build_and_load_s']:.0f} s, with SHACL validation ({how})"
            if "validate_s" in shacl:
                # cspgraph build as a user runs it (the child's run_build, wall clock), then a command that
                # opens the graph (the store load)
                load = sum(s.seconds or 0 for s in self.steps if s.name == "load store (OxigraphStore.from_file)")
                total = shacl["run_build_s"] + load
                parts = (f"cspgraph build {shacl['run_build_s']:.1f} s: build {shacl['build_s']:.1f} s"
                         + (" with the store loaded alongside" if validator == "sparql" else "")
                         + (f", its rdflib graph {shacl['rdflib_graph_s']:.1f} s" if validator == "pyshacl" else "")
                         + f", validation {shacl['validate_s']:.1f} s with the delivery table read and the Turtle"
                           f" written beside it, then {shacl['table_s']:.1f} s to finish and save them; "
                           f"+ store load {load:.1f} s")
                verdict(target, f"{total:.1f} s ({parts})", total < t["build_and_load_s"])
                verdict(f"peak memory under {t['peak_rss_mb'] / 1024:.0f} GB, building and validating ({how})",
                        f"{shacl['peak_rss_mb']:.0f} MB", shacl["peak_rss_mb"] < t["peak_rss_mb"])
            elif "timeout" in shacl:
                verdict(target, f"validation did not finish within {self.o.validate_timeout:.0f} s", False)
            elif "error" in shacl:
                verdict(target, shacl["error"], False)
        qs = [q for q in r.get("questions", []) if "oxigraph_s" in q]
        if qs:
            worst = max(qs, key=lambda q: q["oxigraph_s"])
            verdict(f"every saved question under {t['question_s']:.0f} s",
                    f"slowest {worst['id']} {worst['oxigraph_s']:.3f} s",
                    all(q["oxigraph_s"] < t["question_s"] for q in qs))
            timed = [q for q in qs if "rdflib_s" in q or q.get("rdflib_timeout")]
            slower = [q["id"] for q in timed if not q.get("rdflib_timeout") and q["rdflib_s"] <= q["oxigraph_s"]]
            verdict("faster than rdflib Memory on every question",
                    f"{len(timed) - len(slower)}/{len(timed)} faster" + (f" (not: {', '.join(slower)})" if slower else ""),
                    (not slower) if timed else None)
            # a difference of a millisecond is noise, not overhead: judge ratios on questions of 10 ms or more
            judged = [q for q in qs if q.get("ratio_to_raw") and q["raw_s"] >= 0.01]
            if judged:
                worst = max(judged, key=lambda q: q["ratio_to_raw"])
                verdict(f"within {t['raw_ratio']}x of raw pyoxigraph (questions of 10 ms or more)",
                        f"worst x{worst['ratio_to_raw']:.2f} ({worst['id']}, {worst['oxigraph_s']:.3f} vs "
                        f"{worst['raw_s']:.3f} s)", all(q["ratio_to_raw"] <= t["raw_ratio"] for q in judged))
            for kind in ("one partnership", "one year"):
                scoped = [(q["id"], timing["seconds"]) for q in qs for label, timing in q.get("scoped", {}).items()
                          if label.startswith(kind)]
                if scoped:
                    worst_id, worst_s = max(scoped, key=lambda x: x[1])
                    verdict(f"every saved question under {t_q:.0f} s, asked for {kind}",
                            f"{sum(s < t_q for _, s in scoped)}/{len(scoped)} under; slowest {worst_id} "
                            f"{worst_s:.3f} s", all(s < t_q for _, s in scoped))
            agree = all(q.get("agree_raw") is not False and q.get("agree_rdflib") is not False for q in qs)
            verdict("identical answers (oxigraph = raw = rdflib)",
                    "all agree" if agree else "DIFFER: " + ", ".join(
                        q["id"] for q in qs if q.get("agree_raw") is False or q.get("agree_rdflib") is False), agree)
        analyses = r.get("analyses", {})
        for name, a in analyses.items():
            if ("(from store)" in name or "(from the saved table)" in name or "(from open_store" in name
                    or name.startswith("centrality")) \
                    and not name.startswith("delivery table") \
                    and a.get("seconds") is not None:
                verdict(f"{name} under {t['analysis_s']:.0f} s", f"{a['seconds']:.2f} s", a["seconds"] < t["analysis_s"])
        verdict(f"peak memory under {t['peak_rss_mb'] / 1024:.0f} GB",
                f"build {r['build_peak_rss_mb']:.0f} MB; store + questions + analyses + pictures "
                f"{r['peak_rss_mb']:.0f} MB", max(r["peak_rss_mb"], r["build_peak_rss_mb"]) < t["peak_rss_mb"])
        for name, p in r.get("pictures", {}).items():
            if "browser_still_s" in p:
                total = p["graph_s"] + p["html_s"] + p["browser_still_s"]
                verdict(f"{name}: still picture under {t['picture_s']:.0f} s",
                        f"{total:.2f} s ({p['nodes']} nodes: graph {p['graph_s']:.2f} + html {p['html_s']:.2f} + "
                        f"browser {p['browser_still_s']:.2f})", total < t["picture_s"])
        return out


# ------------------------------------------------------------------------------------------------ report


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def markdown(results: dict) -> str:
    m, r = results["machine"], results
    man = r["manifest"]
    lines = [
        f"# cspgraph benchmark, scale {r['scale']}",
        "",
        f"{man['partnerships']} partnerships in {man['force_areas']} force areas, {man['plans']} plans, "
        f"{man['initiatives']:,} initiatives, {r['triples']:,} triples. Machine: {m['cpus']} cores, "
        f"{m['memory_gib']} GiB, {m['os']}, Python {m['python']}; rdflib {m['rdflib']}, pyoxigraph "
        f"{m['pyoxigraph']}, pySHACL {m['pyshacl']}. Load average {r['load_average_start'][0]:.1f} at the start, "
        f"{r['load_average_end'][0]:.1f} at the end (the machine is shared). {r['started']}.",
        "",
        "## Targets", "", "| target | measured | result |", "|---|---|---|",
        *(f"| {v['target']} | {v['measured']} | {v['result']} |" for v in r["targets"]),
        "",
        "## Pipeline", "", "| step | seconds | peak RSS (MB) | note |", "|---|---:|---:|---|",
        *(f"| {s['name']} | {_seconds(s['seconds'])} | {s['peak_rss_mb']:.0f} | {s['note']} |" for s in r["steps"]),
        "",
        f"Build and load (load + check + build + delivery table and Turtle + table saved + load store): **{r['build_and_load_s']:.1f} s**. "
        f"Peak memory: the build (its own process, as `cspgraph build`) **{r['build_peak_rss_mb']:.0f} MB**; "
        f"the store with questions, analyses and pictures **{r['peak_rss_mb']:.0f} MB**.",
        "",
        "## Saved questions (default parameters)", "",
        "| question | rows | oxigraph (shipped) s | raw pyoxigraph s | x raw | rdflib Memory s | answers agree |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for q in r.get("questions", []):
        if "error" in q:
            lines.append(f"| {q['id']} | | ERROR: {q['error'][:80]} | | | | |")
            continue
        rd = (f"{q['rdflib_s']:.3f}" if "rdflib_s" in q else q.get("rdflib_note") or q.get("rdflib_error", "")[:40])
        if q.get("agree_raw") is False or q.get("agree_rdflib") is False:
            agree = "NO"
        else:
            agree = "yes" if q.get("agree_rdflib") else "yes (rdflib not compared)"
        ratio = f"{q['ratio_to_raw']:.2f}" if q.get("ratio_to_raw") else ""
        lines.append(f"| {q['id']} | {q['rows']} | {q['oxigraph_s']:.3f} | {q.get('raw_s', 0):.3f} | {ratio} | "
                     f"{rd} | {agree} |")
    scoped_labels = list(dict.fromkeys(label for q in r.get("questions", []) for label in q.get("scoped", {})))
    if scoped_labels:
        lines += ["", "## Saved questions, asked for one partnership or one year (oxigraph, as shipped)", "",
                  "| question | " + " | ".join(f"{label} s | rows" for label in scoped_labels) + " |",
                  "|---|" + "---:|---:|" * len(scoped_labels)]
        for q in r.get("questions", []):
            if q.get("scoped"):
                cells = [(f"{q['scoped'][label]['seconds']:.3f} | {q['scoped'][label]['rows']}"
                          if label in q["scoped"] else "(no such parameter) | ") for label in scoped_labels]
                lines.append(f"| {q['id']} | " + " | ".join(cells) + " |")
    loads = r.get("rdflib_loads", [])
    if loads:
        lines += ["", "rdflib load (Turtle parse into Memory): " + ", ".join(
            f"{x['loaded']:.1f} s, peak {x['peak_rss_mb']:.0f} MB" if "loaded" in x else x.get("error", "?")
            for x in loads) + f"; raw pyoxigraph load {r.get('raw_load_s', 0):.1f} s."]
    if r.get("analyses"):
        lines += ["", "## Analyses", "", "| analysis | seconds | detail |", "|---|---:|---|"]
        for name, a in r["analyses"].items():
            detail = ", ".join(f"{k} {round(v, 2) if isinstance(v, float) else v}" for k, v in a.items()
                               if k != "seconds")
            secs = "" if a.get("seconds") is None else f"{a['seconds']:.2f}"
            lines.append(f"| {name} | {secs} | {detail} |")
    if r.get("pictures"):
        lines += ["", "## Pictures", "",
                  "| picture | nodes | edges | graph s | layout | HTML s | HTML MB | Chromium still s |",
                  "|---|---:|---:|---:|---|---:|---:|---:|"]
        for name, p in r["pictures"].items():
            if "error" in p:
                lines.append(f"| {name} | | | | ERROR {p['error'][:80]} | | | |")
                continue
            still = f"{p['browser_still_s']:.2f}" if "browser_still_s" in p else p.get("browser_error", p.get(
                "browser_note", ""))[:60]
            lines.append(f"| {name} | {p['nodes']} | {p['edges']} | {p['graph_s']:.2f} | {p['layout']} "
                         f"({p['layout_s']:.2f} s) | {p['html_s']:.2f} | {p['html_mb']:.1f} | {still} |")
    if r.get("site"):
        lines += ["", "## Explorer sites, cut from the national graph (cspgraph explore --pfcc-plan / --partnership)",
                  "", "| site | plans | triples | part s | site s | pages | files | MB | network organisations |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for what, s in r["site"].items():
            if "error" in s:
                lines.append(f"| {what} | ERROR {s['error'][:80]} | | | | | | | |")
                continue
            lines.append(f"| {what} | {s['plans']} | {s['triples']:,} | {s['part_s']:.2f} | {s['site_s']:.2f} | "
                         f"{s['pages']:,} | {s['files']:,} | {s['bytes'] / 2**20:.0f} | {s['network_nodes']} |")
    lines += ["", f"Reproduce: `{r.get('command') or 'python benchmarks/bench.py --scale ' + str(r['scale'])}`", ""]
    return "\n".join(lines)


def write_results(results: dict, out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stem = f"bench-scale-{results['scale']}"
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path


def run(options: Options, command: str | None = None) -> dict:
    """Generate (unless reusing), run every step, write the results when ``options.out`` is set.

    ``command`` is the command line that measures the same again, written at the end of the results."""
    results = Bench(options).run()
    if command is not None:
        results["command"] = command
    if options.out is not None:
        results["files"] = [str(p) for p in write_results(results, options.out)]
    return results


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--rdflib-worker"]:
        rdflib_worker(argv[1], argv[2])
        return
    if argv[:1] == ["--build-worker"]:
        build_worker(*argv[1:4])
        return
    if argv[:1] == ["--table-worker"]:
        table_worker(*argv[1:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national (default); 0.01 for a quick run")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--work", type=Path, help="folder for the generated data and built files "
                                                  "(default: /tmp/cspgraph-bench-SCALE)")
    parser.add_argument("--reuse", action="store_true", help="reuse data already generated in --work")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="where results go (JSON + Markdown)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per question (the median is reported)")
    parser.add_argument("--validate", choices=("auto", "yes", "no"), default="auto",
                        help="SHACL: auto = run with --validate-timeout; yes = no limit; no = skip")
    parser.add_argument("--validate-timeout", type=float, default=600.0)
    parser.add_argument("--validator", choices=("sparql", "pyshacl", "both"), default="sparql",
                        help="SHACL validator(s) to time: sparql (cspgraph's default), pyshacl, or both")
    parser.add_argument("--no-rdflib", action="store_true", help="skip the rdflib comparison")
    parser.add_argument("--rdflib-timeout", type=float, default=120.0, help="seconds a question on rdflib")
    parser.add_argument("--no-browser", action="store_true", help="do not open the pictures in Chromium")
    parser.add_argument("--no-site", action="store_true", help="skip the force-area explorer site")
    parser.add_argument("--no-analyses", action="store_true", help="skip the network and gap analyses")
    parser.add_argument("--no-pictures", action="store_true", help="skip drawing the networks")
    args = parser.parse_args(argv)
    options = Options(scale=args.scale, seed=args.seed, work=args.work or Path(f"/tmp/cspgraph-bench-{args.scale}"),
                      out=args.out, repeat=args.repeat, reuse=args.reuse, validate=args.validate,
                      validators=("sparql", "pyshacl") if args.validator == "both" else (args.validator,),
                      validate_timeout=args.validate_timeout, rdflib=not args.no_rdflib,
                      rdflib_timeout=args.rdflib_timeout, browser=not args.no_browser, site=not args.no_site,
                      analyses=not args.no_analyses, pictures=not args.no_pictures)
    results = run(options, reproduce_command(argv))
    print()
    print(markdown(results))


def reproduce_command(argv: list[str]) -> str:
    """The command that measures the same again: the options given, without where the files went."""
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--out", "--work"):
            skip = True
        elif not arg.startswith(("--out=", "--work=")) and arg != "--reuse":
            shown.append(arg)
    return " ".join(["python benchmarks/bench.py", *shown])


if __name__ == "__main__":
    main()
