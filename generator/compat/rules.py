"""The compatibility rule catalogue: stable ids, severities and what each rule means.

Severities: `error` breaks a client written against the old document (v1 refuses it), `warn`
may break a lenient client (printed, does not fail), `info` is an addition. Ids are never
reused or renumbered. "Input" is what the other side sends and we parse: parameters and
request bodies of operations, and the receiver's response to a webhook; everything we send
(responses, response headers, webhook payloads and headers) is "output".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warn", "info"]


@dataclass(frozen=True)
class CompatRule:
    """One rule: id, severity and the one-line statement printed by `compat --rules`."""

    id: str
    severity: Severity
    summary: str


# id, severity, summary: one rule a line, so the catalogue reads as a table.
_CATALOGUE = """
C001 error operation removed (or its whole path, or a webhook event)
C002 error success (2xx) response status removed
C003 error security requirement changed: an old requirement is no longer accepted
C004 error new required parameter (for webhooks: a header we sent is no longer sent)
C005 error optional parameter became required
C006 error input type narrowed (a parameter or request value accepts fewer types)
C007 error enum value removed from an input (or an input newly restricted to an enum)
C008 error input length tightened (maxLength lowered or minLength raised)
C009 error input range tightened (maximum lowered or minimum raised, exclusive bounds too)
C010 error input pattern added or changed
C011 error input item count tightened (maxItems lowered or minItems raised)
C012 error new required request property
C013 error request property became required
C014 error response property removed
C015 error response property no longer required
C016 error response value type changed (a type or shape the client did not expect)
C017 error response value became nullable
C018 warn  response enum value added (unless the schema says x-extensible-enum: true)
C019 error response header removed
C020 error media type removed from a request or response
C021 error additionalProperties closed or restricted on an input
C022 error oneOf/anyOf branch removed from an input
C023 error request body became required
C024 error input format added or changed
C025 error other input constraint added (not, multipleOf, uniqueItems, conditionals)
C026 error request property removed from a closed schema (sending it now fails)
C027 warn  request property removed from an open schema (now ignored)
C028 warn  parameter removed (clients still sending it get it ignored or refused)
C029 warn  response constraint relaxed or format changed (strict validators may refuse)
C030 warn  input default changed (clients omitting the value get other behaviour)
C031 error parameter serialization (style, explode) changed
C040 error info.version does not follow the versioning policy for this diff
C100 info  operation added
C101 info  webhook event added
C102 info  optional parameter added
C103 info  optional request property added
C104 info  response property added
C105 info  enum value added to an input
C106 info  response status added
C107 info  response header added
C108 info  media type added
C109 info  input relaxed (wider type or range, longer length, constraint removed)
C110 info  operation deprecated
C111 info  security alternative added
"""


def _parse(table: str) -> dict[str, CompatRule]:
    rules: dict[str, CompatRule] = {}
    for line in table.strip().splitlines():
        rule_id, severity, summary = line.split(maxsplit=2)
        if severity not in ("error", "warn", "info") or rule_id in rules:
            raise ValueError(f"bad catalogue line: {line}")
        rules[rule_id] = CompatRule(rule_id, severity, summary)  # type: ignore[arg-type]
    return rules


RULES: dict[str, CompatRule] = _parse(_CATALOGUE)
