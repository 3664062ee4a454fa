"""House rules, registered with `generator.ruleset.rule` on import; one module per theme."""

from generator.rules import clients, naming, operations, schemas

__all__ = ["clients", "naming", "operations", "schemas"]
