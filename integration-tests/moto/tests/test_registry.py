"""The record itself: one test per gap, a README that lists the gaps as generated, the pinned
moto, and replacements that fail loudly when moto changes."""

import pathlib
import re

import pytest

import eksharden_moto
from eksharden_moto.__main__ import README, readme_with_gaps
from eksharden_moto.registry import Gap, adds, replaces
from eksharden_moto_gaps import gap_ids

TESTS = pathlib.Path(__file__).parent
REQUIREMENTS = TESTS.parents[1] / "python-requirements.txt"


def test_every_gap_has_its_test():
    defined = set()
    for path in TESTS.glob("test_*.py"):
        defined.update(re.findall(r"^def test_(\w+)\(", path.read_text(), re.MULTILINE))
    missing = [g for g in gap_ids() if g not in defined]
    assert not missing, f"gaps without a test_<id>: {missing}"
    assert len(gap_ids()) >= 40


def test_every_gap_is_closed_by_something():
    assert all(g.closed_by for g in eksharden_moto.GAPS), [g.id for g in eksharden_moto.GAPS if not g.closed_by]


def test_the_readme_lists_the_gaps_as_generated():
    text = README.read_text()
    assert text == readme_with_gaps(text), "the README's list of gaps is stale: run `python -m eksharden_moto --write`"


def test_the_pinned_moto_is_the_one_required():
    assert f"moto[server,cloudformation]=={eksharden_moto.PINNED_MOTO}" in REQUIREMENTS.read_text()


def test_a_replacement_of_what_moto_lacks_fails_at_import():
    class Owner:
        def present(self):
            return "moto"

    gap = Gap("example", "tests", "an example")
    with pytest.raises(AttributeError, match="Owner.absent is not in this moto"):
        replaces(Owner, "absent", gap)(lambda self: None)
    with pytest.raises(AttributeError, match="Owner.present is in this moto now"):
        adds(Owner, "present", gap)(lambda self: None)

    @replaces(Owner, "present", gap)
    def present(self):
        return "eksharden over " + present.original(self)

    assert Owner().present() == "eksharden over moto"
    assert gap.closed_by == ["test_a_replacement_of_what_moto_lacks_fails_at_import.<locals>.Owner.present"]
