"""openapi-typescript and openapi-fetch (pinned in package-lock.json, installed by `make install`)
on the served document: the generated types compile under `tsc --strict` together with a typed
workflow script, and the compiled script runs that workflow against a live server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.live_server import LiveServer

REPO = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO / "node_modules"
SCRIPT = Path(__file__).resolve().parent / "typescript" / "workflow.ts"
INSTALL_HINT = (
    "run `make install` (it runs `npm ci`; needs Node.js 20+ with npm: "
    "apt-get install nodejs npm, or https://nodejs.org/en/download)"
)
TSC_OPTIONS = (
    *("--strict", "--target", "ES2022", "--module", "ESNext", "--moduleResolution", "Bundler"),
    *("--lib", "ES2022,DOM", "--pretty", "false"),
)


def _tool(name: str) -> str:
    path = NODE_MODULES / ".bin" / name
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO)} is missing: {INSTALL_HINT}")
    return str(path)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        pytest.fail(f"node is not on PATH: {INSTALL_HINT}")
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def project(served_document: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temp project: the generated `schema.d.ts`, the workflow script, the pinned packages."""
    root = tmp_path_factory.mktemp("typescript-client")
    generated = _run(
        [_tool("openapi-typescript"), str(served_document), "-o", str(root / "schema.d.ts")], root
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "warn" not in output.lower(), output
    assert "error" not in output.lower(), output
    shutil.copy(SCRIPT, root / "workflow.ts")
    (root / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (root / "package.json").write_text('{"private": true, "type": "module"}\n')
    return root


@pytest.fixture(scope="module")
def compiled(project: Path) -> subprocess.CompletedProcess[str]:
    """One `tsc --strict` run over the types and the script: the full type check, and (only when
    it passes, `--noEmitOnError`) the JavaScript the next test runs."""
    return _run(
        [_tool("tsc"), *TSC_OPTIONS, "--noEmitOnError", "--outDir", "out", "workflow.ts"], project
    )


def test_generated_types_compile_with_the_typed_workflow(
    compiled: subprocess.CompletedProcess[str],
) -> None:
    """`tsc --strict` accepts the types and the script, `@ts-expect-error` lines included."""
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr


def test_typed_workflow_runs_against_the_live_server(
    project: Path, compiled: subprocess.CompletedProcess[str], clients_server: LiveServer
) -> None:
    """The compiled script creates, reads, pages, updates and deletes through openapi-fetch."""
    assert compiled.returncode == 0, "the script did not compile (see the test above)"
    runner = (
        "import { workflow } from './out/workflow.js';"
        "const [url, token] = process.argv.slice(1);"
        "console.log(JSON.stringify(await workflow(url, token)));"
    )
    ran = _run(
        [
            "node",
            "--input-type=module",
            "-e",
            runner,
            "--",
            clients_server.api_url,
            clients_server.tokens["owner"],
        ],
        project,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert len(result["created"]) == 3
    assert result["pages"] >= 2
    assert result["listed"] >= 3
