"""The ``cspgraph`` command: a thin layer that parses options, calls one library function, prints the result.

Exit codes (documented in the README):
  0  success; the graph conforms / is consistent
  1  the graph does not conform to the shapes, or is inconsistent under the reasoner
  2  a user error: bad input data, unknown question or parameter, unreachable endpoint, missing tool
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import CspgraphError
from .formatting import FORMATS, render
from .project import ProjectPaths, find_project

EXIT_OK, EXIT_NONCONFORMING, EXIT_ERROR = 0, 1, 2


class _Group(click.Group):
    """Turns library errors into one clear message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CspgraphError as err:
            click.secho(f"error: {err}", fg="red", err=True)
            ctx.exit(EXIT_ERROR)


def _paths(ctx: click.Context) -> ProjectPaths:
    return ctx.obj["paths"]()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cspgraph")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder (default: found from the working directory).")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), help="Plan data folder (default: ROOT/data).")
@click.option("--ontology", "ontology_dir", type=click.Path(file_okay=False, path_type=Path), help="Ontology folder (default: ROOT/ontology).")
@click.option("--queries", "queries_dir", type=click.Path(file_okay=False, path_type=Path), help="Saved questions folder (default: ROOT/queries).")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, data_dir: Path | None, ontology_dir: Path | None, queries_dir: Path | None) -> None:
    """Community Safety Partnership plans as a knowledge graph.

    Build the graph from data/, ask saved questions, analyse who works with whom and where the gaps are,
    and open an offline explorer. Exit codes: 0 ok, 1 does not conform / inconsistent, 2 error.
    """

    def resolve() -> ProjectPaths:
        base = ProjectPaths.at(root) if root else find_project()
        return base.with_overrides(data=data_dir, ontology=ontology_dir, queries=queries_dir)

    ctx.obj = {"paths": resolve}


@cli.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the graph (default: build/cspgraph.ttl).")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation (faster on very large data).")
@click.pass_context
def build(ctx: click.Context, out: Path | None, no_validate: bool) -> None:
    """Build the knowledge graph from data/ and the ontology, validate it with SHACL, write it.

    The file is written only when the graph conforms (exit 0); a non-conforming graph exits 1 and
    leaves the previous file in place.
    """
    from .build import run_build

    report = run_build(_paths(ctx), output=out, validate=not no_validate)
    click.echo(render(["what", "count"], report.summary.rows(), "table"), nl=False)
    if report.validation is not None:
        v = report.validation
        click.echo(f"SHACL: {'conforms' if v.conforms else 'DOES NOT CONFORM'} "
                   f"({v.violations} violations, {v.warnings} warnings)")
        for message in v.messages[:20]:
            click.echo(f"  {message}")
        if len(v.messages) > 20:
            click.echo(f"  ... and {len(v.messages) - 20} more")
    if report.output:
        click.echo(f"wrote {report.output}")
    ctx.exit(EXIT_OK if report.conforms else EXIT_NONCONFORMING)


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate with SHACL and check OWL consistency with HermiT (needs Java). Writes nothing."""
    from .graph import build_graph
    from .reasoning import check_consistency
    from .validation import load_shapes, validate_graph

    paths = _paths(ctx)
    built = build_graph(paths)
    v = validate_graph(built.graph, load_shapes(paths.ontology / "shapes.ttl"))
    click.echo(f"SHACL: {'conforms' if v.conforms else 'DOES NOT CONFORM'} ({v.violations} violations, {v.warnings} warnings)")
    for message in v.messages[:20]:
        click.echo(f"  {message}")
    result = check_consistency(built.graph)
    click.echo(f"OWL ({result.reasoner}): {'consistent' if result.consistent else 'INCONSISTENT'} in {result.seconds:.1f} s")
    if not result.consistent:
        click.echo(f"  {result.explanation}")
    ctx.exit(EXIT_OK if v.conforms and result.consistent else EXIT_NONCONFORMING)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{pair}' is not name=value", param_hint="--param")
        values[name.strip()] = value
    return values


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.pass_context
def questions(ctx: click.Context, fmt: str) -> None:
    """List the saved questions (queries/*.rq): id, title, parameters."""
    from .questions import load_questions

    qs = load_questions(_paths(ctx).queries)
    rows = [(q.id, q.title, ", ".join(f"{p.name}={p.default}" if p.default is not None else p.name for p in q.params))
            for q in qs.values()]
    click.echo(render(["id", "title", "parameters"], rows, fmt), nl=False)


@cli.command()
@click.argument("question_id")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A parameter value (repeatable).")
@click.option("--year", help="Shorthand for --param year=YEAR (plan year, e.g. 2020-21).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="Embedded SPARQL engine.")
@click.pass_context
def ask(ctx: click.Context, question_id: str, params: tuple[str, ...], year: str | None, fmt: str, engine: str) -> None:
    """Answer saved question QUESTION_ID on the bundled data.

    Example: cspgraph ask co-delivery-on-harm --param harm=knife-crime --year 2020-21 --format csv
    """
    from .questions import ask as run, get_question
    from .session import open_store

    paths = _paths(ctx)
    question = get_question(paths.queries, question_id)
    values = _parse_params(params)
    if year is not None:
        question.param("year")
        values["year"] = year
    answer = run(question, open_store(paths, engine), values)
    if answer.empty and fmt == "table":
        click.echo(f"(no rows) {question.empty}".rstrip())
        return
    click.echo(render(answer.columns, answer.rows(), fmt), nl=False)
    if fmt == "json":
        click.echo()


def main() -> None:
    cli(prog_name="cspgraph")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
