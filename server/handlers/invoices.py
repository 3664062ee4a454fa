"""Handlers for the `Invoices` tag (stubs created by `make generate`; edit freely)."""

from server.errors import ApiError


def get_invoice(**params: object) -> None:
    """getInvoice: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def list_invoices(**params: object) -> None:
    """listInvoices: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")
