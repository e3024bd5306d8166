"""Shared pieces of the editing pages: pick a record to change, remember the version the editor
opened (so a save over someone else's change is refused), reload it, forget typed-in fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import pandas as pd
import streamlit as st

from dashboard import actions


class _Cached(Protocol):
    def clear(self) -> None: ...


def choose(label: str, labels: Mapping[int, str], *, key: str,
           placeholder: str | None = None) -> int | None:
    """A selectbox of record ids shown by their labels, with nothing chosen at first."""
    return st.selectbox(label, list(labels), format_func=labels.get, index=None, key=key,
                        placeholder=placeholder)


def choose_row(label: str, labels: Mapping[int, str], frame: pd.DataFrame, *,
               key: str) -> tuple[int, pd.Series] | None:
    """`choose` over the rows of `frame` (by its `id` column); the id and the row chosen, if any."""
    record_id = choose(label, labels, key=key)
    if record_id is None:
        return None
    return record_id, frame[frame["id"] == record_id].iloc[0]


def open_for_edit(record_id: int, load: Callable[[int], dict[str, Any]],
                  seen_key: str) -> tuple[dict[str, Any], dict[int, int]]:
    """Load a record and note the version the editor first saw (kept until saved or reloaded).

    Returns the record and the session's {id: version seen} map, to pass as expected_version.
    """
    current = load(record_id)
    seen: dict[int, int] = st.session_state.setdefault(seen_key, {})
    seen.setdefault(record_id, int(current["version"]))
    return current, seen


def save_edit(edit: Callable[..., int | None], id_field: str, record_id: int,
              seen: dict[int, int], changes: dict[str, Any], *, done: str) -> None:
    """Save `changes` unless someone changed the record since it was opened (the core refuses,
    and the page shows why); on success remember the new version, say `done` and rerun."""
    version = edit(**{id_field: record_id}, expected_version=seen[record_id], changes=changes)
    if version is not None:
        seen[record_id] = version
        actions.flash(done)
        st.rerun()


def forget_fields(prefix: str) -> None:
    """Drop every widget value whose key starts with `prefix`, so the fields show afresh."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def reload_button(label: str, *, key: str, record_id: int, seen: dict[int, int],
                  fields_prefix: str, cached: _Cached, help: str | None = None) -> None:
    """A button that drops unsaved changes and shows the record as it is in the database now."""
    if st.button(label, key=key, help=help):
        seen.pop(record_id, None)
        forget_fields(fields_prefix)
        cached.clear()
        st.rerun()
