"""Report lines: format, severity, and the line in the new (or old) document."""

from __future__ import annotations

import copy

from generator.compat.operations import Compare
from generator.compat.report import collapse
from tests.generator.compat.helpers import CREATE, THING, base, op, revise


def test_removal_points_into_the_old_document() -> None:
    """A removed response property is reported at its line in the old document."""
    new = revise([op("remove", f"{THING}/size")])
    found = [f for f in Compare(base(), new).run().sorted() if f.operation == "GET /things"]
    assert len(found) == 1
    finding = found[0]
    assert finding.file == base().path
    where = ("components", "schemas", "Thing", "properties", "size")
    assert finding.line == base().line(where)
    assert str(finding) == (
        f"{base().path}:{finding.line}: C014 error GET /things 200: "
        "response property data[].size removed"
    )


def test_change_points_into_the_new_document() -> None:
    """A tightened request property is reported at its line in the revised document."""
    new = revise([op("replace", f"{CREATE}/name/maxLength", 50)])
    (finding,) = Compare(base(), new).run().sorted()
    assert finding.file == "revision.yaml"
    assert finding.line == new.line(("components", "schemas", "ThingCreate", "properties", "name"))
    assert finding.severity == "error"


def test_accepted_finding_prints_its_reason() -> None:
    """An accepted finding keeps its text and says why it is accepted."""
    new = revise([op("replace", f"{CREATE}/name/maxLength", 50)])
    (finding,) = Compare(base(), new).run().sorted()
    assert str(finding.accept("no client sends longer names")).endswith(
        "maxLength lowered from 100 to 50 [ignored: no client sends longer names]"
    )


def test_collapse_counts_one_change_seen_in_many_operations() -> None:
    """A removed component property is one line with a count, not one line per operation."""
    get_one = {
        "operationId": "getThing",
        "responses": {
            "200": copy.deepcopy(base().data["paths"]["/things"]["post"]["responses"]["201"])
        },
    }
    with_get = revise([op("add", "/paths/~1things~1{id}/get", get_one)])
    without_size = revise(
        [op("add", "/paths/~1things~1{id}/get", get_one), op("remove", f"{THING}/size")]
    )
    lines = collapse(Compare(with_get, without_size).run().sorted())
    assert [line.split(": ", 1)[1] for line in lines] == [
        "C014 error GET /things 200: response property data[].size removed",
        "C014 error GET /things/{id} 200: response property data.size removed"
        " (+1 more operations/statuses)",
        "C014 error webhook thing.created payload: property data.size removed",
    ]
