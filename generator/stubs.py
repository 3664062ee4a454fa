"""Create `501 not implemented` handler stubs for operations that have no handler yet.

Handlers are handwritten (`server/handlers/<tag>.py`); a stub is created once so the app can
start while an operation is unimplemented, and is never regenerated, overwritten or edited:
an existing module only ever gets missing functions appended at its end.
"""

from __future__ import annotations

import ast
from pathlib import Path

from generator.routes import HANDLERS_PACKAGE, Route

NEW_MODULE = '''"""Handlers for the `{tag}` tag (stubs created by `make generate`; edit freely)."""

from server.errors import ApiError
'''
STUB = '''

def {function}(**params: object) -> None:
    """{operation_id}: stub created by `make generate`; not implemented yet."""
{local_import}    raise ApiError(501, "internal", "not implemented")
'''
LOCAL_IMPORT = "    from server.errors import ApiError  # noqa: PLC0415 - appended stub\n\n"


def _top_level_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def ensure_stubs(routes: list[Route], handlers_dir: Path) -> list[str]:
    """Append stubs for missing handler functions; return one message per change or skip."""
    messages: list[str] = []
    by_module: dict[str, list[Route]] = {}
    for route in routes:
        by_module.setdefault(route.module, []).append(route)
    for module, module_routes in sorted(by_module.items()):
        target = handlers_dir / (module.removeprefix(HANDLERS_PACKAGE + ".") + ".py")
        source = target.read_text(encoding="utf-8") if target.exists() else ""
        try:
            names = _top_level_names(source)
        except SyntaxError as exc:
            messages.append(f"{_shown(target)}: not touched, it does not parse ({exc.msg})")
            continue
        created = not target.exists()
        text = NEW_MODULE.format(tag=module_routes[0].tag) if created else source
        local = "" if created or "ApiError" in names else LOCAL_IMPORT
        added = []
        for route in module_routes:
            if route.function in names:
                continue
            text = text.rstrip("\n") + "\n"
            text += STUB.format(
                function=route.function, operation_id=route.operation_id, local_import=local
            )
            added.append(route.function)
        if added:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            verb = "created" if created else "appended to"
            messages.append(f"{_shown(target)}: {verb} with stub(s) {', '.join(added)}")
    return messages
