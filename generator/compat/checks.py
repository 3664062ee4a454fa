"""The comparisons of one schema level that do not recurse: types, enums, bounds, patterns,
formats, `not`, other keywords and defaults, each in the direction the value travels.

Input (what the other party sends us) may only get more lenient: every value the old schema
accepted must still be accepted. Output (what we send) may only add: every value we now send
must be one a client of the old schema understands.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.compat.normalize import Side
from generator.compat.report import Sink
from generator.compat.shapes import LOWER_BOUNDS, MISSING, Shape, covers, type_text, value_key

# Which rule a tightened bound on an input breaks.
BOUND_RULES = {
    "minLength": "C008",
    "maxLength": "C008",
    "minimum": "C009",
    "maximum": "C009",
    "exclusiveMinimum": "C009",
    "exclusiveMaximum": "C009",
    "minItems": "C011",
    "maxItems": "C011",
    "minProperties": "C025",
    "maxProperties": "C025",
    "multipleOf": "C025",
    "uniqueItems": "C025",
}


@dataclass(frozen=True)
class Place:
    """Where a compared value sits: the operation, its part and how to name its pieces."""

    sink: Sink
    operation: str
    place: str  # "200", "request", "query status", "200 header Location"
    side: Side
    noun: str = ""  # names a nested value: "response property data[].email"
    root: str = ""  # names the value itself: "response body" ("" for parameters)

    def subject(self, label: str) -> str:
        """`response property data[].email`, or the root's name for the top-level value."""
        return f"{self.noun} {label}".strip() if label else self.root

    def add(self, rule: str, label: str, what: str, shape: Shape, *, in_old: bool = False) -> None:
        """Report `what` about the value at `label` (`shape` locates it)."""
        text = f"{self.subject(label)} {what}".strip()
        self.sink.add(rule, self.operation, self.place, text, where=shape.where, in_old=in_old)


def show(value: Any) -> str:
    """A JSON value as it reads in a message (strings unquoted)."""
    return value if isinstance(value, str) else json.dumps(value)


def effective_types(shape: Shape) -> frozenset[str] | None:
    """The types a shape admits, looking into anyOf/oneOf branches when it has no `type`."""
    if shape.types is not None or not shape.groups:
        return shape.types
    found: frozenset[str] | None = None
    for group in shape.groups:
        if any(b.types is None for b in group):
            continue
        union = frozenset().union(*(b.types or frozenset() for b in group))
        found = union if found is None else found & union
    return found


def _lost(old: frozenset[str] | None, new: frozenset[str] | None) -> set[str]:
    """Types `old` admits that `new` does not (`any` when only `new` restricts)."""
    if new is None:
        return set()
    if old is None:
        return {"any"}
    return {t for t in old if not covers(new, t)}


def types(old: Shape, new: Shape, at: Place, label: str) -> None:
    ot, nt = effective_types(old), effective_types(new)
    change = f"from {type_text(ot)} to {type_text(nt)}"
    if at.side == "input":
        if _lost(ot, nt):
            at.add("C006", label, f"type narrowed {change}", new)
        elif _lost(nt, ot):
            at.add("C109", label, f"type widened {change}", new)
        return
    gained = _lost(nt, ot)
    if gained == {"null"}:
        at.add("C017", label, "became nullable", new)
    elif gained:
        at.add("C016", label, f"type changed {change}", new)


def _values(values: list[Any]) -> str:
    return ", ".join(show(v) for v in values)


def enum(old: Shape, new: Shape, at: Place, label: str) -> None:
    oe = {json.dumps(v): v for v in old.enum} if old.enum is not None else None
    ne = {json.dumps(v): v for v in new.enum} if new.enum is not None else None
    if oe == ne:
        return
    if at.side == "input":
        if oe is None and ne is not None:
            at.add(
                "C007", label, f"now restricted to enum values: {_values(list(ne.values()))}", new
            )
        elif oe is not None and ne is None:
            at.add("C109", label, "no longer restricted to an enum", new)
        elif oe is not None and ne is not None:
            removed = [v for k, v in oe.items() if k not in ne]
            added = [v for k, v in ne.items() if k not in oe]
            if removed:
                at.add("C007", label, f"enum values removed: {_values(removed)}", new)
            if added:
                at.add("C105", label, f"enum values added: {_values(added)}", new)
        return
    if new.extensible or oe is None:
        return
    if ne is None:
        at.add("C018", label, "no longer restricted to an enum", new)
    elif added := [v for k, v in ne.items() if k not in oe]:
        at.add("C018", label, f"enum values added: {_values(added)}", new)


def bounds(old: Shape, new: Shape, at: Place, label: str) -> None:
    for key in sorted(set(old.bounds) | set(new.bounds)):
        ov, nv = old.bounds.get(key), new.bounds.get(key)
        if ov == nv:
            continue
        lower = key in LOWER_BOUNDS or key in ("multipleOf", "uniqueItems")
        if ov is None:
            tightened, what = True, f"{key} {show(nv)} added"
        elif nv is None:
            tightened, what = False, f"{key} {show(ov)} removed"
        else:
            tightened = (nv > ov) if lower else (nv < ov)
            if key == "multipleOf":
                tightened = not (isinstance(ov, int | float) and ov % nv == 0)
            verb = "raised" if nv > ov else "lowered"
            what = f"{key} {verb} from {show(ov)} to {show(nv)}"
        if at.side == "input":
            at.add(BOUND_RULES[key] if tightened else "C109", label, what, new)
        elif not tightened:
            at.add("C029", label, what, new)


def patterns(old: Shape, new: Shape, at: Place, label: str) -> None:
    added, removed = new.patterns - old.patterns, old.patterns - new.patterns
    if at.side == "input":
        for pattern in sorted(added):
            at.add("C010", label, f"pattern {pattern} added", new)
        for pattern in sorted(removed):
            at.add("C109", label, f"pattern {pattern} removed", new)
        if new.format and new.format != old.format:
            at.add("C024", label, f"format {new.format} (was {old.format or 'none'})", new)
        elif old.format and not new.format:
            at.add("C109", label, f"format {old.format} removed", new)
        return
    for pattern in sorted(removed):
        at.add("C029", label, f"pattern {pattern} removed or changed", new)
    if old.format and old.format != new.format:
        at.add("C029", label, f"format {old.format} changed to {new.format or 'none'}", new)


def default_changed(old: Shape, new: Shape) -> str:
    """Message for an input default that changed or went away ("" when it did not)."""
    if old.default is MISSING:
        return ""
    if new.default is not MISSING and value_key(old.default) == value_key(new.default):
        return ""
    after = "none" if new.default is MISSING else show(new.default)
    return f"default changed from {show(old.default)} to {after}"


def constraints(old: Shape, new: Shape, at: Place, label: str) -> None:
    """`not`, other keywords and defaults (they matter on input only)."""
    if at.side != "input":
        return
    old_nots = {n.fingerprint for n in old.nots}
    new_nots = {n.fingerprint for n in new.nots}
    if new_nots - old_nots:
        at.add("C025", label, "new `not` constraint", new)
    if old_nots - new_nots:
        at.add("C109", label, "`not` constraint removed", new)
    for key in sorted(set(old.other) | set(new.other)):
        if old.other.get(key) != new.other.get(key):
            rule = "C025" if key in new.other else "C109"
            at.add(rule, label, f"{key} {'changed' if key in new.other else 'removed'}", new)
    if message := default_changed(old, new):
        at.add("C030", label, message, new)
