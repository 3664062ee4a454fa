"""Read the OpenAPI document into plain Python data while remembering source lines.

Lint messages must point at `openapi/api-v1.yaml:LINE`, so we compose the YAML into nodes
(which carry marks) and build the data ourselves, recording the line of every node by its
path (a tuple of keys and indexes, the same path a JSON pointer would spell).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

JsonPath = tuple[str | int, ...]


class LoadError(Exception):
    """The document cannot be read or parsed; the message is meant for humans."""


@dataclass
class Document:
    """A parsed OpenAPI document: its data, source text hash and the line of every node."""

    path: str
    data: dict[str, Any]
    sha256: str
    lines: dict[JsonPath, int] = field(default_factory=dict)

    def line(self, path: JsonPath) -> int:
        """Line (1-based) of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return 1

    def resolve(self, ref: str) -> Any:
        """Return the node a local `$ref` (`#/components/...`) points at."""
        return resolve_pointer(self.data, ref)


def pointer_path(ref: str) -> JsonPath:
    """Split a local `$ref` into a path tuple; only same-document refs are supported."""
    if not ref.startswith("#"):
        raise LoadError(f"only local $refs are supported, got {ref!r}")
    parts = ref[1:].split("/")[1:]
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in parts)


def resolve_pointer(data: Any, ref: str) -> Any:
    """Follow a local `$ref` through `data`; a dangling ref is a `LoadError`."""
    node = data
    for part in pointer_path(ref):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, str) and part.isdigit():
            node = node[int(part)]
        else:
            raise LoadError(f"unresolvable $ref {ref!r}")
    return node


def to_pointer(path: JsonPath) -> str:
    """Spell a path tuple as a JSON pointer fragment (`#/paths/~1clients/get`)."""
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


# libyaml's parser when the wheel has it (3-4x faster on the 5,000-line document); node
# marks and the resulting data are the same with the pure-Python parser.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    """SafeLoader that keeps `2024-05-01` a string: JSON (and OpenAPI examples) have no dates."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _build(node: yaml.Node, path: JsonPath, lines: dict[JsonPath, int], loader: Any) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool):
                raise LoadError(f"line {key_node.start_mark.line + 1}: unsupported mapping key")
            name = str(key) if not isinstance(key, str) else key
            if name == "<<":
                raise LoadError(f"line {key_node.start_mark.line + 1}: YAML merge keys are refused")
            if name in out:
                raise LoadError(f"line {key_node.start_mark.line + 1}: duplicate key {name!r}")
            out[name] = _build(value_node, (*path, name), lines, loader)
            lines[(*path, name)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse(text: str, path: str = "<string>") -> Document:
    """Parse YAML text into a `Document`; raise `LoadError` with a short reason on failure."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise LoadError(f"{path}: the document is empty")
        lines: dict[JsonPath, int] = {}
        data = _build(root, (), lines, loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise LoadError(f"{path}{where}: invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise LoadError(f"{path}: the document must be a mapping, not {type(data).__name__}")
    sha = hashlib.sha256(text.encode()).hexdigest()
    return Document(path=path, data=data, sha256=sha, lines=lines)


def load(path: str | Path) -> Document:
    """Read and parse the file at `path`; a missing or unreadable file is a `LoadError`."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError(f"{name}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"{name}: cannot read: {exc}") from None
    return parse(text, name)
