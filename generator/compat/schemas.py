"""Compare two shapes of one value, recursively: properties, items, additionalProperties and
anyOf/oneOf branches; each level's own keywords are compared by `checks`.

Branches are paired by component name, then by type, so `anyOf: [string, number]` whose
number branch gains a `maximum` reports the `maximum`, not a removed and an added branch.
"""

from __future__ import annotations

from dataclasses import replace

from generator.compat import checks
from generator.compat.checks import Place
from generator.compat.shapes import Shape, merge, type_text


def diff(old: Shape, new: Shape, at: Place, label: str = "") -> None:
    """Report every difference between two shapes of the value at `label`."""
    if old.fingerprint == new.fingerprint:
        return
    checks.types(old, new, at, label)
    if _distributed(old, new, at, label):
        return
    checks.enum(old, new, at, label)
    checks.bounds(old, new, at, label)
    checks.patterns(old, new, at, label)
    _properties(old, new, at, label)
    if old.items is not None or new.items is not None:
        items = (old.items or Shape(where=old.where), new.items or Shape(where=new.where))
        diff(*items, at, label + "[]")
    _groups(old, new, at, label)
    if at.side == "input":
        _additional(old, new, at, label)
    checks.constraints(old, new, at, label)


def _child(label: str, name: str) -> str:
    return f"{label}.{name}" if label else name


def _properties(old: Shape, new: Shape, at: Place, label: str) -> None:
    op, np_ = old.properties, new.properties
    for name in sorted(set(np_) - set(op)):
        child = _child(label, name)
        if at.side == "output":
            at.add("C104", child, "added", np_[name])
        elif name in new.required:
            _new_required(at, child, np_[name])
        else:
            at.add("C103", child, "added (optional)", np_[name])
    for name in sorted(set(op) - set(np_)):
        child = _child(label, name)
        if at.side == "output":
            at.add("C014", child, "removed", op[name], in_old=True)
        else:
            closed = new.additional is False
            at.add("C026" if closed else "C027", child, "removed", op[name], in_old=True)
    for name in sorted(set(op) & set(np_)):
        child = _child(label, name)
        now, before = name in new.required, name in old.required
        if at.side == "input" and now and not before:
            at.add("C013", child, "became required", np_[name])
        elif at.side == "input" and before and not now:
            at.add("C109", child, "no longer required", np_[name])
        elif at.side == "output" and before and not now:
            at.add("C015", child, "no longer required", np_[name])
        diff(op[name], np_[name], at, child)
    if at.side == "input":
        for name in sorted(new.required - old.required - set(np_)):
            _new_required(at, _child(label, name), new)


def _new_required(at: Place, child: str, shape: Shape) -> None:
    subject = f"{at.noun} {child}".strip()
    what = f"new required {subject}"
    at.sink.add("C012", at.operation, at.place, what, where=shape.where)


def _describe(branch: Shape) -> str:
    return branch.ref or type_text(branch.types)


def _pair(
    old: tuple[Shape, ...], new: tuple[Shape, ...]
) -> tuple[list[tuple[Shape, Shape]], list[Shape], list[Shape]]:
    """Pair branches: equal ones, then same component, then same (unique) type set."""
    left, right = list(old), list(new)
    pairs: list[tuple[Shape, Shape]] = []
    keys = (
        lambda b: b.fingerprint,
        lambda b: b.ref or None,
        lambda b: type_text(b.types) if b.types is not None else None,
    )
    for key in keys:
        for a in list(left):
            ka = key(a)
            if ka is None or sum(1 for x in left if key(x) == ka) > 1:
                continue
            match = [b for b in right if key(b) == ka]
            if len(match) == 1:
                pairs.append((a, match[0]))
                left.remove(a)
                right.remove(match[0])
    return pairs, left, right


def _bare(shape: Shape) -> Shape:
    return replace(shape, groups=())


def _spread(shape: Shape) -> tuple[Shape, ...]:
    """`A and (B1 or B2)` as `(A and B1) or (A and B2)`: the branches of a one-group shape."""
    top = _bare(shape)
    return tuple(replace(merge(top, b), ref=b.ref) for b in shape.groups[0])


def _distributed(old: Shape, new: Shape, at: Place, label: str) -> bool:
    """When only one side has an anyOf/oneOf, compare branch against branch.

    `{type: string, maxLength: 5}` and `anyOf: [{type: string, maxLength: 5}, {type: number}]`
    differ by one added branch, not by a removed `maxLength` at the top. Returns whether the
    pair was compared this way.
    """
    if len(old.groups) + len(new.groups) != 1:
        return False
    before = _spread(old) if old.groups else (_bare(old),)
    after = _spread(new) if new.groups else (_bare(new),)
    _branches(before, after, at, label)
    return True


def _groups(old: Shape, new: Shape, at: Place, label: str) -> None:
    """Compare anyOf/oneOf groups (a schema without one counts as a one-branch group)."""
    og, ng = list(old.groups), list(new.groups)
    if len(og) != len(ng):
        same = {tuple(sorted(b.fingerprint for b in g)) for g in og} & {
            tuple(sorted(b.fingerprint for b in g)) for g in ng
        }
        og = [g for g in og if tuple(sorted(b.fingerprint for b in g)) not in same]
        ng = [g for g in ng if tuple(sorted(b.fingerprint for b in g)) not in same]
        if at.side == "input":
            for _ in ng:
                at.add("C025", label, "new anyOf/oneOf constraint", new)
            for _ in og:
                at.add("C109", label, "anyOf/oneOf constraint removed", new)
        return
    for old_group, new_group in zip(og, ng, strict=True):
        _branches(old_group, new_group, at, label)


def _branches(old: tuple[Shape, ...], new: tuple[Shape, ...], at: Place, label: str) -> None:
    """Compare paired branches; report the unpaired ones."""
    pairs, gone, came = _pair(old, new)
    for a, b in pairs:
        diff(a, b, at, label)
    for branch in gone if at.side == "input" else ():
        what = f"anyOf/oneOf branch {_describe(branch)} removed"
        at.add("C022", label, what, branch, in_old=True)
    for branch in came:
        if at.side == "input":
            at.add("C109", label, f"anyOf/oneOf branch {_describe(branch)} added", branch)
        else:
            at.add(
                "C016", label, f"may now be {_describe(branch)} (new anyOf/oneOf branch)", branch
            )


def _additional(old: Shape, new: Shape, at: Place, label: str) -> None:
    oa, na = old.additional, new.additional
    if isinstance(oa, Shape) and isinstance(na, Shape):
        diff(oa, na, at, label + "{*}")
    elif oa is not na and not (isinstance(oa, Shape) and isinstance(na, Shape)):
        if na is False or (oa is True and isinstance(na, Shape)):
            at.add("C021", label, "additionalProperties closed or restricted", new)
        else:
            at.add("C109", label, "additionalProperties opened", new)
