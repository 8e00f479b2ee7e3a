"""Lectures: an ordered list of scenes, each a page of the app with its URL state, a title and one line of notes for
the lecturer. Plain Python (no Streamlit): reading and checking lecture files, writing them, and packing a lecture
into one link.

A lecture file (``lectures/<stem>.toml``)::

    title = "Residual connections"

    [[scene]]
    page = "/vanishing"          # the page's URL path
    query = "factor=1.1"         # its query string: the page's controls (defaults may be left out)
    title = "3.1 Exploding: 1.1^100"
    note = "Ask before revealing."
    ask = true                   # optional: ask the page's prediction question on this scene (default true)
    section = "the-unrolled-sum" # optional: the section the scene opens at (its name or its heading)

Everything read from outside is bounded (:data:`MAX_FILE_BYTES`, :data:`MAX_SCENES`, the lengths of every field,
:data:`MAX_LINK_CHARS` for a lecture packed into a link) and checked here, with a message that names the scene and
the field; a scene's ``section`` is checked against the sections its page declares (:mod:`residual_core.catalog`); the
pages themselves check every control's value when the scene is shown.
"""

from __future__ import annotations

import base64
import json
import re
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import tomli_w

LECTURES_DIR = Path(__file__).resolve().parents[1] / "lectures"
MAX_FILE_BYTES = 64 * 1024  # a lecture file (or the TOML a link unpacks to)
MAX_SCENES = 40
MAX_TITLE = 120  # characters, the lecture's title and each scene's
MAX_NOTE = 500  # characters: one line of notes
MAX_QUERY = 1000  # characters of a scene's query string
MAX_LINK_DEPTH = 4  # a packed lecture is {"s": [[page, query, title, note, ask, section], ...]}: depth 3
MAX_LINK_CHARS = 6000  # a lecture packed into a link (``deck=...``): well inside what browsers and proxies accept
STEM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # a lecture file's name without ``.toml``
# URL keys that belong to the lecture, the room or presenter mode, never to a page's controls.
RESERVED_KEYS = frozenset({"lecture", "deck", "scene", "room", "token", "speaker", "present", "embed", "embed_options"})
SCENE_KEYS = ("page", "query", "title", "note", "ask", "section")


class LectureError(ValueError):
    """A lecture that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Scene:
    """One scene: ``page`` is the URL path (``"/vanishing"``; ``"/"`` is the home page); ``section`` the name of the
    page's section it opens at (``""``: the top of the page)."""

    page: str
    query: str = ""
    title: str = ""
    note: str = ""
    ask: bool = True
    section: str = ""

    @property
    def key(self) -> str:
        """The page key (``"vanishing"``; ``""`` for the home page)."""
        return self.page.strip("/")

    @property
    def params(self) -> dict[str, str]:
        """The query as a dict (the last value of a repeated key)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass(frozen=True)
class Lecture:
    title: str
    scenes: tuple[Scene, ...]

    def scene(self, number: int) -> Scene:
        """Scene ``number``, counted from 1."""
        return self.scenes[number - 1]

    def clamp(self, number: int) -> int:
        """``number`` moved into 1..len(scenes)."""
        return min(max(int(number), 1), len(self.scenes))


def page_keys() -> frozenset[str]:
    """The URL paths of the app's pages (from :data:`residual_core.catalog.PAGES`), without their slash."""
    from . import catalog

    return frozenset(p.key for p in catalog.PAGES)


def sections(page_key: str) -> tuple[tuple[str, str], ...]:
    """The sections page ``page_key`` declares (:class:`residual_core.declare.Section`), as ``(name, heading)``."""
    from . import catalog

    try:
        return tuple((s.name, s.heading) for s in catalog.page(page_key).sections)
    except KeyError:
        return ()


def _section(value, where: str, page: str) -> str:
    """The name of the section of ``page`` that ``value`` names (by its name or its heading; case does not matter)."""
    value = _text(value, f"{where}: section", MAX_TITLE)
    if not value:
        return ""
    declared = sections(page.strip("/"))
    wanted = " ".join(value.split()).casefold()
    for name, heading in declared:
        if wanted in (name.casefold(), " ".join(heading.split()).casefold()):
            return name
    known = "; ".join(f"{name} ({heading})" for name, heading in declared)
    raise LectureError(
        f"{where}: section {value!r} is not a section of {page}"
        + (f" (its sections: {known})" if known else " (that page has no sections)")
    )


def _text(value, where: str, limit: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise LectureError(f"{where} must be text in quotes (got {type(value).__name__})")
    value = value.strip()
    if required and not value:
        raise LectureError(f"{where} is empty")
    if len(value) > limit:
        raise LectureError(f"{where} is {len(value)} characters long; at most {limit}")
    if any(ord(c) < 32 and c not in "\t" for c in value):
        raise LectureError(f"{where} must be one line (no line breaks or control characters)")
    return value


def _scene(table, number: int, pages: frozenset[str]) -> Scene:
    where = f"scene {number}"
    if not isinstance(table, dict):
        raise LectureError(f"{where} must be a [[scene]] table")
    unknown = sorted(set(table) - set(SCENE_KEYS))
    if unknown:
        raise LectureError(f"{where}: unknown field {', '.join(unknown)} (fields: {', '.join(SCENE_KEYS)})")
    if "page" not in table:
        raise LectureError(f'{where} has no page (e.g. page = "/vanishing")')
    page = _text(table["page"], f"{where}: page", 64, required=True)
    if not page.startswith("/") or page.strip("/") not in pages:
        known = ", ".join("/" + k for k in sorted(pages))
        raise LectureError(f"{where}: page {page!r} is not a page of this app ({known})")
    query = _text(table.get("query", ""), f"{where}: query", MAX_QUERY).lstrip("?")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query), max_num_fields=100)
    except ValueError as err:
        raise LectureError(f"{where}: query {query!r} is not a query string such as depth=40&seed=1 ({err})") from err
    reserved = sorted({k for k, _ in pairs} & RESERVED_KEYS)
    if reserved:
        raise LectureError(f"{where}: query may not set {', '.join(reserved)} (the lecture sets those itself)")
    ask = table.get("ask", True)
    if not isinstance(ask, bool):
        raise LectureError(f"{where}: ask must be true or false")
    page = "/" + page.strip("/")
    return Scene(
        page=page,
        query=urlencode(pairs),
        title=_text(table.get("title", ""), f"{where}: title", MAX_TITLE) or f"Scene {number}",
        note=_text(table.get("note", ""), f"{where}: note", MAX_NOTE),
        ask=ask,
        section=_section(table.get("section", ""), where, page),
    )


def from_dict(data, pages: frozenset[str] | None = None) -> Lecture:
    """A lecture from parsed TOML (``{"title": ..., "scene": [...]}``), checked."""
    if not isinstance(data, dict):
        raise LectureError("a lecture is a title and [[scene]] tables")
    unknown = sorted(set(data) - {"title", "scene"})
    if unknown:
        raise LectureError(f"unknown top-level field {', '.join(unknown)} (fields: title, scene)")
    title = _text(data.get("title", ""), "title", MAX_TITLE, required=True)
    scenes = data.get("scene")
    if not isinstance(scenes, list) or not scenes:
        raise LectureError("a lecture needs at least one [[scene]]")
    if len(scenes) > MAX_SCENES:
        raise LectureError(f"{len(scenes)} scenes; at most {MAX_SCENES}")
    pages = page_keys() if pages is None else pages
    return Lecture(title, tuple(_scene(t, i, pages) for i, t in enumerate(scenes, start=1)))


def parse(text: str | bytes, pages: frozenset[str] | None = None) -> Lecture:
    """A lecture from the text of a TOML file, checked (bounded: :data:`MAX_FILE_BYTES`)."""
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if len(raw) > MAX_FILE_BYTES:
        raise LectureError(f"the file is {len(raw):,} bytes; at most {MAX_FILE_BYTES:,}")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise LectureError("the file is not UTF-8 text") from err
    except tomllib.TOMLDecodeError as err:
        raise LectureError(f"not valid TOML: {err}") from err
    return from_dict(data, pages)


def to_dict(lecture: Lecture) -> dict:
    scenes = []
    for s in lecture.scenes:
        table = {"page": s.page, "query": s.query, "title": s.title, "note": s.note}
        if not s.ask:
            table["ask"] = False
        if s.section:
            table["section"] = s.section
        scenes.append(table)
    return {"title": lecture.title, "scene": scenes}


def to_toml(lecture: Lecture) -> str:
    """The lecture as a TOML file (written by tomli-w: every string quoted and escaped)."""
    return tomli_w.dumps(to_dict(lecture))


# -- files in lectures/ ----------------------------------------------------------------------------------------------


def stems(folder: Path = LECTURES_DIR) -> list[str]:
    """The lecture files shipped in ``folder``, by stem."""
    return sorted(p.stem for p in folder.glob("*.toml") if STEM.match(p.stem))


_LOADED: dict[tuple[str, int], Lecture] = {}


def load(stem: str, folder: Path = LECTURES_DIR) -> Lecture:
    """The lecture ``lectures/<stem>.toml``. ``stem`` comes from a URL: only a listed file's name is accepted."""
    if not isinstance(stem, str) or not STEM.match(stem) or stem not in stems(folder):
        known = ", ".join(stems(folder)) or "none"
        raise LectureError(f"there is no lecture {str(stem)[:70]!r} (lectures: {known})")
    path = folder / f"{stem}.toml"
    stamp = (str(path), path.stat().st_mtime_ns)
    if stamp not in _LOADED:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LectureError(f"lectures/{stem}.toml is larger than {MAX_FILE_BYTES:,} bytes")
        lecture = parse(path.read_bytes())
        if len(_LOADED) > 64:
            _LOADED.clear()
        _LOADED[stamp] = lecture
    return _LOADED[stamp]


# -- one link --------------------------------------------------------------------------------------------------------


def pack(lecture: Lecture) -> str:
    """The lecture as one URL-safe value (``deck=...``): compact JSON, compressed, base64url without padding.

    Raises :class:`LectureError` if it is longer than :data:`MAX_LINK_CHARS` (the TOML file has no such limit)."""
    rows = [
        [s.page, s.query, s.title, s.note, *([s.ask, s.section] if s.section else [] if s.ask else [False])]
        for s in lecture.scenes
    ]
    raw = json.dumps({"t": lecture.title, "s": rows}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    packed = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")
    if len(packed) > MAX_LINK_CHARS:
        raise LectureError(
            f"this lecture needs {len(packed):,} characters in a link; at most {MAX_LINK_CHARS:,}. Download the TOML "
            "file instead, or shorten the notes."
        )
    return packed


def _depth(text: str) -> int:
    """How deeply the JSON ``text`` nests arrays and objects (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def unpack(value: str, pages: frozenset[str] | None = None) -> Lecture:
    """The lecture packed by :func:`pack`, checked like a file. Bounded: the link's length and what it unpacks to."""
    if not isinstance(value, str) or not value or len(value) > MAX_LINK_CHARS:
        raise LectureError(f"a lecture link's deck is 1 to {MAX_LINK_CHARS:,} characters")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        raise LectureError("this lecture link is damaged (unexpected characters)")
    try:
        packed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        inflate = zlib.decompressobj()
        raw = inflate.decompress(packed, MAX_FILE_BYTES)
        if inflate.unconsumed_tail:
            raise LectureError(f"this lecture link unpacks to more than {MAX_FILE_BYTES:,} bytes")
        if not inflate.eof:
            raise LectureError("this lecture link is damaged (it is cut short)")
        text = raw.decode("utf-8")
        if _depth(text) > MAX_LINK_DEPTH:
            raise LectureError(f"this lecture link is damaged (nested deeper than {MAX_LINK_DEPTH} levels)")
        data = json.loads(text)
    except LectureError:
        raise
    except (ValueError, zlib.error, UnicodeDecodeError, RecursionError) as err:
        raise LectureError("this lecture link is damaged (it does not unpack)") from err
    if not isinstance(data, dict) or not isinstance(data.get("s"), list):
        raise LectureError("this lecture link is damaged (no scenes)")
    scenes = []
    for row in data["s"][: MAX_SCENES + 1]:
        if not isinstance(row, list) or not 4 <= len(row) <= len(SCENE_KEYS):
            raise LectureError("this lecture link is damaged (a scene is not page, query, title, note)")
        scenes.append(dict(zip(SCENE_KEYS, row, strict=False)))
    return from_dict({"title": data.get("t", ""), "scene": scenes}, pages)
