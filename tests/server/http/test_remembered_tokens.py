"""The remembered token rows are bounded and forget on request."""

from __future__ import annotations

from server.http.remembered_tokens import RememberedTokens


def test_the_least_recently_used_prefix_goes_first() -> None:
    """Past capacity the prefix used longest ago is dropped; a read counts as a use."""
    rows = RememberedTokens(capacity=2)
    rows.put("a", "row a")
    rows.put("b", "row b")
    assert rows.get("a") == "row a"
    rows.put("c", "row c")
    assert (rows.get("a"), rows.get("b"), rows.get("c")) == ("row a", None, "row c")
    assert len(rows) == 2


def test_a_forgotten_prefix_is_gone_and_forgetting_twice_is_harmless() -> None:
    """`forget` removes the row; forgetting an unknown prefix does nothing."""
    rows = RememberedTokens()
    rows.put("a", "row a")
    rows.forget("a")
    rows.forget("a")
    assert rows.get("a") is None
