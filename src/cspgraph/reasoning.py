"""OWL consistency of the ontology and data, with owlready2 and the HermiT reasoner.

HermiT is a Java program: owlready2 runs it as a subprocess, so a Java runtime must be on PATH (the README's
set-up and ``.ci/run`` install one). owlready2 does not read Turtle, so the graph is handed over as N-Triples
in memory (measured: see FACTS.md in the project guide).
"""

from __future__ import annotations

import io
import shutil
import time
from dataclasses import dataclass

from rdflib import Graph

from .errors import ReasonerError
from .namespaces import ONTOLOGY_IRI


@dataclass(frozen=True)
class ConsistencyResult:
    consistent: bool
    reasoner: str
    seconds: float
    explanation: str = ""


def check_consistency(graph: Graph) -> ConsistencyResult:
    """Load ``graph`` into a fresh owlready2 world and run HermiT.

    Returns a result rather than raising on inconsistency, because an inconsistent graph is an answer (exit 1),
    not a fault; a missing Java runtime is a fault (ReasonerError, exit 2).
    """
    if shutil.which("java") is None:
        raise ReasonerError("no Java runtime on PATH: HermiT needs one.\n  -> install one, e.g. apt-get install default-jre-headless")
    import owlready2

    world = owlready2.World()
    payload = graph.serialize(format="nt", encoding="utf-8")
    try:
        onto = world.get_ontology(str(ONTOLOGY_IRI) + "-data").load(fileobj=io.BytesIO(payload), format="ntriples")
    except Exception as err:
        raise ReasonerError(f"owlready2 could not read the graph: {err}") from None
    started = time.perf_counter()
    try:
        with onto:
            # xsd:gYear and xsd:gYearMonth (dates at the precision a plan gives) are not in the OWL 2 datatype
            # map (OWL 2 Syntax §4), so HermiT is told to skip such literals rather than refuse the graph
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                           ignore_unsupported_datatypes=True)
    except owlready2.OwlReadyInconsistentOntologyError as err:
        return ConsistencyResult(False, "HermiT", time.perf_counter() - started, str(err) or "inconsistent")
    except owlready2.OwlReadyJavaError as err:
        raise ReasonerError(f"HermiT failed to run: {str(err).strip()[-500:]}") from None
    finally:
        world.close()
    return ConsistencyResult(True, "HermiT", time.perf_counter() - started)
