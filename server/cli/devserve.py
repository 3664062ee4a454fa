"""`make serve`: migrate the local database, seed a demo workspace once, and serve the API.

The first run seeds a demo organization and remembers its owner token in `var/demo.json` (mode
0600: it is a live credential). Later runs reuse it, so the token a developer pasted somewhere
keeps working; a new one is seeded only when the file is missing, points at another database,
or its token no longer works (the database was deleted, the member removed). The token is also
put into `HOURSMITH_DOCS_TOKEN`, so the Scalar page at /api-docs comes prefilled.
`HOST` and `PORT` override 127.0.0.1:8000.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.pool import NullPool

from server.cli import serve
from server.cli.demo import seed_demo
from server.db.migrate import upgrade
from server.db.models import ApiToken, Member, Organization
from server.db.session import begin_write, make_engine, session_factory
from server.settings import Settings
from server.tokens import parse_token, secret_matches

DEMO_FILE = "demo.json"


@dataclass(frozen=True)
class DemoInfo:
    """The remembered demo workspace and whether this run created it."""

    org_id: str
    owner_token: str
    created: bool


def demo_path(settings: Settings) -> Path:
    return Path(settings.var_dir) / DEMO_FILE


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _write_state(path: Path, state: dict[str, Any]) -> None:
    """Write atomically with mode 0600 from the start (never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, indent=2)
        handle.write("\n")
    tmp.replace(path)


def _token_works(session: Any, token: str) -> bool:
    """True when `token` still authenticates: known, unrevoked, member and org present."""
    parsed = parse_token(token)
    if parsed is None:
        return False
    row = session.scalars(select(ApiToken).where(ApiToken.prefix == parsed.prefix)).one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    member = session.get(Member, row.member_id)
    return (
        secret_matches(parsed.secret, row.secret_hash)
        and member is not None
        and member.deleted_at is None
        and session.get(Organization, row.org_id) is not None
    )


def ensure_demo(settings: Settings) -> DemoInfo:
    """The demo workspace of this database: the remembered one, else a freshly seeded one."""
    path = demo_path(settings)
    state = _read_state(path)
    engine = make_engine(settings.database_url, poolclass=NullPool)
    try:
        with session_factory(engine)() as session:
            if (
                state is not None
                and state.get("databaseUrl") == settings.database_url
                and isinstance(state.get("ownerToken"), str)
                and _token_works(session, state["ownerToken"])
            ):
                return DemoInfo(str(state["orgId"]), state["ownerToken"], created=False)
            session.rollback()
            begin_write(session)
            demo = seed_demo(session, "studio")
            session.commit()
    finally:
        engine.dispose()
    _write_state(
        path,
        {
            "databaseUrl": settings.database_url,
            "orgId": demo.org_id,
            "ownerToken": demo.tokens["owner"],
            "tokens": demo.tokens,
            "memberIds": demo.member_ids,
        },
    )
    return DemoInfo(demo.org_id, demo.tokens["owner"], created=True)


def banner(info: DemoInfo, host: str, port: int) -> str:
    base = f"http://{host}:{port}"
    state = "seeded" if info.created else "reused"
    return "\n".join(
        [
            f"Hoursmith dev server — demo organization {info.org_id} ({state})",
            f"  Owner token: {info.owner_token}",
            f"  API:         {base}/api/v1",
            f"  Docs:        {base}/api-docs",
            f"  OpenAPI:     {base}/api/openapi.json",
            f"  Try:         curl -H 'Authorization: Bearer {info.owner_token}' {base}/api/v1/me",
        ]
    )


def main() -> int:
    """Migrate, seed once, print the token and URLs, then serve until interrupted."""
    host = os.environ.get("HOST") or "127.0.0.1"
    try:
        port = int(os.environ.get("PORT") or "8000")
        settings = Settings()
        upgrade(settings.database_url)
        info = ensure_demo(settings)
    except Exception as exc:  # one clear line for `make serve`, not a traceback
        detail = " ".join(str(exc).split())
        print(f"devserve: error: {type(exc).__name__}: {detail}", file=sys.stderr)
        return 1
    print(banner(info, host, port), flush=True)
    os.environ["HOURSMITH_DOCS_TOKEN"] = info.owner_token
    try:
        serve.run(host, port)
    except serve.ServeError as exc:
        print(f"devserve: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
