"""Organization over HTTP: every role reads the workspace."""

from __future__ import annotations

from tests.support.http_api import Api


def test_every_role_reads_the_organization(api: Api) -> None:
    """Owner and Member alike get the org with its plan, currency and invoice prefix."""
    for who in ("owner", "member"):
        res = api.get("/organization", who)
        assert res.status_code == 200, res.text
        org = res.json()["data"]
        assert org["id"] == org["orgId"] == api.world.org.id
        assert (org["plan"], org["defaultCurrency"], org["invoicePrefix"]) == (
            "agency",
            "EUR",
            "INV-",
        )
        assert org["createdAt"].endswith("Z")
