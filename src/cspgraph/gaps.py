"""Where each plan is thin: priorities nobody delivers, priorities that rest on one initiative or one agency.

A partnership plan promises to serve its own (SCP) priorities and the Police, Fire and Crime Commissioner's
plan; its initiative tables say who delivers what. Reading both from the knowledge graph, a gap report lists,
per plan year:

- PFCC and SCP priorities with no delivering initiative, and with only one;
- priorities that depend on a single agency: every initiative supporting them is led by that agency alone, so
  if it withdrew the priority would be uncovered (an initiative with no lead recorded does not count as
  depending on anyone);
- the SCP x PFCC matrix: how many initiatives serve each pair;
- the risk matrix's offence types and the priorities' focus harms, with how many initiatives address each
  (narrower harms count: work on cuckooing addresses county lines);
- statutory partners (Crime and Disorder Act 1998 s5 responsible authorities listed as statutory members)
  that lead no initiative;
- initiatives that name no PFCC priority.

When every priority has an initiative (as on the Safer Colchester plans), the report still says something:
the thinnest coverage and the single points of failure.

>>> from cspgraph.project import find_project
>>> from cspgraph.session import open_store
>>> report = gap_report(open_store(find_project()), year="2020-21")
>>> [p.year for p in report.plans]
['2020-21']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import QueryError
from .namespaces import slug_of
from .network import Delivery, Initiative, Named, Plan, Priority, Section, _names, _plural, as_delivery
from .store import Store, paused_gc


def choose_plans(data: Delivery, year: str | None = None, partnership: str | None = None) -> list[Plan]:
    """The plans matching a year and partnership (slug, IRI or label); unknown values are a QueryError."""
    chosen = [p for p in data.plans.values() if data.read(p)]
    if year is not None:
        year = data.check_year(year)
        chosen = [p for p in chosen if p.year == year]
    if partnership is not None:
        iri = data.resolve(partnership, "partnership", data.partnerships)
        chosen = [p for p in chosen if p.partnership == iri]
    return chosen


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class PriorityCoverage:
    """How one priority is delivered in one plan."""

    priority: Priority
    initiatives: tuple[str, ...]  # names (Initiative.name), in plan order
    lead_agencies: tuple[str, ...]  # labels of every lead agency of those initiatives
    sole_agency: str | None = None  # the one agency every supporting initiative depends on, if any

    @property
    def count(self) -> int:
        return len(self.initiatives)


@dataclass(frozen=True)
class HarmCoverage:
    harm: str
    label: str
    why: str  # "risk matrix #2, as 'Trafficking Drugs'", "focus of SCP 2"
    initiatives: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.initiatives)


@dataclass(frozen=True)
class IdlePartner:
    """A statutory member that leads no initiative of the plan."""

    agency: str
    label: str
    partner_in: int  # initiatives it takes part in as a partner


@dataclass(frozen=True)
class Unmapped:
    """An initiative whose PFCC cell names no priority."""

    initiative: str
    label: str
    leads: str  # lead agency labels, joined
    scp: str  # SCP priority numbers, joined


@dataclass(frozen=True)
class PlanGaps:
    """The gaps of one plan (one partnership, one year)."""

    plan: Plan
    initiatives: int
    coverage: tuple[PriorityCoverage, ...]
    matrix_columns: tuple[str, ...]
    matrix: tuple[tuple[Any, ...], ...]
    harms: tuple[HarmCoverage, ...]
    idle_statutory: tuple[IdlePartner, ...]
    unmapped: tuple[Unmapped, ...]
    few: int = 1
    cells: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (SCP IRI, PFCC IRI) -> initiatives
    # False when no initiative names any priority of the plan's PFCC plan (a table imported without a PFCC
    # column): its PFCC priorities are then unknown, not undelivered, as the saved questions say too
    pfcc_mapped: bool = True

    @property
    def year(self) -> str:
        return self.plan.year

    @property
    def outline(self) -> Plan:
        """The plan (name, year, risk matrix, statutory members); kept under this name for older callers."""
        return self.plan

    def _kind(self, kind: str) -> list[PriorityCoverage]:
        return [c for c in self.coverage if c.priority.kind == kind]

    @property
    def uncovered(self) -> list[PriorityCoverage]:
        """Priorities (PFCC first, then SCP) with no delivering initiative; PFCC ones only if the plan maps any."""
        return [c for c in self.coverage if c.count == 0 and (self.pfcc_mapped or c.priority.kind != "pfcc")]

    @property
    def single_initiative(self) -> list[PriorityCoverage]:
        return [c for c in self.coverage if c.count == 1]

    @property
    def single_agency(self) -> list[PriorityCoverage]:
        return [c for c in self.coverage if c.sole_agency]

    @property
    def thin_harms(self) -> list[HarmCoverage]:
        return [h for h in self.harms if h.count <= self.few]

    def summary(self) -> list[str]:
        """Plain-words findings, informative even when no priority is totally uncovered."""
        said = [f"{self.plan.name}: {_plural(self.initiatives, 'initiative')}."]
        pfcc = self._kind("pfcc")
        none = [c for c in pfcc if c.count == 0]
        if pfcc and not self.pfcc_mapped:
            said.append(f"No initiative names a priority of the PFCC plan (no PFCC mapping in this plan), so its "
                        f"{len(pfcc)} PFCC priorities cannot be checked against it.")
        elif none:
            said.append(f"{_plural(len(none), 'PFCC priority', 'PFCC priorities')} of {len(pfcc)} "
                        f"{'has' if len(none) == 1 else 'have'} no delivering initiative: "
                        f"{_names([_priority(c.priority) for c in none], 6)}.")
        elif pfcc:
            said.append(f"Every one of the {len(pfcc)} PFCC priorities has at least one initiative.")
        scp_none = [c for c in self._kind("scp") if c.count == 0]
        if scp_none:
            said.append(f"No initiative serves {_names([_priority(c.priority) for c in scp_none], 6)}.")
        ones = self.single_initiative
        for c in ones:
            said.append(f"Only one initiative delivers {_priority(c.priority)}: {c.initiatives[0]}.")
        covered = [c for c in pfcc if c.count > 1]
        if not ones and covered:
            low = min(c.count for c in covered)
            thinnest = [c for c in covered if c.count == low]
            said.append(f"The thinnest PFCC coverage is {low} initiatives, for "
                        f"{_names([_priority(c.priority) for c in thinnest], 6)}.")
        for c in self.single_agency:
            said.append(f"{_priority(c.priority)} depends on {c.sole_agency} alone: it leads every initiative "
                        f"that delivers it ({_names(list(c.initiatives), 4)}).")
        if not self.single_agency and any(c.count for c in self.coverage):
            said.append("No priority depends on a single lead agency.")
        thin = self.thin_harms
        if thin:
            said.append(f"Harms the plan names that have at most {_plural(self.few, 'initiative')}: "
                        + "; ".join(f"{h.label} ({h.why}): {h.count or 'none'}" for h in thin) + ".")
        if self.idle_statutory:
            said.append(f"{_plural(len(self.idle_statutory), 'statutory partner')} of {len(self.plan.statutory)} "
                        f"{'leads' if len(self.idle_statutory) == 1 else 'lead'} no initiative: "
                        f"{_names([x.label for x in self.idle_statutory], 8)}.")
        elif self.plan.statutory:
            said.append(f"Every one of the {len(self.plan.statutory)} statutory partners leads at least one initiative.")
        if self.unmapped and self.pfcc_mapped:
            verb = "names" if len(self.unmapped) == 1 else "name"
            said.append(f"{len(self.unmapped)} of {self.initiatives} initiatives {verb} no PFCC priority: "
                        f"{_names([u.label for u in self.unmapped], 5)}.")
        return said

    def sections(self) -> list[Section]:
        name, year = self.plan.name, self.year

        def cov(rows: Sequence[PriorityCoverage]) -> tuple[tuple[Any, ...], ...]:
            return tuple((year, Named(c.priority.name, c.priority.iri), c.priority.label, c.count,
                          "; ".join(c.initiatives), ", ".join(c.lead_agencies)) for c in rows)

        cov_cols = ("year", "priority", "title", "initiatives", "delivered by", "lead agencies")
        return [
            Section(f"{name}: coverage of every priority", cov_cols, cov(self.coverage)),
            Section(f"{name}: priorities with no initiative", cov_cols, cov(self.uncovered)),
            Section(f"{name}: priorities with only one initiative", cov_cols, cov(self.single_initiative)),
            Section(f"{name}: priorities that depend on a single agency",
                    ("year", "priority", "title", "agency", "initiatives", "delivered by"),
                    tuple((year, Named(c.priority.name, c.priority.iri), c.priority.label, c.sole_agency, c.count,
                           "; ".join(c.initiatives)) for c in self.single_agency)),
            Section(f"{name}: SCP x PFCC priorities (initiatives serving both)", self.matrix_columns, self.matrix),
            Section(f"{name}: risk-matrix offence types and focus harms",
                    ("year", "harm", "named as", "initiatives", "addressed by"),
                    tuple((year, Named(h.label, h.harm), h.why, h.count, "; ".join(h.initiatives))
                          for h in self.harms)),
            Section(f"{name}: statutory partners that lead nothing", ("year", "agency", "partner in"),
                    tuple((year, Named(x.label, x.agency), x.partner_in) for x in self.idle_statutory),
                    note="" if self.plan.statutory else "The plan lists no members: its statutory partners "
                                                        "cannot be checked."),
            Section(f"{name}: initiatives with no PFCC priority", ("year", "initiative", "lead", "SCP priorities"),
                    tuple((year, Named(u.label, u.initiative), u.leads, u.scp) for u in self.unmapped)),
        ]


def _priority(p: Priority) -> str:
    return f"{p.name} ({p.label})" if p.label else p.name


@dataclass(frozen=True)
class GapReport:
    """Gaps of every plan chosen, in partnership then year order."""

    plans: tuple[PlanGaps, ...]

    def summary(self) -> list[str]:
        return [sentence for plan in self.plans for sentence in plan.summary()]

    def sections(self) -> list[Section]:
        return [section for plan in self.plans for section in plan.sections()]

    def plan(self, year: str, partnership: str | None = None) -> PlanGaps:
        for p in self.plans:
            if p.year == year and partnership in (None, p.plan.partnership, slug_of(p.plan.partnership)):
                return p
        raise QueryError(f"no plan for {year} in this report")


# ------------------------------------------------------------------------------------------------ analysis


def plan_gaps(plan: Plan, data: Delivery, few: int = 1, initiatives: Sequence[Initiative] | None = None) -> PlanGaps:
    """The gaps of one plan, from the initiatives of that plan (found in ``data`` if not given)."""
    inits = list(initiatives) if initiatives is not None else [i for i in data.initiatives if i.plan == plan.iri]
    pfcc, scp = data.plan_priorities(plan, "pfcc"), data.plan_priorities(plan, "scp")
    name = data.agency_label
    # each initiative's priorities once, rather than every initiative once per priority and per matrix cell:
    # the same answer, a third of the time on 1,500 plans
    by_priority: dict[str, list[Initiative]] = defaultdict(list)
    for i in inits:
        for iri in i.priorities:
            by_priority[iri].append(i)
    coverage = []
    for p in (*pfcc, *scp):
        serving = by_priority.get(p.iri, [])
        sole = {a for i in serving for a in i.leads}
        # each lead named once, not once per initiative it leads (378,000 lookups -> the distinct leads)
        leads = sorted({name(a) for a in sole}, key=str.lower)
        only = next(iter(sole)) if serving and len(sole) == 1 and all(len(i.leads) == 1 for i in serving) else None
        coverage.append(PriorityCoverage(p, tuple(i.name for i in serving), tuple(leads), name(only) if only else None))

    pfcc_iris = {p.iri for p in pfcc}
    columns = ("SCP priority", *(p.name for p in pfcc), "no PFCC", "total")
    scp_iris = {s.iri for s in scp}
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for i in inits:
        mine_pfcc = i.priorities & pfcc_iris
        for s_iri in i.priorities & scp_iris:
            for p_iri in mine_pfcc:
                counted[(s_iri, p_iri)] += 1
    cells = {(s.iri, p.iri): counted.get((s.iri, p.iri), 0) for s in scp for p in pfcc}
    matrix = []
    for s in (*scp, None):
        # by_priority keeps the initiatives' order, as a scan would
        serving = by_priority.get(s.iri, []) if s else [i for i in inits if not i.priorities & scp_iris]
        if s is None and not serving:
            continue
        counts = [cells[(s.iri, p.iri)] if s else sum(1 for i in serving if p.iri in i.priorities) for p in pfcc]
        unmapped = sum(1 for i in serving if not i.priorities & pfcc_iris)
        matrix.append((_priority(s) if s else "(no SCP priority)", *counts, unmapped, len(serving)))

    harms: dict[str, list[str]] = {}
    for entry in plan.risk:
        label = data.harms.get(entry.harm, "")
        written = "" if entry.offence.lower() == label.lower() else f", as '{entry.offence}'"
        harms.setdefault(entry.harm, []).append(f"risk matrix #{entry.rank}{written}")
    for p in (*scp, *pfcc):
        for harm in sorted(p.focus):
            harms.setdefault(harm, []).append(f"focus of {p.name}")
    # each initiative's harms once, rather than every initiative once per harm (as for priorities above)
    by_harm: dict[str, list[str]] = defaultdict(list)
    for i in inits:
        for h in i.harm_groups:
            if h in harms:
                by_harm[h].append(i.name)
    harm_rows = [HarmCoverage(h, data.harms.get(h, slug_of(h)), "; ".join(why), tuple(by_harm.get(h, ())))
                 for h, why in harms.items()]
    harm_rows.sort(key=lambda h: (h.count, h.label.lower()))

    leading = {a for i in inits for a in i.leads}
    partnering: dict[str, int] = defaultdict(int)
    for i in inits:
        for a in i.partners:
            partnering[a] += 1
    idle = tuple(IdlePartner(a, label, partnering[a]) for a, label in plan.statutory.items() if a not in leading)

    unmapped_rows = tuple(
        Unmapped(i.iri, i.name, ", ".join(sorted(name(a) for a in i.leads)),
                 ", ".join(p.notation for p in sorted(_scp_of(i, data), key=Priority.sort_key)))
        for i in inits if not i.priorities & pfcc_iris
    )
    mapped = not pfcc or any(i.priorities & pfcc_iris for i in inits)
    return PlanGaps(plan, len(inits), tuple(coverage), columns, tuple(matrix), tuple(harm_rows), idle,
                    unmapped_rows, few, cells, mapped)


def _scp_of(ini: Initiative, data: Delivery) -> list[Priority]:
    return [p for p in (data.priorities.get(x) for x in ini.priorities) if p and p.kind == "scp"]


@paused_gc()
def gap_report(source: Store | Delivery, year: str | None = None, partnership: str | None = None,
               few: int = 1, data: Delivery | None = None) -> GapReport:
    """Gaps of every plan (or of one year / partnership): the one call behind ``cspgraph gaps``.

    ``few`` is the most initiatives a harm may have and still be reported as thinly covered (default 1).
    Pass a :class:`~cspgraph.network.Delivery` (as ``source`` or ``data``) to reuse one extraction.
    """
    if few < 0:
        raise QueryError(f"'few' must be 0 or more, not {few}")
    if data is None:  # harms and priorities only: not reading csp:continues saves 0.15 s of 1.9 for a year
        data = as_delivery(source, year=year, partnership=partnership, facts=("harms", "priorities"))
    data.require("harms", "priorities")
    by_plan: dict[str, list[Initiative]] = defaultdict(list)
    for ini in data.initiatives:
        by_plan[ini.plan].append(ini)
    return GapReport(tuple(plan_gaps(p, data, few, by_plan.get(p.iri, []))
                           for p in choose_plans(data, year, partnership)))
