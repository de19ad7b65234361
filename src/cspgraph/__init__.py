"""cspgraph: Community Safety Partnership plans as a knowledge graph.

The library API (used by the CLI, the notebooks, the explorer and the tests alike):

- :func:`cspgraph.project.find_project` - where ontology/, data/, queries/ and build/ are
- :func:`cspgraph.build.run_build` - data + ontology -> validated graph, written atomically
- :func:`cspgraph.graph.build_graph` - the graph in memory, without writing
- :func:`cspgraph.validation.validate_graph` - SHACL
- :func:`cspgraph.reasoning.check_consistency` - OWL consistency with HermiT
"""

__version__ = "0.1.0"
