"""Member writes: add and edit (with optimistic locking on members.version), and pick-lists."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.engine import Connection

from toolshare_core import audit, records
from toolshare_core.errors import Conflict, NotFound
from toolshare_core.roles import StaffUser
from toolshare_core.writes import (
    LowerWord,
    NotesText,
    OptionalText,
    RequiredText,
    merged_edit,
    validate,
    write_block,
)

MemberStatus = Literal["active", "suspended", "left"]
MEMBER_STATUSES: tuple[str, ...] = ("active", "suspended", "left")


class MemberFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_no: RequiredText = Field(min_length=1, max_length=40)
    name: RequiredText = Field(min_length=1, max_length=200)
    email: OptionalText = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    postcode: OptionalText = Field(default=None, max_length=16)
    joined_on: date = Field(default_factory=date.today)
    status: LowerWord[MemberStatus] = "active"
    phone: OptionalText = Field(default=None, max_length=40, pattern=r"^[0-9+()./ -]+$")
    notes: NotesText = Field(default=None, max_length=2000)

    @field_validator("postcode")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


def _check_number_free(conn: Connection, member_no: str, member_id: int | None = None) -> None:
    other = conn.execute(sa.text(
        "select 1 from members where member_no = :n and id <> coalesce(:id, -1)"),
        {"n": member_no, "id": member_id}).scalar()
    if other is not None:
        raise Conflict(f"a member with number {member_no} already exists")


def add_member(conn: Connection, actor: StaffUser, **fields: Any) -> int:
    """Register a member; returns the id. Fields as in MemberFields."""
    with write_block(conn, actor):
        data = validate(MemberFields, fields)
        _check_number_free(conn, data.member_no)
        return insert_member(conn, actor, data)


def insert_member(conn: Connection, actor: StaffUser, data: MemberFields,
                  batch_id: uuid.UUID | None = None, action: str = "create") -> int:
    """The insert and its audit entry (callers have validated and hold a savepoint)."""
    values = data.model_dump()
    member_id = int(conn.execute(sa.text("""
        insert into members (member_no, name, email, postcode, joined_on, status, phone, notes)
        values (:member_no, :name, :email, :postcode, :joined_on, :status, :phone, :notes)
        returning id
    """), values).scalar_one())
    audit.record(conn, actor, action, "members", member_id, None, values, batch_id, row_version=1)
    return member_id


def member_changes(conn: Connection, current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    data = merged_edit(MemberFields, current, changes).model_dump()
    if data["member_no"] != current["member_no"]:
        _check_number_free(conn, data["member_no"], current["id"])
    return dict(data)


def edit_member(conn: Connection, actor: StaffUser, *, member_id: int, expected_version: int,
                changes: dict[str, Any]) -> int:
    """Save changes to a member (status suspended/left stops new loans); returns the version."""
    with write_block(conn, actor):
        current = records.lock_row(conn, "members", member_id)
        new = member_changes(conn, current, changes)
        records.save(conn, actor, table="members", current=current, values=new,
                     expected_version=expected_version, label=f"Member {current['member_no']}")
        return int(conn.execute(sa.text("select version from members where id = :id"),
                                {"id": member_id}).scalar_one())


def get_member(conn: Connection, member_id: int) -> dict[str, Any]:
    row = conn.execute(sa.text("select * from members where id = :id"),
                       {"id": member_id}).mappings().one_or_none()
    if row is None:
        raise NotFound(f"there is no member with id {member_id}")
    return dict(row)


def find_members(conn: Connection, *, search: str | None = None) -> pd.DataFrame:
    """id, member_no, name, email, status, version; optionally filtered by number/name/email."""
    q = (search or "").strip() or None
    return pd.read_sql(sa.text("""
        select id, member_no, name, email, postcode, status, version from members
        where cast(:q as text) is null or member_no ilike :like or name ilike :like
              or email ilike :like
        order by member_no
    """), conn, params={"q": q, "like": f"%{q}%"})
