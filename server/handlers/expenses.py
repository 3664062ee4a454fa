"""Handlers for the `Expenses` tag (stubs created by `make generate`; edit freely)."""

from server.errors import ApiError


def create_expense(**params: object) -> None:
    """createExpense: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def delete_expense(**params: object) -> None:
    """deleteExpense: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def get_expense(**params: object) -> None:
    """getExpense: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def list_expenses(**params: object) -> None:
    """listExpenses: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def update_expense(**params: object) -> None:
    """updateExpense: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")
