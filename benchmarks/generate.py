"""A deterministic synthetic national dataset: every partnership's plans, in the format of ``data/README.md``.

A Police, Fire and Crime Commissioner or the Home Office would load every Community Safety Partnership's
plans at once: about 300 partnerships in about 40 police force areas, five plan years each, about 60
initiatives a plan (90,000 initiatives). Real plans at that scale are not curated yet, so this module invents
them, with the shape of the real data (``data/plans/safer-colchester``) so the benchmark exercises every
part of the pipeline:

- agencies are local (a council with a community safety team, a housing provider, charities, a community
  group, a school, a sports club: one set a partnership) or shared: each force area's police (with a
  community policing team a partnership), fire and rescue service, NHS integrated care board and PFCC office,
  and national bodies (the Probation Service, NHS England, Crimestoppers...), so co-delivery networks join
  partnerships through the agencies they share;
- harms are the real slugs of ``ontology/harms.ttl``, statuses those of ``ontology/statuses.ttl``;
- one Police and Crime Plan a force area, whose numbered priorities the plans' PFCC cells cite; in every
  force area one or two PFCC priorities are *deliberately undelivered* (no initiative cites them) so that gap
  analyses have something to find, and the manifest lists them;
- 60% of a plan's initiatives carry on from the previous year's plan (``continues:``);
- every fact has valid line references into a synthetic source text written beside it.

Names are invented ("Brackwell", "Ashmoorshire") so that no one mistakes the output for real plans. The same
``--seed`` and ``--scale`` always write the same bytes.

Usage::

    python benchmarks/generate.py --scale 0.01 --out /tmp/national
    # writes /tmp/national/data/... and /tmp/national/manifest.json
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from rdflib import Graph
from rdflib.namespace import SKOS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))  # run from a checkout without installing

from cspgraph.namespaces import ID  # noqa: E402

#: national scale (scale 1.0)
PARTNERSHIPS = 300
FORCE_AREAS = 40
YEARS = ("2018-19", "2019-20", "2020-21", "2021-22", "2022-23")
INITIATIVES_PER_PLAN = 60
CARRY_OVER = 0.6

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# ---------------------------------------------------------------------------------------- word lists

_START = ("Ash", "Brack", "Bram", "Cal", "Dun", "Eld", "Fen", "Glen", "Hal", "Hart", "Kel", "Lang", "Mar", "Nor",
          "Oak", "Pen", "Red", "Ros", "Sand", "Stan", "Thorn", "Wel", "Wick", "Wold", "Yar", "Ald", "Bur", "Cor",
          "Dar", "Har", "Lud", "Mel", "Ock", "Pol", "Sel", "Tam", "Ux", "Ver", "Wen", "Brad")
_MIDDLE = ("", "", "ing", "en", "er", "mo", "ley", "ow", "an", "is")
_END = ("ford", "well", "by", "ton", "ham", "field", "bury", "mouth", "stead", "wick", "port", "minster", "bridge",
        "dale", "worth", "hurst", "combe", "thorpe", "holme", "gate")
_WARDS = ("North", "South", "East", "West", "Central", "Old Town", "Harbour", "Castle", "Park", "Priory", "Mill",
          "Hill", "Green", "Marsh", "Abbey", "Station", "Riverside", "Heath", "Common", "Fields")
_CHARITIES = ("Open Road", "Safe Haven", "Young Voices", "Second Chance", "New Start", "Bridge Project",
              "Wellbeing Trust", "Street Pastors", "Women's Refuge", "Family Mediation", "Recovery Hub",
              "Youth Matters", "Neighbourhood Watch", "Victims First", "Shelter Point", "Lighthouse")
_CODEWORDS = ("Sceptre", "Orochi", "Raptor", "Henley", "Lantern", "Falcon", "Granite", "Harbour", "Meteor",
              "Nightjar", "Onyx", "Pioneer", "Quartz", "Remedy", "Sentinel", "Tundra", "Umbra", "Vigilant",
              "Willow", "Zenith", "Aegis", "Beacon", "Cobalt", "Drake", "Encore", "Fortress", "Guardian")
_ACTIVITIES = (("Awareness Workshops", "training"), ("Outreach Service", "project"), ("Week of Action", "event"),
               ("Campaign", "campaign"), ("Diversion Scheme", "project"), ("Mentoring Programme", "project"),
               ("Training for Frontline Staff", "training"), ("Multi-Agency Panel", "project"),
               ("Hotspot Patrols", "operation"), ("School Talks", "training"), ("Summit", "event"),
               ("Community Forum", "event"), ("Referral Pathway", "project"), ("Safe Space", "project"),
               ("Pop-up Advice Stall", "event"), ("Intervention Programme", "project"))
_AUDIENCES = ("young people at risk", "victims and their families", "frontline staff", "local businesses",
              "secondary school pupils", "residents of the estates", "licensed premises", "older residents",
              "people leaving prison", "parents and carers")
_TIMINGS = ("Ongoing", "Various Dates", "Quarterly", "Monthly", "Annual", "Throughout the year", "TBC")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: the themes a partnership or PFCC priority is drawn from: a title and the harms it focuses on
_THEMES = (
    ("Tackling organised crime, gangs and county lines", ("organised-crime", "gangs", "county-lines")),
    ("Reducing serious violence and knife crime", ("serious-violence", "knife-crime", "violence-with-injury")),
    ("Safeguarding people from exploitation", ("exploitation", "child-sexual-exploitation", "cuckooing")),
    ("Protecting victims of domestic abuse", ("domestic-abuse", "stalking", "violence-against-women-and-girls")),
    ("Reducing anti-social behaviour", ("anti-social-behaviour",)),
    ("Tackling hate crime and building cohesion", ("hate-crime", "mate-crime")),
    ("Reducing harm from drugs and alcohol", ("drugs-and-alcohol", "drug-misuse", "alcohol-misuse")),
    ("Preventing radicalisation and terrorism", ("radicalisation", "terrorism")),
    ("Tackling modern slavery and trafficking", ("modern-slavery", "human-trafficking", "domestic-servitude")),
    ("A safe night-time economy", ("night-time-economy", "alcohol-misuse")),
    ("Reducing reoffending", ("reoffending",)),
    ("Keeping people safe online", ("online-harms", "bullying")),
    ("Safer roads and rural communities", ("road-safety", "rural-crime")),
    ("Supporting vulnerable people and rough sleepers", ("rough-sleeping", "suicide", "hidden-harms")),
    ("Protecting businesses and the town centre", ("business-crime", "cycle-theft")),
    ("Preventing sexual violence", ("sexual-offences", "rape", "forced-marriage")),
)
_PFCC_EXTRA = ("More local, visible and accessible policing", "Improving road safety",
               "Protecting children and vulnerable people from harm", "Supporting victims of crime",
               "Preventing fires and keeping people safe at home", "Improving trust and confidence in policing")
#: the ONS offence types of the real 2018-19 risk matrix, as written, and their harms
_RISK = (("Violence with Injury", "violence-with-injury"), ("Possession of weapons offences", "possession-of-weapons"),
         ("Rape", "rape"), ("Trafficking Drugs", "drug-trafficking"))
_STATUS_WEIGHTS = {"ongoing": 40, "completed": 25, "planned": 12, "postponed": 6, "cancelled": 5,
                   "moved-online": 4, "extended": 3, "replaced": 2, "under-review": 3}


@dataclass
class Manifest:
    """What was generated, so tests and the benchmark can check counts without re-deriving them."""

    scale: float
    seed: int
    force_areas: int = 0
    partnerships: int = 0
    plans: int = 0
    initiatives: int = 0
    operations: int = 0
    agencies: int = 0
    agency_units: int = 0
    places: int = 0
    sources: int = 0
    pfcc_priorities: int = 0
    partnership_priorities: int = 0
    continuity_links: int = 0
    #: PFCC priorities no initiative cites: "pfcc-<force>/<number>"
    undelivered: list[str] = field(default_factory=list)
    #: a partnership and a force area to use for per-partnership / per-force views
    sample_partnership: str = ""
    sample_force: str = ""
    sample_pfcc_scheme: str = ""
    sample_force_partnerships: list[str] = field(default_factory=list)


def _slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)


def _acronym(name: str) -> str:
    return "".join(word[0] for word in name.replace("-", " ").split() if word[0].isupper()) or name[:3].upper()


class _Names:
    """Unique invented place names, drawn deterministically."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def town(self) -> str:
        while True:
            name = self.rng.choice(_START) + self.rng.choice(_MIDDLE) + self.rng.choice(_END)
            if name not in self.used:
                self.used.add(name)
                return name

    def county(self) -> str:
        while True:
            name = self.rng.choice(_START) + self.rng.choice(_MIDDLE) + "shire"
            if name not in self.used:
                self.used.add(name)
                return name


def _harm_labels() -> dict[str, str]:
    """The real harm slugs of ontology/harms.ttl and their preferred labels."""
    graph = Graph().parse(REPO / "ontology" / "harms.ttl", format="turtle")
    prefix = str(ID["harm/"])
    labels = {}
    for subject, label in graph.subject_objects(SKOS.prefLabel):
        if str(subject).startswith(prefix) and "/" not in str(subject)[len(prefix):]:
            labels[str(subject)[len(prefix):]] = str(label)
    return dict(sorted(labels.items()))


class _Text:
    """A source text being written line by line; ``add`` returns the 1-based line numbers."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> list[int]:
        first = len(self.lines) + 1
        self.lines.extend(lines)
        return [first, len(self.lines)]

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass
class _Force:
    slug: str
    name: str
    pfcc_scheme: str
    priorities: list[dict]
    undelivered: list[int]
    agencies: list[dict]  # police, fire, health, PFCC office
    partnerships: list[str] = field(default_factory=list)


@dataclass
class _Partnership:
    slug: str
    town: str
    force: _Force
    places: list[str]
    council: str
    local: list[str]  # local agency ids besides the council


class Generator:
    """Writes one synthetic national dataset. ``run()`` returns the manifest."""

    def __init__(self, out: Path, scale: float = 1.0, seed: int = 2024,
                 initiatives_per_plan: int = INITIATIVES_PER_PLAN) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.out = out
        self.data = out / "data"
        self.scale = scale
        self.seed = seed
        self.per_plan = initiatives_per_plan
        self.rng = random.Random(seed)
        self.names = _Names(self.rng)
        self.harms = _harm_labels()
        self.manifest = Manifest(scale, seed)
        self.sources: list[dict] = []
        self.agencies: list[dict] = []
        self.agency_names: dict[str, tuple[str, str]] = {}  # id or agency/unit -> (name, acronym)
        self.places: list[dict] = []
        self.forces: list[_Force] = []
        self.partnerships: list[_Partnership] = []

    # -------------------------------------------------------------------------------- reference data
    def _agency(self, aid: str, name: str, kind: str, units: list[tuple[str, str]] = ()) -> str:
        alt = [_acronym(name)]
        rec: dict = {"id": aid, "name": name, "alt": alt, "type": kind}
        if units:
            rec["units"] = [{"id": uid, "name": uname, "alt": [_acronym(uname)]} for uid, uname in units]
            for uid, uname in units:
                self.agency_names[f"{aid}/{uid}"] = (uname, _acronym(uname))
        self.agencies.append(rec)
        self.agency_names[aid] = (name, alt[0])
        return aid

    def _write(self, relative: str, doc: dict) -> None:
        path = self.data / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.dump(doc, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=1000,
                                  default_flow_style=None),
                        encoding="utf-8")

    def _source(self, sid: str, title: str, publisher: str, date: str, text: _Text) -> None:
        path = self.data / "sources" / f"{sid}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.text(), encoding="utf-8")
        self.sources.append({"id": sid, "title": title, "file": f"data/sources/{sid}.txt",
                             "publisher": publisher, "date": date})

    def national_agencies(self) -> None:
        for aid, name, kind in (
            ("probation-service", "The Probation Service", "probation"),
            ("nhs-england", "NHS England", "health"),
            ("crimestoppers", "Crimestoppers", "charity"),
            ("home-office", "Home Office", "government"),
            ("british-transport-police", "British Transport Police", "police"),
            ("national-crime-agency", "National Crime Agency", "police"),
            ("victim-support", "Victim Support", "charity"),
            ("department-for-education", "Department for Education", "government"),
        ):
            self._agency(aid, name, kind)
        self.national = [a["id"] for a in self.agencies]

    def force_areas(self) -> None:
        n_forces = max(1, round(FORCE_AREAS * self.scale))
        n_partnerships = max(n_forces, round(PARTNERSHIPS * self.scale))
        for _ in range(n_forces):
            county = self.names.county()
            slug = _slug(county)
            scheme = f"pfcc-{slug}"
            themes = self.rng.sample(range(len(_THEMES)), self.rng.randint(5, 8))
            titles = [(_THEMES[t][0], list(_THEMES[t][1])) for t in themes]
            titles += [(t, []) for t in self.rng.sample(_PFCC_EXTRA, self.rng.randint(2, 4))]
            priorities = [{"number": n, "title": title, "harms": harms} for n, (title, harms) in enumerate(titles, 1)]
            undelivered = sorted(self.rng.sample(range(1, len(priorities) + 1), 2 if len(self.forces) % 3 == 0 else 1))
            force = _Force(slug, county, scheme, priorities, undelivered, [])
            force.agencies = [
                self._agency(f"{slug}-fire-and-rescue", f"{county} Fire and Rescue Service", "fire-and-rescue"),
                self._agency(f"{slug}-icb", f"NHS {county} Integrated Care Board", "health"),
                self._agency(f"{slug}-pfcc", f"Office of the {county} Police, Fire and Crime Commissioner", "government"),
            ]
            self.forces.append(force)
        for i in range(n_partnerships):
            force = self.forces[i % n_forces]
            town = self.names.town()
            force.partnerships.append(_slug(f"safer-{town}"))
            self.partnerships.append(_Partnership(_slug(f"safer-{town}"), town, force, [], "", []))
        # the police come after the partnerships so that each has a community policing team a partnership
        for force in self.forces:
            units = [(f"{p.removeprefix('safer-')}-cpt", f"{self._town(p)} Community Policing Team")
                     for p in force.partnerships]
            force.agencies.insert(0, self._agency(f"{force.slug}-police", f"{force.name} Police", "police", units))
        self.manifest.force_areas = n_forces
        self.manifest.partnerships = n_partnerships
        self.manifest.undelivered = [f"{f.pfcc_scheme}/{n}" for f in self.forces for n in f.undelivered]
        self.manifest.pfcc_priorities = sum(len(f.priorities) for f in self.forces)

    def _town(self, partnership: str) -> str:
        return next(p.town for p in self.partnerships if p.slug == partnership)

    def local_agencies(self) -> None:
        for p in self.partnerships:
            base = _slug(p.town)
            p.council = self._agency(f"{base}-council", f"{p.town} Borough Council", "local-authority",
                                     [("community-safety-team", f"{p.town} Community Safety Team")])
            p.local = [
                self._agency(f"{base}-homes", f"{p.town} Homes", "housing"),
                *[self._agency(f"{base}-{_slug(c)}", f"{p.town} {c}", "charity")
                  for c in self.rng.sample(_CHARITIES, self.rng.randint(2, 3))],
                self._agency(f"{base}-community-association", f"{p.town} Community Association", "community-group"),
                self._agency(f"{base}-college", f"{p.town} College", "education"),
                self._agency(f"{base}-united-fc", f"{p.town} United FC", "sport"),
            ]
            self.places.append({"id": base, "name": p.town, "type": "town"})
            p.places = [base]
            for ward in self.rng.sample(_WARDS, self.rng.randint(4, 6)):
                pid = f"{base}-{_slug(ward)}"
                self.places.append({"id": pid, "name": f"{p.town} {ward}", "type": "ward", "within": base})
                p.places.append(pid)
            self.places.append({"id": f"{base}-town-centre", "name": f"{p.town} town centre", "type": "town-centre",
                                "within": base})
            p.places.append(f"{base}-town-centre")

    def pfcc_plans(self) -> None:
        for force in self.forces:
            text = _Text()
            sid = f"{force.pfcc_scheme}-plan"
            text.add(f"{force.name.upper()} POLICE AND CRIME PLAN 2018-2023 (synthetic)", "")
            head = text.add("Our priorities")
            records = []
            for pr in force.priorities:
                lines = text.add(f"{pr['number']}) {pr['title']}")
                records.append({"number": pr["number"], "title": pr["title"], "lines": lines})
            self._source(sid, f"{force.name} Police and Crime Plan 2018-2023 (synthetic)",
                         f"Police, Fire and Crime Commissioner for {force.name}", "2018", text)
            self._write(f"reference/pfcc/{force.pfcc_scheme}.yaml", {
                "scheme": force.pfcc_scheme,
                "title": f"{force.name} Police and Crime Plan 2018-2023 (synthetic)",
                "commissioner": f"Police, Fire and Crime Commissioner for {force.name}",
                "source": sid, "lines": [head[0], len(text.lines)], "priorities": records,
            })

    # -------------------------------------------------------------------------------- plans
    def plans(self) -> None:
        for p in self.partnerships:
            themes = self.rng.sample(range(len(_THEMES)), self.rng.randint(4, 6))
            previous: list[dict] = []
            for y, year in enumerate(YEARS):
                if y and self.rng.random() < 0.3:  # a priority changes now and then
                    themes[self.rng.randrange(len(themes))] = self.rng.choice(
                        [t for t in range(len(_THEMES)) if t not in themes])
                previous = self.plan(p, year, themes, previous)

    def _lead(self, p: _Partnership) -> list[str]:
        force = p.force
        pool = ([p.council, f"{p.council}/community-safety-team"] * 3 + p.local
                + [force.agencies[0], f"{force.agencies[0]}/{p.slug.removeprefix('safer-')}-cpt"] * 2
                + force.agencies[1:] + self.national)
        return self.rng.sample(pool, 2 if self.rng.random() < 0.2 else 1)

    def _new_initiative(self, p: _Partnership, used: set[str], scp_harms: list[str]) -> dict:
        for attempt in range(1000):
            harm = self.rng.choice(scp_harms)
            if self.rng.random() < 0.15:
                name = f"Op {self.rng.choice(_CODEWORDS)}"
                operation = True
            else:
                name = f"{self.harms[harm]} {self.rng.choice(_ACTIVITIES)[0]}"
                operation = False
            slug = _slug(name) if attempt < 3 else f"{_slug(name)}-{attempt}"
            if slug not in used:
                used.add(slug)
                return {"id": slug, "name": name, "operation": operation, "harm": harm}
        raise RuntimeError("could not invent a unique initiative name")

    def plan(self, p: _Partnership, year: str, themes: list[int], previous: list[dict]) -> list[dict]:
        rng, force = self.rng, p.force
        sid = f"{p.slug}-plan-{year}"
        text = _Text()
        name = f"Safer {p.town} Partnership"
        title = f"{name} Annual Partnership Plan {year} (synthetic)"
        plan_lines = text.add(title.upper(), f"{name} - synthetic plan for benchmarking")
        text.add("", "OUR PRIORITIES")
        priorities = []
        for n, t in enumerate(themes, 1):
            theme, harms = _THEMES[t]
            narrative = (f"The {name} will work with partners to address {theme.lower()} across {p.town}, "
                         f"focusing on {', '.join(self.harms[h].lower() for h in harms)}.")
            lines = text.add(f"Priority {n} - {theme}", narrative)
            priorities.append({"number": n, "title": theme, "narrative": narrative, "harms": list(harms),
                               "lines": lines})
        text.add("", "RISK MATRIX")
        risk = [{"rank": r, "offence": off, "harm": harm, "lines": text.add(f"{r}. {off}")}
                for r, (off, harm) in enumerate(rng.sample(_RISK, len(_RISK)), 1)]
        text.add("", "MEMBERS")
        members = []
        for aid, role in ((p.council, "statutory"), (force.agencies[0], "statutory"), (force.agencies[1], "statutory"),
                          ("probation-service", "statutory"), (force.agencies[2], "statutory"),
                          *((a, "non-statutory") for a in p.local[:3])):
            members.append({"agency": aid, "role": role, "lines": text.add(self.agency_names[aid][0])})
        text.add("", "FUNDING")
        funding = []
        for _ in range(rng.randint(1, 3)):
            recipient = rng.choice(p.local)
            amount = rng.randrange(500, 50000, 50)
            purpose = f"{rng.choice(_ACTIVITIES)[0].lower()} for {rng.choice(_AUDIENCES)}"
            cell = f"£{amount:,}"
            funding.append({"recipient": recipient, "purpose": purpose, "amount": amount, "cell": cell,
                            "lines": text.add(f"{self.agency_names[recipient][0]}\t{purpose}\t{cell}")})

        text.add("", "INITIATIVES", "Project\tLead agency\tTiming\tSCP\tPFCC\tOutcomes")
        scp_harms = sorted({h for t in themes for h in _THEMES[t][1]})
        pfcc_numbers = [pr["number"] for pr in force.priorities if pr["number"] not in force.undelivered]
        used: set[str] = set()
        carried = [prev for prev in previous if rng.random() < CARRY_OVER][: self.per_plan]
        initiatives = []
        for i in range(self.per_plan):
            if i < len(carried):
                prev = carried[i]
                rec = {"id": prev["id"], "name": prev["name"], "operation": prev.get("operation", False),
                       "harm": prev["harms"][0]}
                used.add(rec["id"])
                leads = prev["lead"]["agencies"]
            else:
                prev = None
                rec = self._new_initiative(p, used, scp_harms)
                leads = self._lead(p)
            initiatives.append(self.initiative(p, year, rec, prev, leads, priorities, pfcc_numbers, text))
        rng.shuffle(initiatives)  # carried-over rows are not all at the top of a real table

        self._source(sid, title, f"{name}", year[:4], text)
        self._write(f"plans/{p.slug}/{year}.yaml", {
            "plan": {"partnership": p.slug, "year": year, "title": title, "source": sid,
                     "pfcc_scheme": force.pfcc_scheme, "lines": plan_lines},
            "priorities": priorities, "risk_matrix": risk, "members": members, "funding": funding,
            "initiatives": initiatives,
        })
        self.manifest.plans += 1
        self.manifest.partnership_priorities += len(priorities)
        return initiatives

    def initiative(self, p: _Partnership, year: str, rec: dict, prev: dict | None, leads: list[str],
                   priorities: list[dict], pfcc_numbers: list[int], text: _Text) -> dict:
        rng = self.rng
        start_year = int(year[:4])
        lead_cell = "/".join(self.agency_names[a][1] for a in leads)
        partner_pool = [a for a in (*p.local, p.council, *p.force.agencies, *self.national) if a not in leads]
        partners = rng.sample(partner_pool, rng.choice((0, 0, 1, 1, 2, 3)))
        # the row serves the priorities about its main harm (if this year's plan still has one), and maybe more
        main = rec["harm"]
        scp = {pr["number"] for pr in priorities if main in pr["harms"]}
        scp |= set(rng.sample([pr["number"] for pr in priorities], rng.randint(0 if scp else 1, 2)))
        scp = sorted(scp)
        pfcc = sorted(rng.sample(pfcc_numbers, rng.randint(0, min(3, len(pfcc_numbers)))))
        harm_pool = sorted({h for pr in priorities if pr["number"] in scp for h in pr["harms"]} - {main})
        harms = [main, *rng.sample(harm_pool, min(len(harm_pool), rng.randint(0, 2)))]
        places = rng.sample(p.places, rng.choice((0, 1, 1, 2)))
        status = rng.choices(list(_STATUS_WEIGHTS), weights=list(_STATUS_WEIGHTS.values()))[0]
        reason = None
        if status in ("postponed", "cancelled", "moved-online"):
            reason = "COVID-19 outbreak" if year == "2020-21" else rng.choice(("funding ended", "staff shortages",
                                                                               "venue unavailable"))
        if rng.random() < 0.5:
            month = rng.randrange(12)
            timing = {"cell": f"{_MONTHS[month]} {str(start_year + (month < 3))[2:]}", "start": None,
                      "end": f"{start_year + (month < 3)}-{month + 1:02d}"}
        else:
            timing = {"cell": rng.choice(_TIMINGS), "start": str(start_year) if rng.random() < 0.3 else None,
                      "end": None}
        lead_names = " and ".join(self.agency_names[a][0] for a in leads)
        harm_words = ", ".join(self.harms[h].lower() for h in harms)
        audience = rng.choice(_AUDIENCES)
        where = f" in {p.town}" if not places else f" in {', '.join(pl.replace('-', ' ').title() for pl in places)}"
        description = (f"{rec['name']} is delivered by {lead_names}{where}. It tackles {harm_words} by working with "
                       f"{audience}, sharing information between partners and referring people to support. "
                       f"Progress is reported to the partnership board each quarter, with referrals, outcomes "
                       f"and lessons learned.")
        row = text.add(f"{rec['name']}\t{lead_cell}\t{timing['cell']}\t{', '.join(map(str, scp))}\t"
                       f"{', '.join(map(str, pfcc))}", description)
        out = {
            "id": rec["id"], "name": rec["name"],
            **({"operation": True} if rec["operation"] else {}),
            "lead": {"cell": lead_cell, "agencies": leads},
            **({"partners": partners} if partners else {}),
            "timing": timing,
            "scp": {"cell": ", ".join(map(str, scp)), "values": scp},
            **({"pfcc": {"cell": ", ".join(map(str, pfcc)), "values": pfcc}} if pfcc else {}),
            "description": description, "harms": harms,
            **({"places": places} if places else {}),
            "status": status,
            **({"status_reason": reason} if reason else {}),
        }
        if rng.random() < 0.1:
            value = rng.randrange(10, 2000)
            unit = rng.choice(("people referred", "pupils registered", "visits", "arrests", "sessions held"))
            out["figures"] = [{"value": value, "unit": unit, "quote": f"{value} {unit}",
                               "lines": text.add(f"Reported: {value} {unit}")}]
        if rng.random() < 0.05:
            amount = rng.randrange(1000, 60000, 500)
            out["funding"] = [{"amount": amount, "funder": p.force.agencies[3], "quote": f"£{amount:,} funding",
                               "lines": text.add(f"£{amount:,} funding from the PFCC")}]
        if rng.random() < 0.05:
            out["contact_redacted"] = True
        if prev is not None:
            out["continues"] = f"{p.slug}/{self._year_before(year)}/{prev['id']}"
            self.manifest.continuity_links += 1
        out["lines"] = row if "figures" not in out and "funding" not in out else [row[0], len(text.lines)]
        self.manifest.initiatives += 1
        self.manifest.operations += bool(rec["operation"])
        return out

    @staticmethod
    def _year_before(year: str) -> str:
        return YEARS[YEARS.index(year) - 1]

    # -------------------------------------------------------------------------------- run
    def run(self) -> Manifest:
        if self.out.exists():
            if any(self.out.iterdir()) and not (self.out / "manifest.json").is_file():
                raise SystemExit(f"{self.out} exists and is not a generated dataset; choose an empty folder")
            shutil.rmtree(self.out)
        self.data.mkdir(parents=True)
        self.national_agencies()
        self.force_areas()
        self.local_agencies()
        self.pfcc_plans()
        self.plans()
        self._write("reference/partnerships.yaml", {"partnerships": [
            {"id": p.slug, "name": f"Safer {p.town} Partnership", "alt": [f"S{_acronym(p.town)}P"]}
            for p in self.partnerships]})
        self._write("reference/agencies.yaml", {"agencies": self.agencies})
        self._write("reference/places.yaml", {"places": self.places})
        self._write("reference/sources.yaml", {"sources": self.sources})
        m = self.manifest
        m.agencies = len(self.agencies)
        m.agency_units = sum(len(a.get("units", ())) for a in self.agencies)
        m.places = len(self.places)
        m.sources = len(self.sources)
        m.sample_partnership = self.partnerships[0].slug
        m.sample_force = self.forces[0].slug
        m.sample_pfcc_scheme = self.forces[0].pfcc_scheme
        m.sample_force_partnerships = list(self.forces[0].partnerships)
        (self.out / "manifest.json").write_text(json.dumps(asdict(m), indent=2) + "\n", encoding="utf-8")
        return m


def generate(out: Path | str, scale: float = 1.0, seed: int = 2024) -> Manifest:
    """Write a synthetic dataset of ``scale`` x national size to ``out/data`` and return its manifest."""
    return Generator(Path(out), scale, seed).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national (300 partnerships); 0.01 for tests")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, required=True, help="target folder (data/ and manifest.json go here)")
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.scale, args.seed)
    print(json.dumps(asdict(manifest), indent=2))


if __name__ == "__main__":
    main()
