"""Schemathesis against the in-process app: every operation, every identity, stateful links.

Example counts are bounded by `HOURSMITH_CONTRACT_EXAMPLES` (small in `make test`, 200 in
`make contract`); runs are derandomized so a failure reproduces exactly.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from tests.contract.support import EXAMPLES, contract_env, restore_seeded_state, schema_for


def _settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, examples),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


# Built at import (collection): `from_fixture` breaks on pytest 9 (no `Function._nodeid`).
owner = schema_for("owner")
manager = schema_for("manager")
member = schema_for("member")
free = schema_for("free")


@owner.parametrize()
@_settings(EXAMPLES)
def test_owner(case: Any) -> None:
    """As the Owner, every operation conforms (positive and negative data, all checks)."""
    case.call_and_validate()


@manager.parametrize()
@_settings(EXAMPLES // 3)
def test_manager(case: Any) -> None:
    """As a Manager, every operation conforms."""
    case.call_and_validate()


@member.parametrize()
@_settings(EXAMPLES // 3)
def test_member(case: Any) -> None:
    """As a Member, every operation conforms, including its 403 and 404 answers."""
    case.call_and_validate()


@free.parametrize()
@_settings(EXAMPLES // 6)
def test_free_plan(case: Any) -> None:
    """With a free-plan token, every operation answers the documented 402 envelope."""
    case.call_and_validate()


def _stateful(schema: Any, examples: int) -> None:
    class FromTheSeed(schema.as_state_machine()):  # type: ignore[misc]
        """Every scenario starts from the seeded database (D13): sequences replay exactly."""

        def setup(self) -> None:
            restore_seeded_state(contract_env())

    FromTheSeed.run(
        settings=settings(
            max_examples=max(1, examples),
            stateful_step_count=8,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_stateful_owner() -> None:
    """As the Owner, chains of calls along the document's links conform (use-after-free etc.)."""
    _stateful(owner, EXAMPLES)


def test_stateful_member() -> None:
    """As a Member, chains of calls along the document's links conform."""
    _stateful(member, max(1, EXAMPLES // 3))
