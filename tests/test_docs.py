"""README.md and docs/: the README stays short and true, every relative link resolves, the pages table follows the
catalog, and every command in docs/cli.md is one the command line accepts."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from residual_core import catalog, cli
from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ("lecturing.md", "cli.md", "deploy.md", "architecture.md")
MARKDOWN = [README, *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.M | re.S)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """The text without fenced code blocks and inline code spans (a link there is not a link)."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def links(path: Path) -> list[str]:
    return LINK.findall(prose(path.read_text()))


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens (repeats get -1, -2, ...)."""
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", path.read_text()), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        seen[slug] = seen.get(slug, -1) + 1
        if seen[slug]:
            seen[f"{slug}-{seen[slug]}"] = 0
    return set(seen)


def test_the_readme_is_at_most_10_kb():
    assert len(README.read_bytes()) <= 10_240, len(README.read_bytes())


def test_the_readme_starts_with_the_two_commands():
    text = README.read_text()
    first = FENCE.search(text)
    assert first and text[: first.start()].count("\n") <= 3, "the first code block opens the README"
    block = first.group(1)
    assert re.search(r"^pip install -r requirements\.txt && streamlit run app\.py\b", block, flags=re.M), block
    assert re.search(
        r"^pip install -r requirements\.txt -r requirements-dev\.txt && python -m pytest\b", block, flags=re.M
    ), block


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert path == README or links(path), f"{path.name} links nowhere (not even back to the README)"
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        assert resolved.exists(), f"{path.name}: {target} -> {resolved} does not exist"
        assert resolved.is_relative_to(ROOT), f"{path.name}: {target} leaves the repository"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{path.name}: {target}: no heading #{anchor} in {resolved.name}"


def test_every_doc_exists_and_is_linked_from_the_readme():
    linked = {(README.parent / t.partition("#")[0]).resolve() for t in links(README)}
    for name in DOCS:
        doc = ROOT / "docs" / name
        assert doc.is_file(), doc
        assert doc.resolve() in linked, f"README.md does not link docs/{name}"


def test_the_pages_table_lists_every_page_by_its_path_in_navigation_order():
    text = README.read_text()
    table = text.split("<!-- pages-table -->", 1)[1].split("<!-- /pages-table -->", 1)[0]
    paths = re.findall(r"^\| *`(/[^`]*)` *\|", table, flags=re.M)
    assert paths == ["/" + p.key for p in catalog.PAGES], paths


def cli_commands() -> list[list[str]]:
    """Every ``python -m residual_core ...`` line in docs/cli.md's code blocks, as arguments (comments dropped)."""
    blocks = FENCE.findall((ROOT / "docs" / "cli.md").read_text())
    found = []
    for line in "\n".join(blocks).splitlines():
        if line.startswith("python -m residual_core"):
            found.append(shlex.split(line, comments=True)[3:])
    return found


def test_docs_cli_names_only_real_sub_commands_and_options():
    parser = cli.build_parser(cli.experiments())
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(catalog.EXPERIMENTS) <= set(sub.choices)
    commands = cli_commands()
    assert len(commands) >= 10, commands
    for args in commands:
        if not args or args == ["--help"]:
            continue
        assert args[0] in sub.choices, args
        if args[0] == "claims":  # its options are the page's experiments' options, read when it runs
            assert args[1] in cli._claim_pages(), args
        elif "--help" not in args:
            try:
                parser.parse_args(args)  # exits 2 on an unknown option or a value outside an option's choices
            except SystemExit as exit:
                pytest.fail(f"docs/cli.md: python -m residual_core {shlex.join(args)} exits {exit.code}")
    named = set(re.findall(r"`python -m residual_core ([a-z][a-z0-9-]*)", (ROOT / "docs" / "cli.md").read_text()))
    assert named <= set(sub.choices), named - set(sub.choices)
