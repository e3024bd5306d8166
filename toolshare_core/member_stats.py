"""Member reads for the dashboard: postcode reach, member search, one member's page and loans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core.errors import NotFound
from toolshare_core.filters import Filters, filter_params
from toolshare_core.periods import Period

UNKNOWN_POSTCODE = "(no postcode)"

# Loans started in the period (loaned_date in [from, effective_end), started by as_of) of
# filtered items; one row per postcode district (the part of the postcode before the space).
POSTCODE_REACH_SQL = sa.text("""
    with district as (
        select m.id as member_id, m.joined_on,
               coalesce(nullif(upper(split_part(btrim(m.postcode), ' ', 1)), ''),
                        :unknown) as district
        from members m
    ),
    started as (
        select l.member_id
        from loans l
        join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint),
                            cast(:subcats as boolean)) f on f.item_id = l.item_id
        where l.loaned_at <= :as_of
          and (l.loaned_at at time zone :tz)::date >= :start
          and (l.loaned_at at time zone :tz)::date < :end
    )
    select d.district as postcode_district,
           count(distinct d.member_id) filter (where d.joined_on < :end) as members,
           count(distinct s.member_id) as active_borrowers,
           count(s.member_id) as loans_started
    from district d left join started s on s.member_id = d.member_id
    group by d.district
    having count(distinct d.member_id) filter (where d.joined_on < :end) > 0
        or count(s.member_id) > 0
    order by d.district
""")

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
    select l.loaned_at, l.due_at, l.returned_at, l.renewals, c.item_code, c.item_name,
           c.category, c.replacement_value,
           case when l.returned_at is null and l.due_at < :as_of then 'overdue'
                when l.returned_at is null then 'on loan'
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


def postcode_reach(
    conn: Connection, *, period: Period, filters: Filters | None = None
) -> pd.DataFrame:
    """Per postcode district: members registered before the period's end, borrowers and loans.

    Borrowers and loans count loans started in the period (spec/METRICS.md 'loans_started',
    'active_borrowers') of the items the filters select.
    """
    params = filter_params(filters) | {
        "start": period.start, "end": period.effective_end, "as_of": period.as_of,
        "tz": period.timezone, "unknown": UNKNOWN_POSTCODE,
    }
    return pd.read_sql(POSTCODE_REACH_SQL, conn, params=params)


def search_members(conn: Connection, *, text: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Members whose number, name or email contains `text`, sorted by member number."""
    cleaned = (text or "").strip()
    pattern = None
    if cleaned:
        escaped = cleaned.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
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
