"""Member reads for the dashboard: member search, one member's page and their loans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core.errors import NotFound
from toolshare_core.filters import contains_pattern

MEMBER_SEARCH_SQL = sa.text("""
    select member_no, name as member_name, email, phone, postcode, joined_on, status
    from members
    where cast(:pattern as text) is null
       or member_no ilike :pattern or name ilike :pattern or email ilike :pattern
    order by member_no
    limit :limit
""")

MEMBER_DETAIL_SQL = sa.text("""
    select id as member_id, member_no, name as member_name, email, phone, postcode, joined_on,
           status, notes
    from members where member_no = :member_no
""")

MEMBER_LOANS_SQL = sa.text("""
    select l.loaned_at, l.due_at,
           case when l.returned_at <= :as_of then l.returned_at end as returned_at, l.renewals, c.item_code, c.item_name,
           c.category, c.replacement_value,
           case when l.returned_at is null or l.returned_at > :as_of then
                    case when l.due_at < :as_of then 'overdue' else 'on loan' end
                when l.returned_at > l.due_at then 'returned late'
                else 'returned' end as state
    from loans l join item_catalogue c on c.item_id = l.item_id
    where l.member_id = :member_id and l.loaned_at <= :as_of
    order by l.loaned_at desc
""")


@dataclass(frozen=True)
class MemberDetail:
    member_id: int
    member_no: str
    member_name: str
    email: str | None
    phone: str | None
    postcode: str | None
    joined_on: date
    status: str
    notes: str | None


def search_members(conn: Connection, *, text: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Members whose number, name or email contains `text`, sorted by member number."""
    pattern = contains_pattern(text)
    return pd.read_sql(MEMBER_SEARCH_SQL, conn, params={"pattern": pattern, "limit": limit})


def member_detail(conn: Connection, *, member_no: str) -> MemberDetail:
    """The member with this number, or NotFound."""
    row = conn.execute(MEMBER_DETAIL_SQL, {"member_no": member_no.strip()}).mappings().first()
    if row is None:
        raise NotFound(f"there is no member with number {member_no!r}")
    return MemberDetail(**dict(row))


def member_loans(conn: Connection, *, member_id: int, as_of: datetime) -> pd.DataFrame:
    """Every loan of one member started by `as_of`, newest first."""
    frame = pd.read_sql(MEMBER_LOANS_SQL, conn, params={"member_id": member_id, "as_of": as_of})
    frame["replacement_value"] = frame["replacement_value"].astype(float)
    return frame
