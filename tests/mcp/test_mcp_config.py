"""Environment checks of hoursmith-mcp: refuse bad configuration before any protocol traffic."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from server.mcp.config import DEFAULT_API_URL, ConfigError, load_config
from server.mcp.main import EXIT_CONFIG, main

TOKEN = "hsk_test_0123456789ab_abcdefghijklmnopqrstuvwxyz012345"
REPO = Path(__file__).resolve().parents[2]


def test_defaults_and_trailing_slash() -> None:
    """The URL defaults to the local API and a trailing slash is dropped."""
    assert load_config({"HOURSMITH_API_TOKEN": TOKEN}).api_url == DEFAULT_API_URL
    config = load_config({"HOURSMITH_API_TOKEN": TOKEN, "HOURSMITH_API_URL": "https://x.test/a/"})
    assert (config.api_url, config.log_level) == ("https://x.test/a", logging.WARNING)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "HOURSMITH_API_TOKEN is not set"),
        ({"HOURSMITH_API_TOKEN": "  "}, "HOURSMITH_API_TOKEN is not set"),
        ({"HOURSMITH_API_TOKEN": "sk_live_secret"}, "must start with hsk_"),
        ({"HOURSMITH_API_TOKEN": "hsk_a b"}, "whitespace"),
        ({"HOURSMITH_API_TOKEN": TOKEN, "HOURSMITH_API_URL": "ftp://x"}, "absolute http(s) URL"),
        ({"HOURSMITH_API_TOKEN": TOKEN, "HOURSMITH_MCP_TIMEOUT": "soon"}, "number of seconds"),
        ({"HOURSMITH_API_TOKEN": TOKEN, "HOURSMITH_MCP_LOG_LEVEL": "LOUD"}, "must be one of"),
    ],
)
def test_bad_environment_is_refused(env: dict[str, str], message: str) -> None:
    """Each unusable setting raises ConfigError with a message naming the variable."""
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(env)


def test_repr_and_errors_never_show_the_token() -> None:
    """Neither the config's repr nor a refusal message contains the secret."""
    assert TOKEN not in repr(load_config({"HOURSMITH_API_TOKEN": TOKEN}))
    with pytest.raises(ConfigError) as info:
        load_config({"HOURSMITH_API_TOKEN": "sk_" + TOKEN})
    assert TOKEN not in str(info.value)


def test_main_exits_non_zero_with_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    """main() refuses a non-hsk token with exit 2, one line on stderr and nothing on stdout."""
    assert main([], {"HOURSMITH_API_TOKEN": "ghp_wrong"}) == EXIT_CONFIG
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "hoursmith-mcp: HOURSMITH_API_TOKEN does not look like a Hoursmith API token "
        "(it must start with hsk_)\n"
    )


def test_console_script_refuses_before_protocol() -> None:
    """The installed hoursmith-mcp exits 2 at once without writing to stdout."""
    script = Path(sys.executable).with_name("hoursmith-mcp")
    proc = subprocess.run(
        [str(script)],
        env={"PATH": "/usr/bin:/bin", "HOURSMITH_API_TOKEN": "nope"},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (EXIT_CONFIG, "")
    assert "must start with hsk_" in proc.stderr


def test_main_module_does_not_import_db_or_services() -> None:
    """Importing the entry point pulls in neither server.db, server.services nor SQLAlchemy."""
    code = (
        "import sys, server.mcp.main; "
        "print(sorted(m for m in sys.modules "
        "if m.startswith(('server.db', 'server.services', 'sqlalchemy'))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"
