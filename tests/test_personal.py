"""Contact details are not published: found in text (cspgraph.personal), refused in curated data, withheld on import.

The import side is in test_importer.py; here the patterns and the loader's refusal, which name file, line and
field as every data error does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cspgraph import personal
from cspgraph.cli import cli
from cspgraph.errors import DataError
from cspgraph.graph import load_ontology
from cspgraph.plandata import Vocabulary, load_plan_data

REPO = Path(__file__).resolve().parents[1]


def found(text: str) -> list[tuple[str, str]]:
    return [(c.kind, text[c.start:c.end]) for c in personal.find(text)]


@pytest.mark.parametrize("text, number", [
    ("Call 01206 282222 today", "01206 282222"),          # area code of five digits
    ("Call 020 7946 0018.", "020 7946 0018"),               # London: 3 + 4 + 4
    ("Freephone 0800 555 111", "0800 555 111"),             # ten digits
    ("mobile 07700 900456,", "07700 900456"),
    ("mobile 07700900456", "07700900456"),                  # unspaced
    ("tel (01206) 282222", "(01206) 282222"),
    ("tel +44 (0)1206 282222", "+44 (0)1206 282222"),
    ("tel +447700900456", "+447700900456"),
    ("tel 01206-282-222.", "01206-282-222"),
    ("in 2019 0121 496 0000", "0121 496 0000"),             # after a year: read group by group
])
def test_uk_telephone_numbers_are_found(text, number):
    assert found(text) == [("telephone number", number)]


@pytest.mark.parametrize("text", [
    "Dec 2017 – Dec 2020",            # 2020-21 line 78: dates
    "1.09001 2020",                   # 2020-21 line 140: a garbled timing cell
    "over 10,000 young people",       # 2018-19 line 159
    "2019-04", "01/02/2019", "0.5", "£46,000",
    "dial 101 or 999",                # public services, not contacts
    "0 12 3 45 6 7 8",                # a row of counts
    "ref 0123456789012345",           # too many digits for a number
])
def test_dates_figures_and_short_numbers_are_not_telephone_numbers(text):
    assert found(text) == []


def test_two_numbers_side_by_side_are_both_found():
    assert [n for _, n in found("01206 282222 01206 282223")] == ["01206 282222", "01206 282223"]


def test_email_addresses_and_mailto_links_are_found():
    assert found("write to mailto:jo.bloggs@example.org or team@essex.police.uk") == [
        ("e-mail address", "mailto:jo.bloggs@example.org"), ("e-mail address", "team@essex.police.uk")]


def test_redaction_keeps_the_lines():
    text = "Contact: PC Bloggs\n07700 900456 / jo@example.org\nnext line"
    redacted, withheld = personal.redact(text)
    assert redacted == "Contact: PC Bloggs\n[phone number redacted] / [e-mail redacted]\nnext line"
    assert personal.describe(withheld) == "an e-mail address and a telephone number"


def test_the_bundled_sources_hold_no_contact_details():
    """The redacted plan texts (data/sources) and every data file: the loader would refuse them otherwise."""
    for path in sorted((REPO / "data").rglob("*")):
        if path.suffix in (".txt", ".yaml"):
            assert personal.find(path.read_text(encoding="utf-8")) == [], path


# ------------------------------------------------------------------------------------------------ the loader


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_graph(load_ontology(REPO / "ontology"))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the bundled data under another folder name: sources are found inside it all the same."""
    copy = tmp_path / "mydata"
    shutil.copytree(REPO / "data", copy)
    return copy


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` in ``path`` by ``new``; the 1-based line it was on."""
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def test_a_renamed_data_folder_loads(data, vocabulary):
    """sources.yaml says data/sources/...: a copy named otherwise (--data ../mydata) finds its texts inside it
    (a review found `--data` usable only on a folder named data)."""
    loaded = load_plan_data(data, vocabulary)
    assert len(loaded.plans) == 2


def test_a_contact_detail_in_a_plan_file_is_refused_at_its_field(data, vocabulary):
    plan = data / "plans" / "safer-colchester" / "2020-21.yaml"
    line = _edit(plan, "description: Working together", "description: Call 01206 282222. Working together")
    with pytest.raises(DataError) as caught:
        load_plan_data(data, vocabulary)
    where = caught.value.location
    assert (where.file, where.line, where.field) == (plan, line, "description")
    assert caught.value.message == "personal data: a telephone number in the text"
    assert "[phone number redacted]" in caught.value.hint and "[e-mail redacted]" not in caught.value.hint


def test_a_contact_detail_in_a_register_list_is_refused(data, vocabulary):
    agencies = data / "reference" / "agencies.yaml"
    text = agencies.read_text(encoding="utf-8")
    assert "alt: [" in text
    line = _edit(agencies, "alt: [", "alt: [jo@example.org, ")
    with pytest.raises(DataError) as caught:
        load_plan_data(data, vocabulary)
    assert (caught.value.location.file, caught.value.location.line) == (agencies, line)
    assert caught.value.location.field == "alt" and "an e-mail address" in caught.value.message


def test_a_contact_detail_in_a_yaml_comment_is_not_published_and_not_refused(data, vocabulary):
    plan = data / "plans" / "safer-colchester" / "2018-19.yaml"
    plan.write_text("# curator: jo@example.org, 01206 282222\n" + plan.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(load_plan_data(data, vocabulary).plans) == 2


def test_a_contact_detail_in_a_source_text_is_refused_at_its_line(data, vocabulary):
    source = data / "sources" / "scp-plan-2018-19.txt"
    lines = source.read_text(encoding="utf-8").split("\n")
    lines[146] += " mailto:someone@example.org"  # line 147, where the original named the schools' contact
    source.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_plan_data(data, vocabulary)
    assert (caught.value.location.file, caught.value.location.line) == (source.resolve(), 147)
    assert caught.value.message == "personal data: an e-mail address on this line of a source text"


def test_build_refuses_a_contact_detail_with_exit_2_and_writes_nothing(data, tmp_path):
    plan = data / "plans" / "safer-colchester" / "2020-21.yaml"
    _edit(plan, "description: Working together", "description: Ring 07700 900456. Working together")
    out = tmp_path / "out.ttl"
    result = CliRunner().invoke(cli, ["--data", str(data), "build", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "2020-21.yaml" in result.output and "field 'description'" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_source_outside_the_project_is_refused(data, vocabulary):
    """sources.yaml names texts in the data folder; an absolute path or one that climbs out (/etc/passwd) is
    not read (a review found it read, and refused only for its line count)."""
    sources = data / "reference" / "sources.yaml"
    _edit(sources, "file: data/sources/scp-plan-2018-19.txt", "file: /etc/hostname")
    with pytest.raises(DataError) as caught:
        load_plan_data(data, vocabulary)
    assert caught.value.location.field == "file" and "outside" in caught.value.message
