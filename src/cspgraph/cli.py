"""The ``cspgraph`` command: a thin layer that parses options, calls one library function, prints the result.

Exit codes (documented in the README):
  0  success; the graph conforms / is consistent
  1  the graph does not conform to the shapes, or is inconsistent under the reasoner
  2  a user error: bad input data, unknown question or parameter, unreachable endpoint, missing tool
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .errors import CspgraphError, QueryError
from .formatting import FORMATS, render
from .project import ProjectPaths, find_project

if TYPE_CHECKING:  # not at run time: they load rdflib and pyoxigraph, which --help does not need
    from .network import Delivery
    from .store import Store

#: cspgraph.validation.VALIDATORS (the default first), written out: importing it would load rdflib and
#: pyoxigraph for every command, --help included (tests/test_cli.py checks the two agree)
VALIDATORS = ("sparql", "pyshacl")

EXIT_OK, EXIT_NONCONFORMING, EXIT_ERROR = 0, 1, 2


def _once(*decls: str, **attrs):
    """``click.option`` for a single value, refusing it given twice with two values.

    Click keeps the last of a repeated option unsaid: ``gaps --year 2018-19 --year 2020-21`` answered for
    2020-21 alone, as if the first had been read. The option is taken as repeatable and this callback keeps
    it to one value; the same value twice is harmless and accepted.
    """
    default = attrs.pop("default", None)

    def single(ctx: click.Context, param: click.Parameter, values: tuple):
        distinct = list(dict.fromkeys(values))
        if len(distinct) > 1:
            given = ", ".join(repr(str(value)) for value in distinct)
            raise click.BadParameter(f"given {len(values)} times ({given}): give it once")
        return distinct[0] if distinct else default

    return click.option(*decls, multiple=True, callback=single, default=() if default is None else (default,),
                        **attrs)


class _Group(click.Group):
    """Turns library errors into one clear message and exit code 2, never a traceback.

    Ctrl-C exits 130 and a reader that went away (``cspgraph gaps | head``) 141, as a shell reports a process
    those signals stopped: click's own answer to both is 1, which here means "does not conform".
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CspgraphError as err:
            click.secho(f"error: {err}", fg="red", err=True)
            ctx.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            _silence_stdout()  # else Python reports the pipe again as it flushes stdout on the way out
            ctx.exit(141)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # no file descriptor behind stdout (a test runner's capture): nothing will be flushed to a pipe


def _paths(ctx: click.Context) -> ProjectPaths:
    return ctx.obj["paths"]()


def _stderr(message: str) -> None:
    click.echo(message, err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cspgraph")
@_once("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder (default: found from the working directory).")
@_once("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), help="Plan data folder (default: ROOT/data).")
@_once("--ontology", "ontology_dir", type=click.Path(file_okay=False, path_type=Path), help="Ontology folder (default: ROOT/ontology).")
@_once("--queries", "queries_dir", type=click.Path(file_okay=False, path_type=Path), help="Saved questions folder (default: ROOT/queries).")
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
@_once("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the graph (default: build/cspgraph.ttl).")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation.")
@_once("--validator", type=click.Choice(VALIDATORS), default=VALIDATORS[0], show_default=True,
       help="sparql: each shape constraint one query on the whole graph (fast at any size); "
            "pyshacl: the reference implementation, node by node.")
@click.option("--no-table", is_flag=True,
              help="Do not save the delivery table that gaps, network and diff read (the first of them then "
                   "reads the graph and saves it); spares a large build about 1 GB of memory and a few seconds.")
@click.pass_context
def build(ctx: click.Context, out: Path | None, no_validate: bool, validator: str, no_table: bool) -> None:
    """Build the knowledge graph from data/ and the ontology, validate it with SHACL, write it.

    The file is written only when the graph conforms (exit 0); a non-conforming graph exits 1 and
    leaves the previous file in place. Beside build/cspgraph.ttl goes the delivery table that gaps, network
    and diff read, so that they need not load the graph (not with --out elsewhere, nor --no-table).
    """
    from .build import run_build

    report = run_build(_paths(ctx), output=out, validate=not no_validate, validator=validator, table=not no_table,
                       notify=_stderr)
    click.echo(render(["what", "count"], report.summary.rows(), "table"), nl=False)
    if report.validation is not None:
        v = report.validation
        click.echo(f"SHACL ({v.validator}): {'conforms' if v.conforms else 'DOES NOT CONFORM'} "
                   f"({v.violations} violations, {v.warnings} warnings)")
        for message in v.messages[:20]:
            click.echo(f"  {message}")
        if len(v.messages) > 20:
            click.echo(f"  ... and {len(v.messages) - 20} more")
    if report.output:
        click.echo(f"wrote {report.output}")
    if report.table:
        click.echo(f"wrote {report.table} (the table that gaps, network and diff read)")
    ctx.exit(EXIT_OK if report.conforms else EXIT_NONCONFORMING)


@cli.command()
@_once("--validator", type=click.Choice(VALIDATORS), default=VALIDATORS[0], show_default=True,
       help="sparql: each shape constraint one query on the whole graph; pyshacl: the reference, node by node.")
@click.pass_context
def check(ctx: click.Context, validator: str) -> None:
    """Validate with SHACL and check OWL consistency with HermiT (needs Java). Writes nothing."""
    from .graph import build_graph
    from .reasoning import check_consistency
    from .validation import load_shapes, validate_graph

    paths = _paths(ctx)
    built = build_graph(paths, preload=validator == "sparql")  # the validator's store filled while building
    v = validate_graph(built, load_shapes(paths.ontology / "shapes.ttl"), validator)
    built = built.without_store()  # its memory back before the reasoner makes the rdflib graph
    click.echo(f"SHACL ({v.validator}): {'conforms' if v.conforms else 'DOES NOT CONFORM'} ({v.violations} violations, {v.warnings} warnings)")
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
        name = name.strip()
        if name in values and values[name] != value:  # click keeps repeated options: the last would win unsaid
            raise click.BadParameter(f"{name} given twice ('{values[name]}', '{value}'): give it once",
                                     param_hint="--param")
        values[name] = value
    return values


@cli.command()
@_once("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.pass_context
def questions(ctx: click.Context, fmt: str) -> None:
    """List the saved questions (queries/*.rq): id, title, parameters; then each file that cannot be read."""
    from .questions import read_questions

    qs, errors = read_questions(_paths(ctx).queries)
    rows = [(q.id, q.title, ", ".join(f"{p.name}={p.default}" if p.default is not None else p.name for p in q.params))
            for q in qs.values()]
    click.echo(render(["id", "title", "parameters"], rows, fmt), nl=False)
    if errors:
        heading = ("1 saved question cannot be read" if len(errors) == 1
                   else f"{len(errors)} saved questions cannot be read")
        raise QueryError(f"{heading} (the others are listed above):\n" + "\n".join(str(e) for e in errors))


def _remote_options(command):
    """--graph, --auth, --timeout: how to reach a SPARQL server (shared by ask and push)."""
    command = _once("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
                    help="Seconds to wait for the server on each network operation.")(command)
    command = _once("--auth", type=click.Choice(["basic", "digest"]),
                    help="HTTP authentication; the user and password are read from the environment "
                         "variables CSPGRAPH_SPARQL_USER and CSPGRAPH_SPARQL_PASSWORD.")(command)
    return _once("--graph", "graph_iri", metavar="IRI",
                 help="The named graph on the server (default: https://w3id.org/cspgraph/graph/main, "
                      "where 'cspgraph push' puts the graph).")(command)


@cli.command()
@click.argument("question_id")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A parameter value (repeatable).")
@_once("--year", help="Shorthand for --param year=YEAR (plan year, e.g. 2020-21).")
@_once("--partnership", help="Shorthand for --param partnership=SLUG (e.g. safer-colchester, or its name), as "
                             "on gaps, network and diff.")
@_once("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@_once("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
       help="Embedded SPARQL engine (not used with --endpoint).")
@_once("--endpoint", metavar="URL", help="Ask a SPARQL server instead, e.g. http://127.0.0.1:7878/query "
                                          "(put the graph there with 'cspgraph push').")
@_remote_options
@click.pass_context
def ask(ctx: click.Context, question_id: str, params: tuple[str, ...], year: str | None, partnership: str | None,
        fmt: str, engine: str,
        endpoint: str | None, graph_iri: str | None, auth: str | None, timeout: float) -> None:
    """Answer saved question QUESTION_ID on the bundled data, or on a SPARQL server with --endpoint.

    Example: cspgraph ask co-delivery-on-harm --param harm=domestic-abuse --year 2020-21 --format csv
    """
    from .questions import ask as run
    from .questions import get_question
    from .remote import store_for

    paths = _paths(ctx)
    question = get_question(paths.queries, question_id)
    values = _parse_params(params)
    for name, given in (("year", year), ("partnership", partnership)):
        if given is None:
            continue
        question.param(name)  # a question without the parameter: refused, naming the ones it has
        given = given.strip()  # as gaps, network and diff take it
        if name in values and values[name] != given:
            raise click.UsageError(f"--{name} and --param {name}= disagree: give the {name} once")
        values[name] = given
    store = store_for(paths, engine, endpoint=endpoint, graph=graph_iri, auth=auth, timeout=timeout,
                      notify=_stderr)  # the embedded store says when it answers from data no build validated
    answer = run(question, store, values)
    if answer.empty and endpoint is not None:
        store.require_plans()  # a graph never pushed, or a misspelt --graph, answers "no rows" too
    if answer.empty and fmt == "table":
        click.echo(f"(no rows) {question.empty}".rstrip())
        return
    click.echo(render(answer.columns, answer.rows(), fmt), nl=False)
    if fmt == "json":
        click.echo()


@cli.command()
@_once("--endpoint", metavar="URL", help="The server's SPARQL query URL; the Graph Store URL is derived "
                                          "for Oxigraph (/query -> /store) and Virtuoso "
                                          "(/sparql -> /sparql-graph-crud-auth).")
@_once("--store-url", metavar="URL", help="The server's Graph Store Protocol URL (for other servers).")
@_remote_options
@click.pass_context
def push(ctx: click.Context, endpoint: str | None, store_url: str | None, graph_iri: str | None, auth: str | None,
         timeout: float) -> None:
    """Replace a named graph on a SPARQL server with the built graph (build/cspgraph.ttl).

    One HTTP PUT (SPARQL 1.1 Graph Store Protocol): pushing again replaces the graph, and a push cut off
    half way leaves the server's old graph as it was. Needs a current build: run 'cspgraph build' first.

    Example: cspgraph push --endpoint http://127.0.0.1:7878/query
    """
    from .remote import push as run

    result = run(_paths(ctx), endpoint, store_url=store_url, graph=graph_iri, auth=auth, timeout=timeout)
    click.echo(result.summary())


@cli.command()
@_once("--out", type=click.Path(file_okay=False, path_type=Path),
       help="Folder to write the site into (default: ROOT/site). Replaced only if empty or an earlier site.")
@click.option("--partnership", "partnerships", multiple=True, metavar="NAME",
              help="This partnership's plans (a slug or name; repeat for more). Written to ROOT/site-NAME... "
                   "unless --out says otherwise.")
@click.option("--pfcc-plan", "pfcc_plans", multiple=True, metavar="NAME",
              help="The plans serving this Police and Crime Plan, i.e. a force area's partnerships (a slug such "
                   "as pfcc-essex-2016, or its name; repeat for more). Adds up with --partnership.")
@click.option("--year", "years", multiple=True, metavar="YEAR",
              help="Only the plans of this year, e.g. 2020-21 (repeat for more).")
@click.option("--serve", "serve_site", is_flag=True,
              help="Then serve it on http://127.0.0.1:PORT/ (this computer only) until Ctrl-C.")
@_once("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.pass_context
def explore(ctx: click.Context, out: Path | None, partnerships: tuple[str, ...], pfcc_plans: tuple[str, ...],
            years: tuple[str, ...], serve_site: bool, port: int) -> None:
    """Write the offline explorer: a static website of the plans that opens from a folder, no internet needed.

    Open site/index.html in a browser, copy the folder to a shared drive, or use --serve. With --partnership,
    --pfcc-plan or --year the site shows those plans only, and the organisations, priorities and places they
    name: a force area's site instead of the whole country's, in a folder of its own (site-NAME).
    """
    from .explorer import build_site, serve
    from .scope import Scope
    from .session import open_store

    paths = _paths(ctx)
    scope = Scope(partnerships, pfcc_plans, years)
    store = open_store(paths, notify=_stderr)  # opened here, to say when no build validated what it holds
    # a part goes to a folder of its own: in site/ it would replace the whole graph's site
    report = build_site(paths, out or paths.root / (scope.folder if scope else "site"), store=store, scope=scope,
                        notify=_stderr)
    click.echo(render(["what", "value"], report.rows(), "table"), nl=False)
    if report.covers:
        click.echo(f"this site shows {report.covers}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}")
    click.echo(f"open {report.out_dir / 'index.html'} in a browser")
    if serve_site:
        serve(report.out_dir, port, on_listening=lambda url: click.echo(f"serving on {url} - press Ctrl-C to stop"))


@cli.command("import")
@click.argument("table", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="PLAN.csv|PLAN.xlsx")
@_once("--meta", "meta", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
       help="The plan's metadata YAML (partnership, year, priorities, PFCC plan, source).")
@_once("--partnership", help="Override the metadata's partnership id.")
@_once("--year", help="Override the metadata's plan year (e.g. 2021-22).")
@_once("--add-agencies", "add_agencies", metavar="TYPE",
       help="Add organisations missing from the agency register as new agencies of TYPE (e.g. charity) "
            "instead of failing.")
@click.option("--dry-run", is_flag=True, help="Check everything and report; write nothing.")
@click.option("--replace", is_flag=True, help="Overwrite this partnership's plan for this year if already imported.")
@click.option("--no-validate", is_flag=True, help="Skip the SHACL check of the resulting graph.")
@click.pass_context
def import_(ctx: click.Context, table: Path, meta: Path, partnership: str | None, year: str | None,
            add_agencies: str | None, dry_run: bool, replace: bool, no_validate: bool) -> None:
    """Import a partnership's plan from a spreadsheet (one row per initiative) and its metadata.

    Writes data/plans/<partnership>/<year>.yaml, the source text and the register additions, only if the
    whole data folder still loads and validates. Start from 'cspgraph new-plan'.
    """
    from .importer import import_plan

    paths = _paths(ctx)
    shapes = paths.ontology / "shapes.ttl"
    report = import_plan(table, meta, paths.data, ontology_dir=paths.ontology, partnership=partnership, year=year,
                         add_agencies=add_agencies, dry_run=dry_run, replace=replace,
                         shapes=None if no_validate or not shapes.is_file() else shapes)
    click.echo(render(["what", "value"], report.rows(), "table"), nl=False)
    for warning in report.warnings:
        click.echo(f"warning: {warning}")
    for path in report.files:
        click.echo(f"{'would write' if report.dry_run else 'wrote'} {path}")
    if not report.dry_run:
        click.echo("next: cspgraph build")


@cli.command("new-plan")
@_once("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
       help="Folder to write plan-template.csv and plan-meta.yaml into.")
def new_plan(out: Path) -> None:
    """Write an empty plan table (CSV) and a commented metadata file to fill in for 'cspgraph import'."""
    from .importer import column_help, new_plan_template

    table, meta = new_plan_template(out)
    click.echo(render(["column", "what goes in it"], column_help(), "table"), nl=False)
    click.echo(f"wrote {table}\nwrote {meta}")


def _echo_report(summary: list[str], sections: list, fmt: str) -> None:
    """Print an analysis: its plain-words summary, then each section (``title``, ``columns``, ``rows()``)."""
    import json
    import textwrap

    if fmt == "json":
        payload = {"summary": summary, "sections": [
            {"title": s.title, "columns": list(s.columns), "rows": [dict(zip(s.columns, r)) for r in s.rows()],
             **({"note": note} if (note := getattr(s, "note", "")) else {})}
            for s in sections]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        click.echo("".join(f"# {line}\n" for line in summary), nl=False)
        for s in sections:
            note = f"# {s.note}\n" if getattr(s, "note", "") else ""
            click.echo(f"\n# {s.title}\n{note}" + render(s.columns, s.rows(), "csv"), nl=False)
        return
    if fmt == "md":
        click.echo("".join(f"- {line}\n" for line in summary), nl=False)
        for s in sections:
            empty = getattr(s, "note", "") or "(none)"
            click.echo(f"\n## {s.title}\n\n" + (render(s.columns, s.rows(), "md") if s.rows() else f"{empty}\n"), nl=False)
        return
    click.echo("\n".join(textwrap.fill(line, 110, subsequent_indent="  ") for line in summary))
    for s in sections:
        rows = s.rows()
        click.echo(f"\n{s.title}\n{'=' * min(len(s.title), 110)}")
        if not rows:
            click.echo(getattr(s, "note", "") or "(none)")
        elif getattr(s, "prose", False):
            said: dict[str, list[str]] = {}
            for subject, sentence in rows:
                said.setdefault(str(subject), []).append(str(sentence))
            click.echo("\n\n".join(textwrap.fill(" ".join(v), 110) for v in said.values()))
        else:
            click.echo(render(s.columns, rows, "table"), nl=False)


_FORMAT = _once("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
_PARTNERSHIP = _once("--partnership", help="A partnership slug or name (default: every partnership).")
_PFCC_PLAN = _once("--pfcc-plan", help="Only the plans serving this Police and Crime Plan, i.e. a force "
                                       "area's partnerships (its slug, e.g. pfcc-essex-2016).")


def _serving(source: Store | Delivery, pfcc_plan: str | None) -> Store | Delivery:
    """The analyses' source, narrowed to the plans serving ``pfcc_plan`` when one is given."""
    if pfcc_plan is None:
        return source
    from .network import as_delivery
    from .scope import Scope, delivery_part

    return delivery_part(as_delivery(source), Scope(pfcc_plans=(pfcc_plan,)))


@cli.command()
@_once("--year", help="Plan year, e.g. 2020-21 (default: every plan year).")
@_PARTNERSHIP
@_PFCC_PLAN
@_once("--few", type=click.IntRange(min=0), default=1, show_default=True,
       help="Report harms the plan names with at most this many initiatives.")
@_FORMAT
@click.pass_context
def gaps(ctx: click.Context, year: str | None, partnership: str | None, pfcc_plan: str | None, few: int,
         fmt: str) -> None:
    """Where each plan is thin: priorities with no or one initiative, single points of failure, and more.

    Per plan year: PFCC and SCP priorities with no delivering initiative or only one; priorities whose every
    initiative is led by the same single agency; the SCP x PFCC matrix; risk-matrix offence types and focus
    harms with few initiatives; statutory partners that lead nothing; initiatives with no PFCC priority.

    Example: cspgraph gaps --year 2020-21 --format md
    """
    from .gaps import gap_report
    from .session import analysis_source

    source = analysis_source(_paths(ctx), notify=_stderr)
    report = gap_report(_serving(source, pfcc_plan), year=year, partnership=partnership,
                        few=few)
    _echo_report(report.summary(), report.sections(), fmt)


@cli.command()
@_once("--year", help="Plan year, e.g. 2020-21 (default: every plan year).")
@_once("--harm", help="Only initiatives on this harm or a narrower one, e.g. county-lines, exploitation.")
@_once("--priority", help="Only initiatives serving this priority: pfcc:4, scp:1 or scheme/number.")
@_PARTNERSHIP
@_PFCC_PLAN
@click.option("--agency", "agencies", multiple=True, help="Explain this agency (slug or name; repeatable). "
                                                          "Default: the most brokering agencies.")
@_once("--top", type=click.IntRange(min=0), default=5, show_default=True,
       help="How many agencies to explain when --agency is not given.")
@_FORMAT
@_once("--html", type=click.Path(dir_okay=False, path_type=Path),
       help="Also draw the network into this HTML file: one page that opens offline, anywhere.")
@click.pass_context
def network(ctx: click.Context, year: str | None, harm: str | None, priority: str | None, partnership: str | None,
            pfcc_plan: str | None, agencies: tuple[str, ...], top: int, fmt: str, html: Path | None) -> None:
    """Who delivers with whom: partners, brokers and communities of the co-delivery network.

    Two agencies are linked when they take part (lead or partner) in the same initiative; the link's weight is
    the number of such initiatives. Prints each agency's partners and betweenness (brokerage), the
    communities, and plain-words explanations.

    Example: cspgraph network --year 2020-21 --harm hate-crime
    """
    from .network import network_report
    from .session import analysis_source

    source = analysis_source(_paths(ctx), notify=_stderr)
    report = network_report(_serving(source, pfcc_plan), year=year, harm=harm,
                            priority=priority, partnership=partnership, agencies=agencies, top=top)
    _echo_report([report.summary], report.sections(), fmt)
    if html is not None:
        from .drawing import write_html

        write_html(report.graph, html, "Who works with whom", description=report.summary)
        click.echo(f"wrote {html}", err=True)  # stderr: --format json/csv output stays parseable


@cli.command()
@click.argument("from_year", metavar="FROM")
@click.argument("to_year", metavar="TO")
@_PARTNERSHIP
@_FORMAT
@click.pass_context
def diff(ctx: click.Context, from_year: str, to_year: str, partnership: str | None, fmt: str) -> None:
    """What changed from plan year FROM to TO: initiatives continued, new and dropped; agencies; priorities.

    Continuation follows csp:continues links; SCP priorities are matched by the harms they focus on.

    Example: cspgraph diff 2018-19 2020-21
    """
    from .change import compare_plans
    from .session import analysis_source

    change = compare_plans(analysis_source(_paths(ctx), notify=_stderr), from_year, to_year, partnership=partnership)
    _echo_report(change.summary(), change.sections(), fmt)


def main() -> None:
    cli(prog_name="cspgraph")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
