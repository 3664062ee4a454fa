"""Compare request bodies and responses (status codes, headers, media types, schemas)."""

from __future__ import annotations

from typing import Any

from generator.compat.checks import Place
from generator.compat.context import Context, Op
from generator.compat.normalize import Side
from generator.compat.schemas import diff
from generator.load import JsonPath

JSON = "application/json"


def _place(base: str, media: str) -> str:
    return base if media == JSON else f"{base} {media}"


def _content(
    cmp: Context,
    new_op: Op,
    old: tuple[Any, JsonPath],
    new: tuple[Any, JsonPath],
    *,
    base: str,
    side: Side,
    names: tuple[str, str],
) -> None:
    """Compare two `content` maps: media types removed/added, then each schema."""
    (old_node, old_at), (new_node, new_at) = old, new
    old_media = dict(old_node.get("content") or {}) if isinstance(old_node, dict) else {}
    new_media = dict(new_node.get("content") or {}) if isinstance(new_node, dict) else {}
    for media in sorted(set(old_media) - set(new_media)):
        where = (*old_at, "content", media)
        cmp.sink.add(
            "C020", new_op.label, base, f"media type {media} removed", where=where, in_old=True
        )
    for media in sorted(set(new_media) - set(old_media)):
        where = (*new_at, "content", media)
        cmp.sink.add("C108", new_op.label, base, f"media type {media} added", where=where)
    noun, root = names
    for media in sorted(set(old_media) & set(new_media)):
        o, n = old_media[media], new_media[media]
        if not (isinstance(o, dict) and isinstance(n, dict)) or (
            "schema" not in o and "schema" not in n
        ):
            continue
        at = Place(cmp.sink, new_op.label, _place(base, media), side, noun, root)
        diff(
            cmp.schema("old", side, o.get("schema", {}), (*old_at, "content", media, "schema")),
            cmp.schema("new", side, n.get("schema", {}), (*new_at, "content", media, "schema")),
            at,
        )


def request_body(cmp: Context, old: Op, new: Op) -> None:
    """The request body: input for operations, the payload (output) for webhooks."""
    side: Side = "output" if new.webhook else "input"
    ob, ow = cmp.deref("old", old.node.get("requestBody"), (*old.where, "requestBody"))
    nb, nw = cmp.deref("new", new.node.get("requestBody"), (*new.where, "requestBody"))
    if not isinstance(ob, dict) and not isinstance(nb, dict):
        return
    names = ("property", "payload") if new.webhook else ("request property", "request body")
    base = "payload" if new.webhook else "request"
    if side == "input":
        was = isinstance(ob, dict) and ob.get("required") is True
        now = isinstance(nb, dict) and nb.get("required") is True
        if now and not was:
            cmp.sink.add("C023", new.label, base, "request body became required", where=nw)
    _content(cmp, new, (ob, ow), (nb, nw), base=base, side=side, names=names)


def _success(status: str) -> bool:
    return status.startswith("2")


def responses(cmp: Context, old: Op, new: Op) -> None:
    """Responses: output for operations, the receiver's answer (input) for webhooks."""
    side: Side = "input" if new.webhook else "output"
    o_resp = {str(k): v for k, v in (old.node.get("responses") or {}).items()}
    n_resp = {str(k): v for k, v in (new.node.get("responses") or {}).items()}
    for status in sorted(set(o_resp) - set(n_resp)):
        if _success(status):
            where = (*old.where, "responses", status)
            cmp.sink.add(
                "C002", new.label, status, "success response removed", where=where, in_old=True
            )
    for status in sorted(set(n_resp) - set(o_resp)):
        where = (*new.where, "responses", status)
        cmp.sink.add("C106", new.label, status, "response status added", where=where)
    for status in sorted(set(o_resp) & set(n_resp)):
        o, ow = cmp.deref("old", o_resp[status], (*old.where, "responses", status))
        n, nw = cmp.deref("new", n_resp[status], (*new.where, "responses", status))
        if not (isinstance(o, dict) and isinstance(n, dict)):
            continue
        if not new.webhook:
            _headers(cmp, new, status, (o, ow), (n, nw))
        names = ("response property", "response body")
        _content(cmp, new, (o, ow), (n, nw), base=status, side=side, names=names)


def _headers(
    cmp: Context, new_op: Op, status: str, old: tuple[Any, JsonPath], new: tuple[Any, JsonPath]
) -> None:
    (o, ow), (n, nw) = old, new
    o_h = {k.lower(): (k, v) for k, v in (o.get("headers") or {}).items()}
    n_h = {k.lower(): (k, v) for k, v in (n.get("headers") or {}).items()}
    for key in sorted(set(o_h) - set(n_h)):
        name = o_h[key][0]
        where = (*ow, "headers", name)
        cmp.sink.add(
            "C019",
            new_op.label,
            status,
            f"response header {name} removed",
            where=where,
            in_old=True,
        )
    for key in sorted(set(n_h) - set(o_h)):
        name = n_h[key][0]
        where = (*nw, "headers", name)
        cmp.sink.add("C107", new_op.label, status, f"response header {name} added", where=where)
    for key in sorted(set(o_h) & set(n_h)):
        (oname, oraw), (nname, nraw) = o_h[key], n_h[key]
        oh, ohw = cmp.deref("old", oraw, (*ow, "headers", oname))
        nh, nhw = cmp.deref("new", nraw, (*nw, "headers", nname))
        if isinstance(oh, dict) and isinstance(nh, dict) and ("schema" in oh or "schema" in nh):
            at = Place(cmp.sink, new_op.label, f"{status} header {nname}", "output")
            diff(
                cmp.schema("old", "output", oh.get("schema", {}), (*ohw, "schema")),
                cmp.schema("new", "output", nh.get("schema", {}), (*nhw, "schema")),
                at,
            )
