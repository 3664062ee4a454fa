"""The yardsticks: `GET /api/v1/time-entries` as a FastAPI app and as a bare Starlette route.

Both call `core.list_page` (same SQL, token lookup, JSON shape and cursor as the real server
must produce); they differ only in the framework around it, which is what the bench measures.
"""
