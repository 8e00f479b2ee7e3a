"""Lecture files and lecture links (residual_core/lectures.py): the shipped lecture, checks with clear messages,
bounds, TOML and one-link round trips."""

from __future__ import annotations

import base64
import json
import random
import re
import string
import urllib.parse
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from residual_core import catalog, lectures
from residual_core.lectures import Lecture, LectureError, Scene

PAGES = frozenset(p.key for p in catalog.PAGES)


def test_the_shipped_lecture_follows_the_reference_text_in_order():
    lecture = lectures.load("residuals")
    assert len(lecture.scenes) >= 8
    sections = [s.title.split(" ", 1)[0] for s in lecture.scenes]
    numbered = [s for s in sections if s.startswith("3.")]
    assert numbered == sorted(numbered) and {f"3.{i}" for i in range(1, 9)} <= set(numbered)
    assert sections[-1] == "Exercise"  # one exercise, after the sections
    assert all(s.note for s in lecture.scenes)
    assert lectures.stems() == ["residuals"]


def test_a_minimal_file():
    lecture = lectures.parse('title = "T"\n[[scene]]\npage = "/highway"\n')
    assert lecture == Lecture("T", (Scene("/highway", "", "Scene 1", "", True),))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title = 'T'", "at least one"),
        ("[[scene]]\npage = '/highway'", "title is empty"),
        ("title = 'T'\n[[scene]]\nquery = 'depth=3'", "scene 1 has no page"),
        ("title = 'T'\n[[scene]]\npage = '/nowhere'", "not a page of this app"),
        ("title = 'T'\n[[scene]]\npage = 'highway'", "not a page of this app"),
        ("title = 'T'\n[[scene]]\npage = '/highway'\nqery = 'x=1'", "unknown field qery"),
        ("title = 'T'\n[[scene]]\npage = '/highway'\nquery = 'depth'", "not a query string"),
        ("title = 'T'\n[[scene]]\npage = '/highway'\nquery = 'room=ABCDEF'", "may not set room"),
        ("title = 'T'\n[[scene]]\npage = '/highway'\nquery = 'present=1&token=x'", "may not set present, token"),
        ("title = 'T'\n[[scene]]\npage = '/highway'\nask = 'yes'", "ask must be true or false"),
        ("title = 'T'\n[[scene]]\npage = '/highway'\nnote = 3", "must be text"),
        ("title = 'T'\n[[scene]]\npage = '/highway'\nnote = \"a\\nb\"", "one line"),
        ("title = 'T'\nauthor = 'me'\n[[scene]]\npage = '/highway'", "unknown top-level field author"),
        ("title = 'T'\n[[scene]]\npage = '/highway'\n[[scene]]\npage = '/x'", "scene 2: page '/x'"),
        ("title = = 'T'", "not valid TOML"),
    ],
)
def test_a_bad_file_gets_a_message_naming_the_scene_and_field(text, message):
    with pytest.raises(LectureError, match=message):
        lectures.parse(text, PAGES)


def test_the_shipped_lecture_opens_its_scenes_at_declared_sections():
    lecture = lectures.load("residuals")
    named = {n: s.section for n, s in enumerate(lecture.scenes, start=1) if s.section}
    assert {4, 7, 8, 9} <= set(named)
    for n, name in named.items():
        scene = lecture.scene(n)
        assert name in [s.name for s in catalog.page(scene.key).sections], (n, name)
    # the notes no longer send the lecturer to "Section N of the page": the scene opens there
    assert not [s.note for s in lecture.scenes if re.search(r"\bSections? \d", s.note)]


def _one(page: str, section) -> str:
    return f'title = "T"\n[[scene]]\npage = "{page}"\nsection = {section}\n'


def test_a_section_is_named_by_its_name_or_its_heading_and_kept_by_name():
    by_name = lectures.parse(_one("/add-norm", '"the-add-needs-matching-shapes"'))
    by_heading = lectures.parse(_one("/add-norm", '"  4. the add needs   MATCHING shapes "'))
    assert by_name == by_heading
    assert by_name.scenes[0].section == "the-add-needs-matching-shapes"
    assert lectures.parse(_one("/add-norm", '""')).scenes[0].section == ""
    assert 'section = "the-add-needs-matching-shapes"' in lectures.to_toml(by_heading)
    assert lectures.unpack(lectures.pack(by_heading)) == by_name
    # a scene that asks nothing and opens at a section survives the link too
    quiet = Lecture("T", (Scene("/vanishing", "", "a", "", False, "a-real-network"), Scene("/highway", "", "b")))
    assert lectures.unpack(lectures.pack(quiet)) == quiet


@pytest.mark.parametrize(
    ("page", "section", "message"),
    [
        (
            "/add-norm",
            '"the-unrolled-sum"',
            r"section 'the-unrolled-sum' is not a section of /add-norm \(its sections: ",
        ),
        ("/vanishing", '"Section 2"', "section 'Section 2' is not a section of /vanishing"),
        ("/", '"anything"', r"section 'anything' is not a section of / \(that page has no sections\)"),
        ("/highway", "2", "section must be text"),
        ("/highway", f'"{"x" * (lectures.MAX_TITLE + 1)}"', "section is 121 characters long"),
    ],
)
def test_an_unknown_section_gets_a_message_naming_the_scene_and_the_page_sections(page, section, message):
    with pytest.raises(LectureError, match="^scene 1: " + message):
        lectures.parse(_one(page, section), PAGES)


def test_the_unknown_section_message_lists_the_page_sections():
    with pytest.raises(LectureError) as err:
        lectures.parse(_one("/add-norm", '"nope"'))
    for s in catalog.page("add-norm").sections:
        assert s.name in str(err.value) and s.heading in str(err.value)


def test_a_packed_link_with_a_bad_section_is_refused():
    row = ["/highway", "", "t", "", True, "no-such-section"]
    raw = zlib.compress(json.dumps({"t": "T", "s": [row]}).encode(), 9)
    packed = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    with pytest.raises(LectureError, match="not a section of /highway"):
        lectures.unpack(packed)


def test_the_bounds():
    scene = '[[scene]]\npage = "/highway"\n'
    with pytest.raises(LectureError, match="at most 40"):
        lectures.parse('title = "T"\n' + scene * (lectures.MAX_SCENES + 1))
    assert len(lectures.parse('title = "T"\n' + scene * lectures.MAX_SCENES).scenes) == lectures.MAX_SCENES
    with pytest.raises(LectureError, match="bytes"):
        lectures.parse('title = "T"\n#' + "x" * lectures.MAX_FILE_BYTES)
    with pytest.raises(LectureError, match="characters long"):
        lectures.parse(f'title = "T"\n[[scene]]\npage = "/highway"\nnote = "{"n" * (lectures.MAX_NOTE + 1)}"')
    with pytest.raises(LectureError, match="characters long"):
        lectures.parse(f'title = "{"t" * (lectures.MAX_TITLE + 1)}"\n{scene}')


@pytest.mark.parametrize("stem", ["../README", "residuals.toml", "RESIDUALS", "", "a" * 70, "nope", "/etc/passwd"])
def test_only_a_shipped_lecture_is_loaded_by_name(stem):
    with pytest.raises(LectureError, match="there is no lecture"):
        lectures.load(stem)


def test_the_query_is_normalised_and_read():
    lecture = lectures.parse('title = "T"\n[[scene]]\npage = "/vanishing/"\nquery = "?factor=1.1&depth=40"\n')
    assert lecture.scenes[0].page == "/vanishing" and lecture.scenes[0].key == "vanishing"
    assert lecture.scenes[0].params == {"factor": "1.1", "depth": "40"}
    assert lecture.clamp(0) == 1 and lecture.clamp(99) == 1


def test_pack_is_bounded_and_unpack_refuses_damage_and_bombs():
    big = Lecture("T", tuple(Scene("/highway", "", f"s{i}", "n" * 490 + str(i)) for i in range(40)))
    packed_ok = lectures.pack(lectures.load("residuals"))
    assert len(packed_ok) < 2000
    rng = random.Random(0)
    noise = ["".join(rng.choices(string.ascii_letters + string.digits, k=400)) for _ in range(40)]
    noisy = Lecture("T", tuple(Scene("/highway", "", "s", n) for n in noise))  # incompressible notes
    with pytest.raises(LectureError, match="Download the TOML"):
        lectures.pack(noisy)
    assert lectures.unpack(lectures.pack(big)) == big  # notes compress well
    for bad in ("", "!!!", "a" * (lectures.MAX_LINK_CHARS + 1), "abcd", packed_ok[:-7]):
        with pytest.raises(LectureError):
            lectures.unpack(bad)
    bomb = base64.urlsafe_b64encode(zlib.compress(b'{"t":"' + b"x" * 4_000_000 + b'"}', 9)).decode().rstrip("=")
    assert len(bomb) < lectures.MAX_LINK_CHARS
    with pytest.raises(LectureError, match="more than"):
        lectures.unpack(bomb)


line = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=60).map(str.strip)
scenes = st.sampled_from(sorted("/" + k for k in PAGES)).flatmap(
    lambda page: st.builds(
        Scene,
        page=st.just(page),
        query=st.dictionaries(st.sampled_from(["depth", "seed", "factor", "x y"]), line, max_size=3).map(
            urllib.parse.urlencode
        ),
        title=line.filter(bool),
        note=line,
        ask=st.booleans(),
        section=st.sampled_from(["", *(name for name, _ in lectures.sections(page.strip("/")))]),
    )
)


@settings(max_examples=60, deadline=None)
@given(title=line.filter(bool), scenes=st.lists(scenes, min_size=1, max_size=8))
def test_toml_and_link_round_trip(title, scenes):
    lecture = Lecture(title, tuple(scenes))
    assert lectures.parse(lectures.to_toml(lecture)) == lecture
    assert lectures.unpack(lectures.pack(lecture)) == lecture
