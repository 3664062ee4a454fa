"""The generated changelog: what each release added, grouped, newest first."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.__main__ import COMPAT_IGNORE, RELEASES
from generator.compat.changelog import END, START, changelog, splice
from generator.compat.ignore import Accepted, load_ignores
from tests.generator.compat.helpers import BASE, CREATE, LIST, THING, base, op
from tests.generator.helpers import ROOT, apply_patch

NEW_OP = {"get": {"operationId": "getThing", "responses": {"200": {"description": "The thing."}}}}
NEW_HOOK = {"post": {"operationId": "onThingDeleted", "responses": {"200": {"description": "ok"}}}}


def _releases(tmp_path: Path) -> Path:
    folder = tmp_path / "releases"
    folder.mkdir()
    (folder / "1.0.0.yaml").write_bytes(BASE.read_bytes())
    revised = apply_patch(
        base().data,
        [
            op("replace", "/info/version", "1.1.0"),
            op("add", "/paths/~1things~1{id}/get", NEW_OP["get"]),
            op("add", "/webhooks/thing.deleted", NEW_HOOK),
            op("add", f"{THING}/colour", {"type": "string"}),
            op(
                "add",
                f"{LIST}/parameters/-",
                {"name": "q", "in": "query", "schema": {"type": "string"}},
            ),
            op("replace", "/components/parameters/Status/schema/enum", ["OPEN", "CLOSED", "DRAFT"]),
            op("replace", f"{CREATE}/name/maxLength", 50),
        ],
    )
    (folder / "1.1.0.yaml").write_text(yaml.safe_dump(revised, sort_keys=False))
    return folder


ACCEPTED = Accepted(
    "C008",
    ("POST /things",),
    "request: request property name maxLength lowered from 100 to 50",
    (1, 1, 0),
    "no stored name is longer",
)


def test_changelog_lists_each_release_newest_first(tmp_path: Path) -> None:
    """1.1.0's additions grouped by kind (a component property once), then the first release."""
    assert changelog(_releases(tmp_path), [ACCEPTED]) == (
        "### API 1.1.0\n"
        "\n"
        "- **Operations**:\n"
        "  - `GET /things/{id}` (getThing)\n"
        "- **Webhook events**:\n"
        "  - `webhook thing.deleted` (onThingDeleted)\n"
        "- **Parameters**:\n"
        "  - query q: parameter added (`GET /things`)\n"
        "- **Response properties**:\n"
        "  - `Thing.colour` (`GET /things`, `POST /things`)\n"
        "- **Webhook payload properties**:\n"
        "  - `Thing.colour` (`webhook thing.created`)\n"
        "- **Enum values**:\n"
        "  - query status: enum values added: DRAFT (`GET /things`)\n"
        "- **Changed** (accepted in `openapi/compat-ignore.yaml`):\n"
        "  - no stored name is longer (C008 ×1)\n"
        "\n"
        "### API 1.0.0\n"
        "\n"
        "- First release: 3 operations, 1 webhook events.\n"
    )


def test_single_release_is_the_first_release(tmp_path: Path) -> None:
    """With only 1.0.0 there is one section counting operations and webhook events."""
    folder = tmp_path / "releases"
    folder.mkdir()
    (folder / "1.0.0.yaml").write_bytes(BASE.read_bytes())
    assert changelog(folder, []) == (
        "### API 1.0.0\n\n- First release: 3 operations, 1 webhook events.\n"
    )


def test_splice_replaces_only_the_marked_section() -> None:
    """Text outside the markers stays; the section between them is the new Markdown."""
    text = f"# Log\n{START}\nold\n{END}\n## Later\n"
    assert splice(text, "new\n") == f"# Log\n{START}\nnew\n{END}\n## Later\n"


def test_splice_needs_the_markers() -> None:
    """A file without the markers is refused rather than silently left alone."""
    with pytest.raises(ValueError, match="lacks the markers"):
        splice("# Log\n", "new\n")


def test_repository_changelog_section_is_up_to_date() -> None:
    """CHANGELOG.md's contract section is exactly what the changelog command prints."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    markdown = changelog(RELEASES, load_ignores(COMPAT_IGNORE))
    assert splice(text, markdown) == text, "run: python -m generator changelog --write CHANGELOG.md"
