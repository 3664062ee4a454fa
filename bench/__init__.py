"""`make bench`: load-test the real server against honest yardsticks (FastAPI and Starlette twins).

Layout (small modules, each with one job):
- `config`: the knobs of a full run and of `--quick`;
- `seed`: a realistic organization, bulk-inserted with SQLAlchemy Core, cached under `.data/`;
- `twins/`: the same list endpoint written with FastAPI (+ Pydantic) and as a bare Starlette route;
- `targets`: uvicorn factories for every app the bench serves;
- `servers`, `wrk`, `pg`: processes (uvicorn pinned to a core, the load generator, PostgreSQL);
- `scenarios`: what is measured; `report`: the table, the goals and `results/latest.json`.
"""
