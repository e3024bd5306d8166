"""Catalogue reads for the dashboard: filter choices, item search, one item's page, its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core.errors import NotFound, ValidationFailed
from toolshare_core.filters import Filters, contains_pattern, filter_params
from toolshare_core.periods import Period

ITEM_STATUSES = ("active", "maintenance", "missing", "retired")
ITEM_CONDITIONS = ("new", "good", "fair", "poor", "broken")
SEARCH_LIMIT = 1000

CATEGORY_OPTIONS_SQL = sa.text("select category_id, path from category_paths order by path")
LOCATION_OPTIONS_SQL = sa.text("select id as location_id, name from locations order by name")

# Items matching the search, with whether each is out on loan at :as_of (derived from loans).
SEARCH_ITEMS_SQL = sa.text("""
    select c.item_code, c.item_name, c.category, c.location, c.status, c.condition,
           c.replacement_value, c.acquired_on, c.retired_on,
           exists (select 1 from loans l
                   where l.item_id = c.item_id and l.loaned_at <= :as_of
                     and (l.returned_at is null or l.returned_at > :as_of)) as on_loan,
           count(*) over () as total_matches
    from item_catalogue c
    join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint),
                        cast(:subcats as boolean)) f on f.item_id = c.item_id
    where (cast(:pattern as text) is null
           or c.item_code ilike :pattern or c.item_name ilike :pattern)
      and (cast(:status as text) is null or c.status = :status)
      and (cast(:condition as text) is null or c.condition = :condition)
    order by c.item_code
    limit :limit
""")

ITEM_DETAIL_SQL = sa.text("""
    select c.item_id, c.item_code, c.item_name, c.category, c.location, c.status, c.condition,
           c.replacement_value, c.acquired_on, c.retired_on, i.brand, i.notes, i.retired_reason
    from item_catalogue c join items i on i.id = c.item_id
    where c.item_code = :code
""")

ITEM_LOANS_SQL = sa.text("""
    select l.loaned_at, l.due_at,
           case when l.returned_at <= :as_of then l.returned_at end as returned_at, l.renewals,
           m.member_no, m.name as member_name, l.return_condition,
           case when l.returned_at is null or l.returned_at > :as_of then
                    case when l.due_at < :as_of then 'overdue' else 'on loan' end
                when l.returned_at > l.due_at then 'returned late'
                else 'returned' end as state
    from loans l join members m on m.id = l.member_id
    where l.item_id = :item_id and l.loaned_at <= :as_of
    order by l.loaned_at desc
""")

ITEM_MAINTENANCE_SQL = sa.text("""
    select started_on, ended_on, kind, cost, notes,
           coalesce(ended_on, cast(:today as date)) - started_on as days_out_of_service
    from maintenance where item_id = :item_id
    order by started_on desc
""")


@dataclass(frozen=True)
class ItemDetail:
    """One item as the inventory page shows it."""

    item_id: int
    item_code: str
    item_name: str
    category: str
    location: str
    status: str
    condition: str
    replacement_value: Decimal
    acquired_on: date
    retired_on: date | None
    brand: str | None
    notes: str | None
    retired_reason: str | None


def category_options(conn: Connection) -> dict[int, str]:
    """Category id -> path ('Power tools / Drills'), sorted by path, for filter pickers."""
    return {int(r.category_id): str(r.path) for r in conn.execute(CATEGORY_OPTIONS_SQL)}


def location_options(conn: Connection) -> dict[int, str]:
    """Location id -> name, sorted by name, for filter pickers."""
    return {int(r.location_id): str(r.name) for r in conn.execute(LOCATION_OPTIONS_SQL)}


def search_items(
    conn: Connection,
    *,
    as_of: datetime,
    text: str | None = None,
    filters: Filters | None = None,
    status: str | None = None,
    condition: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> pd.DataFrame:
    """Items whose code or name contains `text`, narrowed by filters, status and condition.

    At most `limit` rows, sorted by code; the column `total_matches` tells how many matched
    in all, so a page can say "showing 1000 of 4200" instead of capping silently.
    """
    if status is not None and status not in ITEM_STATUSES:
        raise ValidationFailed(f"unknown status {status!r}; choose one of {', '.join(ITEM_STATUSES)}")
    if condition is not None and condition not in ITEM_CONDITIONS:
        raise ValidationFailed(
            f"unknown condition {condition!r}; choose one of {', '.join(ITEM_CONDITIONS)}"
        )
    pattern = contains_pattern(text)
    params = filter_params(filters) | {
        "as_of": as_of, "pattern": pattern, "status": status, "condition": condition,
        "limit": limit,
    }
    frame = pd.read_sql(SEARCH_ITEMS_SQL, conn, params=params)
    frame["replacement_value"] = frame["replacement_value"].astype(float)
    return frame


def item_detail(conn: Connection, *, item_code: str) -> ItemDetail:
    """The item with this code, or NotFound."""
    row = conn.execute(ITEM_DETAIL_SQL, {"code": item_code.strip()}).mappings().first()
    if row is None:
        raise NotFound(f"there is no item with code {item_code!r}")
    return ItemDetail(**dict(row))


def item_loans(conn: Connection, *, item_id: int, as_of: datetime) -> pd.DataFrame:
    """Every loan of one item started by `as_of`, newest first, with a plain-words state."""
    return pd.read_sql(ITEM_LOANS_SQL, conn, params={"item_id": item_id, "as_of": as_of})


def item_maintenance(conn: Connection, *, item_id: int, today: date) -> pd.DataFrame:
    """Every maintenance job of one item, newest first, with days out of service so far."""
    frame = pd.read_sql(ITEM_MAINTENANCE_SQL, conn, params={"item_id": item_id, "today": today})
    frame["cost"] = frame["cost"].astype(float)
    return frame


# Maintenance jobs touching the period [start, eff_end) of the filtered items. A job keeps its
# item out of circulation on started_on <= d < coalesce(ended_on, infinity) (spec/METRICS.md);
# days_in_period counts those days inside the period (up to as_of's date).
MAINTENANCE_JOBS_SQL = sa.text("""
    select c.item_code, c.item_name, c.category, c.location,
           c.replacement_value::float8 as replacement_value,
           mt.kind, mt.started_on, mt.ended_on, mt.cost::float8 as cost,
           case when mt.ended_on is null then 'open' else 'closed' end as state,
           greatest(0, least(coalesce(mt.ended_on, :eff_end), :eff_end)
                       - greatest(mt.started_on, :start)) as days_in_period,
           mt.notes
    from maintenance mt
    join item_catalogue c on c.item_id = mt.item_id
    join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint),
                        cast(:subcats as boolean)) f on f.item_id = mt.item_id
    where mt.started_on < :eff_end and (mt.ended_on is null or mt.ended_on > :start)
    order by mt.started_on desc, c.item_code
""")


def maintenance_jobs(
    conn: Connection, *, period: Period, filters: Filters | None = None
) -> pd.DataFrame:
    """Maintenance jobs open on at least one day of the period, newest first, with cost,
    the item's replacement value and the days of the period it was out of service."""
    params = filter_params(filters) | {
        "start": period.start, "eff_end": max(period.start, period.effective_end),
    }
    return pd.read_sql(MAINTENANCE_JOBS_SQL, conn, params=params)
