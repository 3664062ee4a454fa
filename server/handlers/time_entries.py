"""Handlers for the `Time entries` tag (stubs created by `make generate`; edit freely)."""

from server.errors import ApiError


def create_time_entry(**params: object) -> None:
    """createTimeEntry: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def delete_time_entry(**params: object) -> None:
    """deleteTimeEntry: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def get_running_time_entry(**params: object) -> None:
    """getRunningTimeEntry: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def get_time_entry(**params: object) -> None:
    """getTimeEntry: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def list_time_entries(**params: object) -> None:
    """listTimeEntries: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")


def update_time_entry(**params: object) -> None:
    """updateTimeEntry: stub created by `make generate`; not implemented yet."""
    raise ApiError(501, "internal", "not implemented")
