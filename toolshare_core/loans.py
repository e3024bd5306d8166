"""The lending desk: check out, check in, renew, mark missing (editor role, audited).

The database has the last word (the loans_no_overlap exclusion constraint and the lendable /
active-member triggers); these commands lock the item row first so that, of two people checking
out one item at the same moment, one succeeds and the other is told who has it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection

from toolshare_core import audit, records
from toolshare_core.errors import Conflict, NotFound, ValidationFailed
from toolshare_core.inventory import Condition
from toolshare_core.roles import StaffUser
from toolshare_core.writes import NotesText, validate, write_block

DUE_TIME = time(23, 59)  # an item is due by the end of its due day, library time


class CheckOut(BaseModel):
    item_id: int = Field(ge=1)
    member_id: int = Field(ge=1)
    due_on: date | None = None
    loaned_at: datetime | None = None
    notes: NotesText = Field(default=None, max_length=2000)


class CheckIn(BaseModel):
    return_condition: Condition | None = None
    notes: NotesText = Field(default=None, max_length=2000)
    returned_at: datetime | None = None


def library_zone(conn: Connection) -> ZoneInfo:
    """The library's time zone: the connection's TimeZone (set from TOOLSHARE_TIMEZONE)."""
    return ZoneInfo(str(conn.execute(sa.text("show timezone")).scalar_one()))


def library_now(conn: Connection) -> datetime:
    return datetime.now(library_zone(conn))


def due_at(conn: Connection, due_on: date) -> datetime:
    return datetime.combine(due_on, DUE_TIME, library_zone(conn))


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationFailed(f"{field}: needs a time zone")
    return value


def _open_loan(conn: Connection, item_id: int) -> Any:
    return conn.execute(sa.text("""
        select l.id, l.due_at, m.member_no, m.name from loans l join members m on m.id = l.member_id
        where l.item_id = :id and l.returned_at is null
    """), {"id": item_id}).one_or_none()


def check_lendable(conn: Connection, item: dict[str, Any]) -> None:
    """Conflict in plain words when the (locked) item cannot go out now."""
    code, status = item["code"], item["status"]
    if status != "active":
        advice = {"retired": "it was retired", "missing": "it is marked missing",
                  "maintenance": "it is in maintenance; close the maintenance record first"}
        raise Conflict(f"item {code} cannot be lent: {advice.get(status, status)}")
    out = _open_loan(conn, item["id"])
    if out is not None:
        raise Conflict(f"item {code} is already out on loan to member {out.member_no} "
                       f"(due {out.due_at:%Y-%m-%d}); check it in first")


def check_out(conn: Connection, actor: StaffUser, *, item_id: int, member_id: int,
              due_on: date | None = None, loaned_at: datetime | None = None,
              notes: str | None = None) -> int:
    """Lend an item; the due date defaults to today + the category's loan length. Returns the
    loan id."""
    with write_block(conn, actor):
        data = validate(CheckOut, {"item_id": item_id, "member_id": member_id, "due_on": due_on,
                                   "loaned_at": loaned_at, "notes": notes})
        start = _aware(data.loaned_at, "loaned at") if data.loaned_at else library_now(conn)
        item = records.lock_row(conn, "items", data.item_id)
        check_lendable(conn, item)
        member = conn.execute(sa.text("select member_no, status from members where id = :id for share"),
                              {"id": data.member_id}).one_or_none()
        if member is None:
            raise NotFound(f"there is no member with id {data.member_id}")
        if member.status != "active":
            raise Conflict(f"member {member.member_no} is {member.status} and cannot borrow")
        period = int(conn.execute(sa.text("select loan_period_days from categories where id = :id"),
                                  {"id": item["category_id"]}).scalar_one())
        local_start = start.astimezone(library_zone(conn)).date()
        due_on = data.due_on or local_start + timedelta(days=period)
        if due_on <= local_start:
            raise ValidationFailed(f"the due date {due_on} must be after the check-out date "
                                   f"{local_start}")
        values = {"item_id": data.item_id, "member_id": data.member_id, "loaned_at": start,
                  "due_at": due_at(conn, due_on), "notes": data.notes}
        loan_id = int(conn.execute(sa.text("""
            insert into loans (item_id, member_id, loaned_at, due_at, notes)
            values (:item_id, :member_id, :loaned_at, :due_at, :notes) returning id
        """), values).scalar_one())
        audit.record(conn, actor, "check_out", "loans", loan_id, None,
                     values | {"item_code": item["code"], "member_no": member.member_no})
        return loan_id


def _lock_loan(conn: Connection, *, loan_id: int | None, item_id: int | None) -> dict[str, Any]:
    if loan_id is None:
        if item_id is None:
            raise ValidationFailed("choose the loan or the item to check in")
        found = conn.execute(sa.text("select id from loans where item_id = :id and returned_at is null"),
                             {"id": item_id}).scalar()
        if found is None:
            code = conn.execute(sa.text("select code from items where id = :id"), {"id": item_id}).scalar()
            if code is None:
                raise NotFound(f"there is no item with id {item_id}")
            raise Conflict(f"item {code} is not out on loan")
        loan_id = int(found)
    return records.lock_row(conn, "loans", loan_id)


def check_in(conn: Connection, actor: StaffUser, *, loan_id: int | None = None,
             item_id: int | None = None, return_condition: str | None = None,
             notes: str | None = None, returned_at: datetime | None = None) -> int:
    """Take an item back (by loan or by item), noting its condition; a missing item that comes
    back becomes active again. Returns the loan id."""
    with write_block(conn, actor):
        data = validate(CheckIn, {"return_condition": return_condition, "notes": notes,
                                  "returned_at": returned_at})
        loan = _lock_loan(conn, loan_id=loan_id, item_id=item_id)
        item = records.lock_row(conn, "items", loan["item_id"])
        if loan["returned_at"] is not None:
            raise Conflict(f"this loan of item {item['code']} was already checked in on "
                           f"{loan['returned_at']:%Y-%m-%d %H:%M}")
        end = _aware(data.returned_at, "returned at") if data.returned_at else library_now(conn)
        if end < loan["loaned_at"]:
            raise ValidationFailed(f"the return time {end:%Y-%m-%d %H:%M} is before the loan started "
                                   f"({loan['loaned_at']:%Y-%m-%d %H:%M})")
        loan_notes = "\n".join(n for n in (loan["notes"], data.notes) if n) or None
        records.save(conn, actor, table="loans", current=loan, action="check_in",
                     values={"returned_at": end, "return_condition": data.return_condition,
                             "notes": loan_notes})
        item_values: dict[str, Any] = {}
        if data.return_condition:
            item_values["condition"] = data.return_condition
        if item["status"] == "missing":
            item_values["status"] = "active"
        records.save(conn, actor, table="items", current=item, action="check_in",
                     values=item_values)
        return int(loan["id"])


def renew(conn: Connection, actor: StaffUser, *, loan_id: int, new_due_on: date | None = None) -> date:
    """Extend an open loan (by the category's loan length unless a date is given); counts the
    renewal. Returns the new due date."""
    with write_block(conn, actor):
        loan = records.lock_row(conn, "loans", loan_id)
        info = conn.execute(sa.text("""
            select i.code, c.loan_period_days, m.member_no, m.status as member_status
            from items i join categories c on c.id = i.category_id, members m
            where i.id = :item and m.id = :member
        """), {"item": loan["item_id"], "member": loan["member_id"]}).one()
        if loan["returned_at"] is not None:
            raise Conflict(f"this loan of item {info.code} was already checked in; it cannot be renewed")
        if info.member_status != "active":
            raise Conflict(f"member {info.member_no} is {info.member_status} and cannot renew")
        zone = library_zone(conn)
        current_due = loan["due_at"].astimezone(zone).date()
        today = library_now(conn).date()
        if new_due_on is None:
            new_due_on = max(current_due, today) + timedelta(days=int(info.loan_period_days))
        elif not isinstance(new_due_on, date):
            raise ValidationFailed("new due date: is not a date (use YYYY-MM-DD)")
        if new_due_on <= current_due:
            raise ValidationFailed(f"the new due date {new_due_on} must be after the current one "
                                   f"({current_due})")
        records.save(conn, actor, table="loans", current=loan, action="renew",
                     values={"due_at": due_at(conn, new_due_on), "renewals": loan["renewals"] + 1})
        return new_due_on


def mark_missing(conn: Connection, actor: StaffUser, *, item_id: int, notes: str | None = None) -> None:
    """Mark an item missing (it cannot be lent until found). An open loan stays open: the
    record keeps who had it last."""
    with write_block(conn, actor):
        note = validate(CheckIn, {"notes": notes}).notes
        item = records.lock_row(conn, "items", item_id)
        if item["status"] in ("missing", "retired"):
            raise Conflict(f"item {item['code']} is already {item['status']}")
        if item["status"] == "maintenance":
            raise Conflict(f"item {item['code']} is in maintenance; close the maintenance record first")
        values: dict[str, Any] = {"status": "missing"}
        if note:
            values["notes"] = "\n".join(n for n in (item["notes"], f"Missing: {note}") if n)
        records.save(conn, actor, table="items", current=item, action="mark_missing", values=values)


def open_loans(conn: Connection, *, search: str | None = None) -> pd.DataFrame:
    """Loans out now: loan id, item, member, loaned_at, due_at, renewals (for the desk)."""
    q = (search or "").strip() or None
    return pd.read_sql(sa.text("""
        select l.id as loan_id, i.id as item_id, i.code as item_code, i.name as item_name,
               m.id as member_id, m.member_no, m.name as member_name, l.loaned_at, l.due_at,
               l.renewals
        from loans l join items i on i.id = l.item_id join members m on m.id = l.member_id
        where l.returned_at is null
          and (cast(:q as text) is null or i.code ilike :like or i.name ilike :like
               or m.member_no ilike :like or m.name ilike :like)
        order by l.due_at
    """), conn, params={"q": q, "like": f"%{q}%"})
