"""What a comparison of two documents shares: the operations found and the shape builders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator.compat.normalize import Normalizer, Side
from generator.compat.report import Sink
from generator.compat.shapes import Shape
from generator.load import Document, JsonPath
from generator.walk import HTTP_METHODS

Param = tuple[dict[str, Any], JsonPath]  # a dereferenced Parameter Object and its path


@dataclass(frozen=True)
class Op:
    """One operation or webhook of a document."""

    label: str  # "GET /clients/{id}" or "webhook invoice.sent"
    node: dict[str, Any]
    where: JsonPath
    path_parameters: tuple[Any, ...]
    webhook: bool


def _key(path: str) -> str:
    """Path templates that differ only in parameter names are the same path."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def collect(doc: Document) -> dict[tuple[str, str, str], Op]:
    """Every operation and webhook, keyed by (kind, normalised path or event, method)."""
    found: dict[tuple[str, str, str], Op] = {}
    for kind in ("paths", "webhooks"):
        for path, item in (doc.data.get(kind) or {}).items():
            if not isinstance(item, dict):
                continue
            for method, node in item.items():
                if method in HTTP_METHODS and isinstance(node, dict):
                    webhook = kind == "webhooks"
                    label = f"webhook {path}" if webhook else f"{method.upper()} {path}"
                    if webhook and method != "post":
                        label = f"webhook {path} ({method.upper()})"
                    found[(kind, _key(path), method)] = Op(
                        label,
                        node,
                        (kind, path, method),
                        tuple(item.get("parameters") or ()),
                        webhook,
                    )
    return found


class Context:
    """The two documents of one comparison: the findings sink and a shape builder per side."""

    def __init__(self, old: Document, new: Document) -> None:
        self.sink = Sink(old, new)
        self.shapes = {
            (doc_id, side): Normalizer(doc, side)
            for doc_id, doc in (("old", old), ("new", new))
            for side in ("input", "output")
        }

    def schema(self, which: str, side: Side, node: Any, where: JsonPath) -> Shape:
        """The shape of a schema of the `old` or `new` document, as `side` sees it."""
        return self.shapes[(which, side)].shape(node, where)

    def deref(self, which: str, node: Any, where: JsonPath) -> tuple[Any, JsonPath]:
        """Follow `$ref`s in the `old` or `new` document."""
        return self.shapes[(which, "input")].deref(node, where)
