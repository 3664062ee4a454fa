"""Spec → checks and code: the house linter and the generators for `server/generated/`.

Commands (see `python -m generator --help`):

- `python -m generator lint` (`make lint-spec`): openapi-spec-validator + the house rules.
- `python -m generator generate` (`make generate`): lint, then write `server/generated/` and
  create handler stubs for operations that have no handler yet.
- `python -m generator check` (`make check-generated`): fail with a diff when the committed
  `server/generated/` is stale.
- `python -m generator refresh-golden`: rewrite `tests/generator/golden/` from
  `tests/generator/fixtures/mini.yaml` after an intended change to the generators.

This package never imports `server/`.
"""
