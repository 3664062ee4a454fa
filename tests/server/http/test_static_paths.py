"""A wrong method on a static path is 405 before security (D3/D8), never a templated route."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.db import all_models  # noqa: F401
from server.db.base import Base
from server.generated.routes import ALLOWED_METHODS
from server.http.app import GENERATED_SPEC, create_app, runtime_of
from server.http.static_paths import static_methods, static_methods_from_spec
from tests.support.infra_app import client_for, make_settings

pytestmark = pytest.mark.skipif(not GENERATED_SPEC.is_file(), reason="run `make generate` first")


def test_static_methods_skip_templates_and_add_head() -> None:
    """Only template-free paths are indexed; GET implies HEAD."""
    methods = static_methods("/api/v1", {"/t/{id}": ["patch"], "/t/running": ["get"]})
    assert methods == {"/api/v1/t/running": frozenset({"GET", "HEAD"})}
    spec = {"paths": {"/a": {"post": {}, "parameters": []}, "/a/{id}": {"get": {}}}}
    assert static_methods_from_spec(spec, "") == {"/a": frozenset({"POST"})}


def test_the_generated_table_and_the_spec_agree() -> None:
    """The middleware's table covers every static path of the generated ALLOWED_METHODS."""
    from server.http.app import load_yaml  # noqa: PLC0415

    table = static_methods_from_spec(load_yaml(GENERATED_SPEC), "")
    expected = static_methods("", ALLOWED_METHODS)
    assert table == expected
    assert "/time-entries/running" in table


@pytest.mark.parametrize("method", ["PATCH", "DELETE", "PUT", "POST"])
def test_static_path_wrong_method_is_405_before_auth(tmp_path: Path, method: str) -> None:
    """`PATCH /time-entries/running` is 405 `Allow: GET, HEAD`, without credentials too."""
    app = create_app(make_settings(tmp_path))
    Base.metadata.create_all(runtime_of(app).engine)
    with client_for(app) as client:
        response = client.request(method, "/api/v1/time-entries/running")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD"
        assert response.json()["error"]["code"] == "method_not_allowed"
        # The templated sibling still routes (401: no token), and the static GET is not 405.
        assert client.patch("/api/v1/time-entries/abc").status_code == 401
        assert client.get("/api/v1/time-entries/running").status_code == 401
