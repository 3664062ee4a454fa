"""Compare the operations of two documents: paths, webhooks, parameters, bodies, responses.

Webhooks are compared from the receiver's side: the payload and headers we send are output
(may only add), the receiver's response is input (may only get more lenient).
"""

from __future__ import annotations

from typing import Any

from generator.compat.bodies import request_body, responses
from generator.compat.checks import Place, show
from generator.compat.context import Context, Op, Param, collect
from generator.compat.normalize import Side
from generator.compat.report import Sink
from generator.compat.schemas import diff
from generator.load import Document


class Compare(Context):
    """One comparison of an old and a new document."""

    def run(self) -> Sink:
        """Compare every operation and webhook; the findings are in the returned sink."""
        old_ops, new_ops = collect(self.sink.old), collect(self.sink.new)
        for key in sorted(set(old_ops) - set(new_ops)):
            op = old_ops[key]
            what = "webhook event removed" if op.webhook else "operation removed"
            self.sink.add("C001", op.label, "", what, where=op.where, in_old=True)
        for key in sorted(set(new_ops) - set(old_ops)):
            op = new_ops[key]
            rule, what = (
                ("C101", "webhook event added") if op.webhook else ("C100", "operation added")
            )
            opid = op.node.get("operationId")
            self.sink.add(rule, op.label, "", f"{what} ({opid})" if opid else what, where=op.where)
        for key in sorted(set(old_ops) & set(new_ops)):
            self._operation(old_ops[key], new_ops[key])
        return self.sink

    def _operation(self, old: Op, new: Op) -> None:
        if new.node.get("deprecated") is True and old.node.get("deprecated") is not True:
            self.sink.add("C110", new.label, "", "operation deprecated", where=new.where)
        if not new.webhook:
            self._security(old, new)
        self._parameters(old, new)
        request_body(self, old, new)
        responses(self, old, new)

    def _security(self, old: Op, new: Op) -> None:
        def requirements(doc: Document, op: Op) -> set[str]:
            reqs = op.node.get("security", doc.data.get("security") or [])
            return {
                " + ".join(
                    f"{name} [{', '.join(sorted(scopes or []))}]"
                    for name, scopes in sorted(req.items())
                )
                or "none (public)"
                for req in reqs
                if isinstance(req, dict)
            } or {"none (public)"}

        before, after = requirements(self.sink.old, old), requirements(self.sink.new, new)
        for req in sorted(before - after):
            self.sink.add(
                "C003",
                new.label,
                "",
                f"security requirement {req} no longer accepted",
                where=(*new.where, "security"),
            )
        for req in sorted(after - before):
            self.sink.add(
                "C111",
                new.label,
                "",
                f"security alternative {req} added",
                where=(*new.where, "security"),
            )

    def _params(self, which: str, op: Op) -> dict[tuple[str, str], Param]:
        found: dict[tuple[str, str], Param] = {}
        entries = [(p, (*op.where[:2], "parameters", i)) for i, p in enumerate(op.path_parameters)]
        entries += [
            (p, (*op.where, "parameters", i)) for i, p in enumerate(op.node.get("parameters") or [])
        ]
        for raw, where in entries:
            param, at = self.deref(which, raw, where)
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                name = param["name"].lower() if param.get("in") == "header" else param["name"]
                found[(str(param.get("in")), name)] = (param, at)
        return found

    def _parameters(self, old: Op, new: Op) -> None:
        before, after = self._params("old", old), self._params("new", new)
        for key in sorted(set(before) - set(after)):
            param, where = before[key]
            place = f"{param['in']} {param['name']}"
            if not new.webhook:
                self.sink.add(
                    "C028", new.label, place, "parameter removed", where=where, in_old=True
                )
            elif param.get("required") is True:  # a header receivers could rely on
                what = "header no longer sent"
                self.sink.add("C004", new.label, place, what, where=where, in_old=True)
        for key in sorted(set(after) - set(before)):
            param, where = after[key]
            place = f"{param['in']} {param['name']}"
            if param.get("required") is True and not new.webhook:
                self.sink.add("C004", new.label, place, "new required parameter", where=where)
            else:
                self.sink.add("C102", new.label, place, "parameter added", where=where)
        for key in sorted(set(before) & set(after)):
            self._parameter(new, before[key], after[key])

    def _parameter(self, new: Op, before: Param, after: Param) -> None:
        (old_param, old_where), (param, where) = before, after
        place = f"{param['in']} {param['name']}"
        was, now = old_param.get("required") is True, param.get("required") is True
        if was and not now and new.webhook:
            self.sink.add("C004", new.label, place, "header no longer always sent", where=where)
        elif now and not was and not new.webhook:
            self.sink.add("C005", new.label, place, "parameter became required", where=where)
        elif was and not now and not new.webhook:
            self.sink.add("C109", new.label, place, "parameter became optional", where=where)
        for attr, old_value, value in zip(
            ("style", "explode"), _style(old_param), _style(param), strict=True
        ):
            if old_value != value:
                what = f"{attr} changed from {show(old_value)} to {show(value)}"
                self.sink.add("C031", new.label, place, what, where=where)
        if "schema" in old_param or "schema" in param:
            side: Side = "output" if new.webhook else "input"
            diff(
                self.schema("old", side, old_param.get("schema", {}), (*old_where, "schema")),
                self.schema("new", side, param.get("schema", {}), (*where, "schema")),
                Place(self.sink, new.label, place, side),
            )


def _style(param: dict[str, Any]) -> tuple[str, bool]:
    """A parameter's style and explode with the OpenAPI defaults filled in."""
    default = "form" if param.get("in") in ("query", "cookie") else "simple"
    style = str(param.get("style", default))
    return style, bool(param.get("explode", style == "form"))
