"""The breaking-change guard (`make check-compat`): v1 of the contract only grows.

`python -m generator compat` compares `openapi/api-v1.yaml` with the newest frozen release in
`openapi/releases/`, direction-aware (what clients send may only get more lenient, what we
send may only add), and prints findings with stable rule ids (`rules.py`). Modules:
`normalize`/`shapes` (one canonical form per schema), `schemas`/`checks` (the schema
differ), `context`/`operations`/`bodies` (the document walk), `report`, `ignore`, `versions`,
`releases`, `check`, `changelog` and `commands` (the CLI).
"""
