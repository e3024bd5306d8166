"""Write wrappers for the editing pages: each runs one core command as the signed-in user inside
`engine.begin()`, clears the cached frames, and turns a refusal into st.error in plain words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from dashboard import data, session
from toolshare_core import auth, bulk_edit, imports, inventory, loans, maintenance, members
from toolshare_core.errors import ToolShareError

T = TypeVar("T")
FLASH_KEY = "toolshare_flash"


def run(command: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Call `command(conn, user, **kwargs)` in one transaction; None (and st.error) if refused."""
    user = session.user()
    if user is None:
        st.error("Please log in again: your session has ended.")
        return None
    try:
        with data.engine().begin() as conn:
            result = command(conn, user, **kwargs)
    except ToolShareError as exc:
        st.error(_sentence(str(exc)), icon=":material/block:")
        return None
    data.clear_caches()
    return result


def _sentence(message: str) -> str:
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def flash(message: str) -> None:
    """A success message that survives the st.rerun() that refreshes the pick-lists."""
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


# Named wrappers: pages read as what they do.
def check_out(**kw: Any) -> int | None:
    return run(loans.check_out, **kw)


def check_in(**kw: Any) -> int | None:
    return run(loans.check_in, **kw)


def renew(**kw: Any) -> Any:
    return run(loans.renew, **kw)


def mark_missing(**kw: Any) -> Any:
    return run(lambda conn, user, **k: loans.mark_missing(conn, user, **k) or True, **kw)


def open_maintenance(**kw: Any) -> int | None:
    return run(maintenance.open_maintenance, **kw)


def close_maintenance(**kw: Any) -> Any:
    return run(lambda conn, user, **k: maintenance.close_maintenance(conn, user, **k) or True, **kw)


def add_item(**kw: Any) -> int | None:
    return run(inventory.add_item, **kw)


def edit_item(**kw: Any) -> int | None:
    return run(inventory.edit_item, **kw)


def retire_item(**kw: Any) -> Any:
    return run(lambda conn, user, **k: inventory.retire_item(conn, user, **k) or True, **kw)


def add_category(**kw: Any) -> int | None:
    return run(inventory.add_category, **kw)


def edit_category(**kw: Any) -> Any:
    return run(lambda conn, user, **k: inventory.edit_category(conn, user, **k) or True, **kw)


def add_location(**kw: Any) -> int | None:
    return run(inventory.add_location, **kw)


def edit_location(**kw: Any) -> Any:
    return run(lambda conn, user, **k: inventory.edit_location(conn, user, **k) or True, **kw)


def add_member(**kw: Any) -> int | None:
    return run(members.add_member, **kw)


def edit_member(**kw: Any) -> int | None:
    return run(members.edit_member, **kw)


def apply_bulk(**kw: Any) -> bulk_edit.BulkResult | None:
    return run(bulk_edit.apply_changes, **kw)


def undo_bulk(**kw: Any) -> bulk_edit.BulkResult | None:
    return run(bulk_edit.undo_batch, **kw)


def apply_import(**kw: Any) -> imports.ImportResult | None:
    return run(imports.apply_import, **kw)


def create_user(**kw: Any) -> Any:
    return run(auth.create_user, **kw)


def set_role(**kw: Any) -> Any:
    return run(lambda conn, user, **k: auth.set_role(conn, user, **k) or True, **kw)


def set_active(**kw: Any) -> Any:
    return run(lambda conn, user, **k: auth.set_active(conn, user, **k) or True, **kw)


def reset_password(**kw: Any) -> Any:
    return run(lambda conn, user, **k: auth.reset_password(conn, user, **k) or True, **kw)
