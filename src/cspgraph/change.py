"""What changed between two plan years of one partnership: initiatives, agencies, priorities.

The same scheme in two plan years is two initiative nodes linked by ``csp:continues`` (the ontology notes: an
initiative is a year's commitment), so a comparison reads the links rather than guessing from names:

- *continued*: a later initiative that continues (directly or through a plan in between) an earlier one;
- *new*: a later initiative that continues nothing from the earlier plan;
- *dropped*: an earlier initiative that no later initiative continues;
- agencies that *joined* or *left* delivery: lead or partner on some initiative in one year and on none in the
  other (units rolled up to their agency);
- priorities *reworded*: the partnership's own priorities are renumbered and retitled from year to year, so an
  earlier priority is matched to a later one by the harms they focus on (most shared harms first), falling
  back to the number only when a priority names no harm. Both titles are shown.

>>> from cspgraph.project import find_project
>>> from cspgraph.session import open_store
>>> change = compare_plans(open_store(find_project()), "2018-19", "2020-21")
>>> change.from_year, change.to_year
('2018-19', '2020-21')
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import QueryError
from .plandata import YEAR
from .network import Delivery, Initiative, Priority, Section, _names, as_delivery
from .store import Store, paused_gc


@dataclass(frozen=True)
class Continued:
    from_iri: str
    from_label: str
    to_iri: str
    to_label: str


@dataclass(frozen=True)
class AgencyChange:
    agency: str
    label: str
    type: str
    before: int  # initiatives it takes part in, earlier year
    after: int  # later year

    @property
    def status(self) -> str:
        if self.before and not self.after:
            return "left"
        if self.after and not self.before:
            return "joined"
        return "stayed"


@dataclass(frozen=True)
class PriorityMatch:
    """An earlier SCP priority and the later one it became (either side None: dropped or new)."""

    before: Priority | None
    after: Priority | None
    shared_harms: tuple[str, ...] = ()  # labels
    matched_by: str = ""  # "harms" | "number" | ""

    @property
    def status(self) -> str:
        if self.after is None:
            return "dropped"
        if self.before is None:
            return "new"
        same = " ".join(self.before.label.split()).lower() == " ".join(self.after.label.split()).lower()
        return "unchanged" if same else "reworded"


@dataclass(frozen=True)
class PlanChange:
    """Year-on-year change of one partnership's plan."""

    partnership: str
    partnership_label: str
    from_year: str
    to_year: str
    continued: tuple[Continued, ...]
    new: tuple[tuple[str, str], ...]  # (IRI, label) of later initiatives that continue nothing earlier
    dropped: tuple[tuple[str, str], ...]  # (IRI, label) of earlier initiatives nobody continues
    agencies: tuple[AgencyChange, ...]
    priorities: tuple[PriorityMatch, ...]
    from_initiatives: int = 0
    to_initiatives: int = 0

    @property
    def joined(self) -> list[AgencyChange]:
        return [a for a in self.agencies if a.status == "joined"]

    @property
    def left(self) -> list[AgencyChange]:
        return [a for a in self.agencies if a.status == "left"]

    @property
    def reworded(self) -> list[PriorityMatch]:
        return [m for m in self.priorities if m.status == "reworded"]

    def summary(self) -> list[str]:
        a, b = self.from_year, self.to_year
        continued = len({c.to_iri for c in self.continued})
        said = [(f"{self.partnership_label}, {a} to {b}: {self.from_initiatives} initiatives in {a}, "
                 f"{self.to_initiatives} in {b}; {continued} continued from {a}, "
                 f"{len(self.new)} new, {len(self.dropped)} dropped.")]
        if self.joined:
            said.append(f"Joined delivery in {b}: {_names([x.label for x in self.joined], 8)}.")
        if self.left:
            said.append(f"Took part in {a} but not in {b}: {_names([x.label for x in self.left], 8)}.")
        if not self.joined and not self.left:
            said.append("The same agencies deliver in both years.")
        for m in self.priorities:
            if m.status == "reworded":
                said.append(f"SCP {m.before.notation} '{m.before.label}' ({a}) became SCP {m.after.notation} "
                            f"'{m.after.label}' ({b})" + (f", sharing {_names(list(m.shared_harms))}." if m.shared_harms
                                                         else ", matched by number."))
            elif m.status == "dropped":
                said.append(f"SCP {m.before.notation} '{m.before.label}' ({a}) has no counterpart in {b}.")
            elif m.status == "new":
                said.append(f"SCP {m.after.notation} '{m.after.label}' is new in {b}.")
        return said

    def sections(self) -> list[Section]:
        a, b = self.from_year, self.to_year
        name = f"{self.partnership_label} {a} to {b}"
        return [
            Section(f"{name}: initiatives continued", (a, b), tuple((c.from_label, c.to_label) for c in self.continued)),
            Section(f"{name}: new initiatives in {b}", ("initiative",), tuple((label,) for _, label in self.new)),
            Section(f"{name}: initiatives dropped after {a}", ("initiative",), tuple((label,) for _, label in self.dropped)),
            Section(f"{name}: agencies", ("agency", "type", f"initiatives {a}", f"initiatives {b}", "change"),
                    tuple((x.label, x.type, x.before, x.after, x.status) for x in self.agencies)),
            Section(f"{name}: SCP priorities", (f"{a} priority", f"{a} title", f"{b} priority", f"{b} title",
                                                "matched by", "shared harms", "change"),
                    tuple(_match_row(m) for m in self.priorities)),
        ]


def _match_row(m: PriorityMatch) -> tuple[Any, ...]:
    return (m.before.name if m.before else "", m.before.label if m.before else "",
            m.after.name if m.after else "", m.after.label if m.after else "",
            m.matched_by, ", ".join(m.shared_harms), m.status)


def match_priorities(before: Sequence[Priority], after: Sequence[Priority],
                     harm_labels: Mapping[str, str]) -> tuple[PriorityMatch, ...]:
    """Pair an earlier plan's SCP priorities with a later plan's, one to one.

    Pairs are taken greedily by the share of focus harms in common (Jaccard), ties going to the same number,
    then the lower numbers; a priority that names no harm is paired by number with one that is still free.
    """
    scored = []
    for p in before:
        for q in after:
            x, y = p.focus, q.focus
            if x & y:
                scored.append((-len(x & y) / len(x | y), p.notation != q.notation, p.sort_key(), q.sort_key(), p, q))
    scored.sort(key=lambda s: s[:4])
    pairs: dict[str, PriorityMatch] = {}
    used: set[str] = set()
    for *_, p, q in scored:
        if p.iri in pairs or q.iri in used:
            continue
        shared = sorted(harm_labels.get(h, h) for h in p.focus & q.focus)
        pairs[p.iri] = PriorityMatch(p, q, tuple(shared), "harms")
        used.add(q.iri)
    for p in before:
        if p.iri in pairs:
            continue
        q = next((q for q in after if q.notation == p.notation and q.iri not in used), None)
        if q is not None and (not p.focus or not q.focus):
            pairs[p.iri] = PriorityMatch(p, q, (), "number")
            used.add(q.iri)
    matches = [pairs.get(p.iri, PriorityMatch(p, None)) for p in before]
    matches += [PriorityMatch(None, q) for q in after if q.iri not in used]
    return tuple(matches)


def _ancestors(ini: Initiative, by_iri: Mapping[str, Initiative]) -> set[str]:
    """Every initiative this one continues, following csp:continues through plans in between."""
    seen: set[str] = set()
    todo = list(ini.continues)
    while todo:
        iri = todo.pop()
        if iri in seen:
            continue
        seen.add(iri)
        if iri in by_iri:
            todo.extend(by_iri[iri].continues)
    return seen


@paused_gc()
def compare_plans(source: Store | Delivery, from_year: str, to_year: str, partnership: str | None = None,
                  data: Delivery | None = None) -> PlanChange:
    """Compare two plan years of one partnership: the one call behind ``cspgraph diff FROM TO``.

    ``partnership`` (slug, IRI or label) may be left out when only one partnership has plans in both years.
    From a store, the whole-country table kept on it or saved for it (:func:`~cspgraph.network.as_delivery`),
    else only the plans from FROM to TO are read (the years between too: continuation is followed through
    them). Pass a :class:`~cspgraph.network.Delivery` (as ``source`` or ``data``) to reuse one extraction.
    """
    from_year, to_year = str(from_year).strip(), str(to_year).strip()
    for year in (from_year, to_year):
        if not YEAR.fullmatch(year):
            raise QueryError(f"'{year}' is not a plan year like 2020-21")
    if from_year >= to_year:
        raise QueryError(f"FROM ({from_year}) must be an earlier plan year than TO ({to_year})")
    if data is None:
        # one partnership's plans only, when it is named: nationally that reads 10 plans instead of 600
        data = as_delivery(source, since=from_year, until=to_year, partnership=partnership)
    data.require("priorities", "continues")
    for year in (from_year, to_year):
        data.check_year(year)
    plans = {(p.partnership, p.year): p for p in data.plans.values()}
    both = sorted(p for p, y in plans if y == from_year and (p, to_year) in plans)
    labels = data.partnerships
    if partnership is not None:
        chosen = data.resolve(partnership, "partnership", labels)
        if chosen not in both:
            raise QueryError(f"{labels.get(chosen, chosen)} does not have plans for both {from_year} and {to_year}")
    elif len(both) == 1:
        chosen = both[0]
    elif not both:
        raise QueryError(f"no partnership has plans for both {from_year} and {to_year}")
    else:
        names = ", ".join(labels[p] for p in both[:10]) + (" ..." if len(both) > 10 else "")
        raise QueryError(f"{len(both)} partnerships have plans for both years ({names})\n  -> pass --partnership")
    before, after = plans[(chosen, from_year)], plans[(chosen, to_year)]

    # followed through this partnership's plans from FROM to TO only, as read from a store (delivery(since=,
    # until=, partnership=)): a Delivery of every plan (the saved table) then gives the same answer
    by_iri = {i.iri: i for i in data.initiatives if i.partnership == chosen and from_year <= i.year <= to_year}
    old = [i for i in data.initiatives if i.plan == before.iri]
    new = [i for i in data.initiatives if i.plan == after.iri]
    old_iris = {i.iri for i in old}
    continued, fresh, kept = [], [], set()
    for ini in new:
        earlier = sorted(_ancestors(ini, by_iri) & old_iris)
        if not earlier:
            fresh.append((ini.iri, ini.name))
        for iri in earlier:
            continued.append(Continued(iri, by_iri[iri].name, ini.iri, ini.name))
            kept.add(iri)
    dropped = tuple((i.iri, i.name) for i in old if i.iri not in kept)

    count_before = Counter(a for i in old for a in i.agencies)
    count_after = Counter(a for i in new for a in i.agencies)
    agencies = []
    for iri in set(count_before) | set(count_after):
        agency = data.agencies.get(iri)
        agencies.append(AgencyChange(iri, agency.label if agency else iri, agency.type if agency else "",
                                     count_before[iri], count_after[iri]))
    order = {"joined": 0, "left": 1, "stayed": 2}
    agencies.sort(key=lambda x: (order[x.status], x.label.lower()))

    return PlanChange(
        partnership=chosen, partnership_label=before.partnership_label, from_year=from_year, to_year=to_year,
        continued=tuple(sorted(continued, key=lambda c: (c.to_label.lower(), c.from_label.lower()))),
        new=tuple(sorted(fresh, key=lambda x: x[1].lower())),
        dropped=tuple(sorted(dropped, key=lambda x: x[1].lower())),
        agencies=tuple(agencies),
        priorities=match_priorities(data.plan_priorities(before, "scp"), data.plan_priorities(after, "scp"),
                                    data.harms),
        from_initiatives=len(old),
        to_initiatives=len(new),
    )
