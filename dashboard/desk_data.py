"""Cached reads for the editing pages (pick-lists, forms, audit, accounts). `data.clear_caches()`
clears these too, so every write is visible on the next run."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data
from toolshare_core import audit, auth, bulk_edit, imports, inventory, loans, maintenance, members

TTL = data.TTL


@st.cache_data(ttl=TTL, show_spinner=False)
def items(search: str = "", include_retired: bool = False) -> pd.DataFrame:
    with data.engine().connect() as conn:
        return inventory.find_items(conn, search=search, include_retired=include_retired)


@st.cache_data(ttl=TTL, show_spinner=False)
def item(item_id: int) -> dict[str, Any]:
    with data.engine().connect() as conn:
        return inventory.get_item(conn, item_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def member_list(search: str = "") -> pd.DataFrame:
    with data.engine().connect() as conn:
        return members.find_members(conn, search=search)


@st.cache_data(ttl=TTL, show_spinner=False)
def member(member_id: int) -> dict[str, Any]:
    with data.engine().connect() as conn:
        return members.get_member(conn, member_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def categories() -> pd.DataFrame:
    with data.engine().connect() as conn:
        return inventory.list_categories(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def locations() -> pd.DataFrame:
    with data.engine().connect() as conn:
        return inventory.list_locations(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def open_loans(search: str = "") -> pd.DataFrame:
    with data.engine().connect() as conn:
        return loans.open_loans(conn, search=search)


@st.cache_data(ttl=TTL, show_spinner=False)
def open_maintenance() -> pd.DataFrame:
    with data.engine().connect() as conn:
        return maintenance.open_maintenance_records(conn)


def editable_items(category_id: int | None, location_id: int | None, status: str | None,
                   search: str) -> pd.DataFrame:
    """Not cached: the bulk editor needs the versions as they are now."""
    with data.engine().connect() as conn:
        return bulk_edit.editable_items(conn, category_id=category_id, location_id=location_id,
                                        status=status, search=search)


def import_plan(kind: imports.Kind, frame: pd.DataFrame,
                mapping: dict[str, str | None]) -> imports.ImportPlan:
    with data.engine().connect() as conn:
        return imports.dry_run(conn, kind, frame, mapping)


@st.cache_data(ttl=TTL, show_spinner=False)
def audit_entries(since: datetime | None, until: datetime | None, actor_name: str | None,
                  table: str | None, action: str | None, text: str | None,
                  batch_id: str | None) -> pd.DataFrame:
    with data.engine().connect() as conn:
        return audit.audit_log(conn, since=since, until=until, actor_name=actor_name, table=table,
                               action=action, text=text, batch_id=batch_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def audit_choices() -> dict[str, list[str]]:
    with data.engine().connect() as conn:
        return audit.distinct_values(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def staff() -> pd.DataFrame:
    with data.engine().connect() as conn:
        return auth.list_users(conn)


def recent_batches(limit: int = 20) -> pd.DataFrame:
    """The latest bulk edits (batch id, when, who, fields) for the undo list."""
    with data.engine().connect() as conn:
        log = audit.audit_log(conn, action="bulk_edit")
    if log.empty:
        return pd.DataFrame(columns=["batch_id", "at", "actor_name", "fields"])
    grouped = log.groupby("batch_id").agg(at=("at", "max"), actor_name=("actor_name", "first"),
                                          fields=("id", "count")).reset_index()
    return grouped.sort_values("at", ascending=False).head(limit)


def is_batch_id(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True
