"""What every `hoursmith` command module shares: the output type, the database session, the
parser helpers (each command takes `--json`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from server.db.session import begin_write, make_engine, session_factory
from server.settings import Settings

Handler = Callable[[argparse.Namespace], "Output"]


class Output:
    """What a command reports: the `--json` object and the human-readable text."""

    def __init__(self, data: dict[str, Any], text: str) -> None:
        self.data = data
        self.text = text


def database_url() -> str:
    return Settings().database_url


@contextmanager
def write_session() -> Iterator[Session]:
    """One write transaction against the configured database, committed on success."""
    engine = make_engine(database_url(), poolclass=NullPool)
    try:
        with session_factory(engine)() as session:
            begin_write(session)
            yield session
            session.commit()
    finally:
        engine.dispose()


def add_command(
    parent: Any, name: str, handler: Handler, help_text: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
    parser.set_defaults(handler=handler)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return parser


def add_group(subparsers: Any, name: str, help_text: str) -> Any:
    parser = subparsers.add_parser(name, help=help_text)
    return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")
