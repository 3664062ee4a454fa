"""House rules, registered with `generator.ruleset.rule` on import; one module per theme."""

from generator.rules import naming, operations, schemas

__all__ = ["naming", "operations", "schemas"]
