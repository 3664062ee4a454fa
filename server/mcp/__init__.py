"""``hoursmith-mcp``: a stdio MCP server exposing the API's ``x-mcp`` operations as tools.

It is a thin REST client: each tool is exactly one HTTP call to a running Hoursmith API, so the
API's authentication, roles, validation and idempotency apply unchanged. It never imports the
database or the services (``tests/mcp`` checks this).

Modules: ``config`` (environment), ``tools`` (tool table → MCP tools and HTTP calls),
``factory`` (the SDK ``Server``), ``main`` (the console-script entry point).
"""
