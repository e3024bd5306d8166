"""The audit log: who changed what, when, with old and new values (append-only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core.roles import StaffUser
from toolshare_core.writes import to_json

AUDITED_TABLES = ("items", "categories", "locations", "members", "loans", "maintenance",
                  "staff_users")

_INSERT = sa.text("""
    insert into audit_log (actor_id, actor_name, action, table_name, row_id,
                           old_values, new_values, batch_id, row_version)
    values (:actor_id, :actor_name, :action, :table_name, :row_id,
            cast(:old as jsonb), cast(:new as jsonb), :batch_id, :row_version)
    returning id
""")


def new_batch_id() -> uuid.UUID:
    return uuid.uuid4()


def record(
    conn: Connection,
    actor: StaffUser,
    action: str,
    table: str,
    row_id: int | None,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    batch_id: uuid.UUID | None = None,
    *,
    row_version: int | None = None,
) -> int:
    """Append one entry; call inside the same transaction as the change it describes."""
    return int(conn.execute(_INSERT, {
        "actor_id": actor.id, "actor_name": actor.username, "action": action,
        "table_name": table, "row_id": row_id, "old": to_json(old), "new": to_json(new),
        "batch_id": batch_id, "row_version": row_version,
    }).scalar_one())


_LOG = sa.table(
    "audit_log", sa.column("id"), sa.column("at"), sa.column("actor_id"), sa.column("actor_name"),
    sa.column("action"), sa.column("table_name"), sa.column("row_id"), sa.column("old_values"),
    sa.column("new_values"), sa.column("batch_id"), sa.column("row_version"),
)


def audit_log(
    conn: Connection,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor_name: str | None = None,
    table: str | None = None,
    action: str | None = None,
    row_id: int | None = None,
    batch_id: uuid.UUID | str | None = None,
    text: str | None = None,
) -> pd.DataFrame:
    """Entries matching every given filter, newest first (`until` exclusive), all of them.

    `text` searches inside the old and new values (case-insensitive).
    """
    query = sa.select(
        _LOG.c.id, _LOG.c.at, _LOG.c.actor_name, _LOG.c.action, _LOG.c.table_name, _LOG.c.row_id,
        sa.cast(_LOG.c.old_values, sa.Text).label("old_values"),
        sa.cast(_LOG.c.new_values, sa.Text).label("new_values"),
        sa.cast(_LOG.c.batch_id, sa.Text).label("batch_id"),
    ).order_by(_LOG.c.id.desc())
    if since is not None:
        query = query.where(_LOG.c.at >= since)
    if until is not None:
        query = query.where(_LOG.c.at < until)
    if actor_name:
        query = query.where(_LOG.c.actor_name == actor_name)
    if table:
        query = query.where(_LOG.c.table_name == table)
    if action:
        query = query.where(_LOG.c.action == action)
    if row_id is not None:
        query = query.where(_LOG.c.row_id == row_id)
    if batch_id:
        query = query.where(sa.cast(_LOG.c.batch_id, sa.Text) == str(batch_id))
    if text:
        pattern = f"%{text}%"
        query = query.where(sa.or_(sa.cast(_LOG.c.old_values, sa.Text).ilike(pattern),
                                   sa.cast(_LOG.c.new_values, sa.Text).ilike(pattern)))
    return pd.read_sql(query, conn)


def distinct_values(conn: Connection) -> dict[str, list[str]]:
    """Actor names, tables and actions present in the log (for filter pick-lists)."""
    out: dict[str, list[str]] = {}
    for column in ("actor_name", "table_name", "action"):
        col = _LOG.c[column]
        rows = conn.execute(sa.select(col).distinct().order_by(col)).scalars().all()
        out[column] = [str(v) for v in rows]
    return out


def changes_since(conn: Connection, *, table: str, row_id: int, after_version: int) -> pd.DataFrame:
    """Entries of one row made after it had `after_version` (what a stale editor missed)."""
    query = sa.select(
        _LOG.c.at, _LOG.c.actor_name, _LOG.c.action, _LOG.c.old_values, _LOG.c.new_values,
        _LOG.c.row_version,
    ).where(_LOG.c.table_name == table, _LOG.c.row_id == row_id,
            _LOG.c.row_version > after_version).order_by(_LOG.c.id)
    return pd.DataFrame(conn.execute(query).mappings().all(),
                        columns=["at", "actor_name", "action", "old_values", "new_values",
                                 "row_version"])
