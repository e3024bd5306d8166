"""Metrics of spec/METRICS.md, all computed in PostgreSQL (views and functions of migration 0002).

Every function binds its values; the SQL text is fixed. The building blocks (`item_period_days`,
`item_period_ranges`, `loan_spans`, `filtered_items`, `item_catalogue`) are documented in
docs/metrics.md so the notebook can use the very same definitions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core.errors import ValidationFailed
from toolshare_core.filters import Filters, filter_params
from toolshare_core.periods import Period

GroupBy = Literal["library", "item", "category", "location"]
UTILISATION_BY = ("library", "item", "category", "location")
OVERDUE_BUCKETS = ("1-7", "8-30", "31-60", "61+")

# demand(): a category whose copies were all out on at least BUY_ALL_OUT_SHARE of its days, or
# whose pooled utilisation reaches BUY_UTILISATION, needs another copy; a category below
# IDLE_UTILISATION is idle.
BUY_ALL_OUT_SHARE = 0.5
BUY_UTILISATION = 0.7
IDLE_UTILISATION = 0.1
SIGNAL_BUY = "buy another copy"
SIGNAL_IDLE = "idle: reconsider"
SIGNAL_OK = "ok"

KPI_KEYS = (
    "loans_started", "active_borrowers", "value_lent", "turnover", "mean_loan_days",
    "on_time_rate", "on_loan", "overdue", "utilisation", "items_in_circulation", "never_borrowed",
)
SUMMARY_METRICS = KPI_KEYS[:9]

METRIC_DEFINITIONS: dict[str, str] = {
    "circulation_days": "Circulation days: the days of the period on which an item could be "
    "borrowed: already acquired, not yet retired and not in maintenance.",
    "loan_days": "Loan days: the circulation days on which the item was out on loan. A loan "
    "counts the day it went out and every day up to (not including) the day it came back; "
    "a loan returned the same day counts one day.",
    "utilisation": "Utilisation: the share of days items could be borrowed on which they were "
    "out on loan (loan days / circulation days). 64 % means that on 64 of every 100 days an "
    "item was available to lend, a member had it. For a group it is pooled over all its items.",
    "loans_started": "Loans started: the loans that went out during the period.",
    "active_borrowers": "Active borrowers: the number of different members who started a loan "
    "during the period.",
    "value_lent": "Value lent: the replacement value of everything lent during the period, "
    "counted once per loan: what members would have paid to buy what they borrowed.",
    "turnover": "Turnover: loans started per item in circulation. 2.5 means each item that "
    "could be borrowed went out two and a half times on average.",
    "mean_loan_days": "Mean loan days: how many days a loan returned during the period lasted "
    "on average (same-day loans count one day).",
    "on_time_rate": "On-time rate: the share of loans returned during the period that came "
    "back by their due time.",
    "on_loan": "On loan: loans out at the report's moment (as of).",
    "overdue": "Overdue: loans out at the report's moment that are past their due time. "
    "Days overdue count calendar days since the due date, grouped 1-7, 8-30, 31-60 and 61+.",
    "items_in_circulation": "Items in circulation: items that could be borrowed on at least "
    "one day of the period.",
    "never_borrowed": "Never borrowed: items that could be borrowed during the period but "
    "went out not once.",
    "new_members": "New members: members who joined during the period.",
    "all_out_share": "All copies out: the share of a category's days on which every copy that "
    "could be borrowed was out on loan, so a member asking for one was turned away.",
}

# Per-item usage rows; the other groupings aggregate this (constants only, values bound).
_USAGE_CTE = """
with usage as (
    select c.item_id, c.item_code, c.item_name, c.category, c.location,
           d.circulation_days, d.loan_days, d.loans_started
    from item_period_days(cast(:start as date), cast(:end as date), cast(:as_of as timestamptz), cast(:tz as text)) d
    join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f on f.item_id = d.item_id
    join item_catalogue c on c.item_id = d.item_id
    where d.circulation_days > 0 or d.loans_started > 0
)
"""
_GROUPED = {
    "item": "select item_id, item_code, item_name, category, location, circulation_days, loan_days, "
    "case when circulation_days > 0 then loan_days::float8 / circulation_days end as utilisation, "
    "loans_started from usage order by item_code, item_name",
    "category": "select category, count(*) as items, sum(circulation_days)::bigint as circulation_days, "
    "sum(loan_days)::bigint as loan_days, case when sum(circulation_days) > 0 then sum(loan_days)::float8 / sum(circulation_days) end as utilisation, sum(loans_started)::bigint as loans_started "
    "from usage group by category order by category",
    "location": "select location, count(*) as items, sum(circulation_days)::bigint as circulation_days, "
    "sum(loan_days)::bigint as loan_days, case when sum(circulation_days) > 0 then sum(loan_days)::float8 / sum(circulation_days) end as utilisation, sum(loans_started)::bigint as loans_started "
    "from usage group by location order by location",
    "library": "select count(*) as items, coalesce(sum(circulation_days), 0)::bigint as circulation_days, "
    "coalesce(sum(loan_days), 0)::bigint as loan_days, case when sum(circulation_days) > 0 then sum(loan_days)::float8 / sum(circulation_days) end as utilisation, "
    "coalesce(sum(loans_started), 0)::bigint as loans_started from usage",
}
_UTILISATION_SQL = {by: sa.text(_USAGE_CTE + body) for by, body in _GROUPED.items()}

# Loans started / returned in the period are found by plain timestamp bounds (local midnights),
# which equals testing their local dates and needs no time zone arithmetic per loan.
_KPI_SQL = sa.text("""
with b as materialized (
    select cast(:start as date)::timestamp at time zone cast(:tz as text) as t_from,
           cast(:eff_end as date)::timestamp at time zone cast(:tz as text) as t_end
),
f as materialized (select item_id from filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean))),
days as materialized (select d.* from item_period_days(cast(:start as date), cast(:end as date), cast(:as_of as timestamptz), cast(:tz as text)) d join f using (item_id)),
started as (
    select l.member_id, i.replacement_value
    from loans l join f using (item_id) join items i on i.id = l.item_id cross join b
    where l.loaned_at >= b.t_from and l.loaned_at < b.t_end and l.loaned_at <= :as_of
),
returned as (
    select greatest(1, (l.returned_at at time zone cast(:tz as text))::date
                       - (l.loaned_at at time zone cast(:tz as text))::date) as occupied_days,
           l.returned_at <= l.due_at as on_time
    from loans l join f using (item_id) cross join b
    where l.returned_at >= b.t_from and l.returned_at < b.t_end and l.returned_at <= :as_of
),
current_loans as (
    select count(*) as on_loan, count(*) filter (where l.due_at < :as_of) as overdue
    from loans l join f using (item_id)
    where l.loaned_at <= :as_of and (l.returned_at is null or l.returned_at > :as_of)
)
select (select count(*) from started) as loans_started,
       (select count(distinct member_id) from started) as active_borrowers,
       (select coalesce(sum(replacement_value), 0)::float8 from started) as value_lent,
       (select avg(occupied_days)::float8 from returned) as mean_loan_days,
       (select avg(on_time::int)::float8 from returned) as on_time_rate,
       (select on_loan from current_loans) as on_loan,
       (select overdue from current_loans) as overdue,
       (select sum(loan_days) from days) as loan_days,
       (select sum(circulation_days) from days) as circulation_days,
       (select count(*) from days where circulation_days > 0) as items_in_circulation,
       (select count(*) from days where circulation_days > 0 and loans_started = 0) as never_borrowed
""")

_CURRENT_LOANS = """
select c.item_code, c.item_name, m.member_no, m.name as member_name,
       l.loaned_at, l.due_at,
       greatest(1, (cast(:as_of as timestamptz) at time zone :tz)::date
                   - (l.due_at at time zone :tz)::date) as days_overdue,
       c.replacement_value::float8 as replacement_value,
       c.category, c.location, m.email, m.phone, l.id as loan_id, l.due_at < :as_of as is_overdue
from loans l
join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f on f.item_id = l.item_id
join item_catalogue c on c.item_id = l.item_id
join members m on m.id = l.member_id
where l.loaned_at <= :as_of and (l.returned_at is null or l.returned_at > :as_of)
"""
_ON_LOAN_SQL = sa.text(_CURRENT_LOANS + " order by c.item_code, l.loaned_at")
_OVERDUE_SQL = sa.text(_CURRENT_LOANS + " and l.due_at < :as_of order by c.item_code, c.item_name, m.member_no, m.name")

_MONTHLY_SQL = sa.text("""
with months as (select * from period_months(cast(:start as date), cast(:eff_end as date))),
pieces as (
    select p.* from item_period_pieces(cast(:start as date), cast(:end as date), cast(:as_of as timestamptz), cast(:tz as text)) p
    join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
),
days as (
    select m.month,
           sum(upper(p.days * m.days) - lower(p.days * m.days)) filter (where p.kind = 'circulation') as circulation_days,
           coalesce(sum(upper(p.days * m.days) - lower(p.days * m.days)) filter (where p.kind = 'lent'), 0) as loan_days
    from months m join pieces p on p.days && m.days group by m.month
),
lent as (
    select date_trunc('month', s.loaned_date)::date as month, count(*) as loans_started,
           count(distinct s.member_id) as active_borrowers, sum(i.replacement_value) as value_lent
    from loan_spans(cast(:as_of as timestamptz), cast(:tz as text)) s join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
    join items i on i.id = s.item_id
    where s.loaned_at >= cast(:start as date)::timestamp at time zone cast(:tz as text) and s.loaned_at < cast(:eff_end as date)::timestamp at time zone cast(:tz as text)
      and s.loaned_date >= :start and s.loaned_date < :eff_end group by 1
),
joined as (
    select date_trunc('month', joined_on)::date as month, count(*) as new_members
    from members where joined_on >= :start and joined_on < :eff_end group by 1
)
select m.month, coalesce(l.loans_started, 0) as loans_started,
       coalesce(l.active_borrowers, 0) as active_borrowers,
       coalesce(d.loan_days, 0)::bigint as loan_days,
       coalesce(d.circulation_days, 0)::bigint as circulation_days,
       case when d.circulation_days > 0 then d.loan_days::float8 / d.circulation_days end as utilisation,
       coalesce(j.new_members, 0) as new_members,
       coalesce(l.value_lent, 0)::float8 as value_lent
from months m left join days d using (month) left join lent l using (month)
left join joined j using (month)
order by m.month
""")

_CATEGORY_MONTH_SQL = sa.text("""
with months as (select * from period_months(cast(:start as date), cast(:eff_end as date))),
pieces as (
    select p.*, c.category from item_period_pieces(cast(:start as date), cast(:end as date), cast(:as_of as timestamptz), cast(:tz as text)) p
    join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
    join item_catalogue c using (item_id)
),
cells as (
    select m.month, p.category,
           sum(upper(p.days * m.days) - lower(p.days * m.days)) filter (where p.kind = 'circulation') as circulation_days,
           coalesce(sum(upper(p.days * m.days) - lower(p.days * m.days)) filter (where p.kind = 'lent'), 0) as loan_days
    from months m join pieces p on p.days && m.days
    group by m.month, p.category
)
select month, category, circulation_days::bigint as circulation_days, loan_days::bigint as loan_days,
       loan_days::float8 / circulation_days as utilisation
from cells where circulation_days > 0
order by month, category
""")

_DEMAND_SQL = sa.text("""
with r as (
    select r.*, c.category from item_period_ranges(cast(:start as date), cast(:end as date), cast(:as_of as timestamptz), cast(:tz as text)) r join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
    join item_catalogue c using (item_id)
),
g as (
    select category,
           count(*) filter (where not isempty(circulation)) as items,
           sum(day_count(circulation))::bigint as circulation_days,
           sum(day_count(lent))::bigint as loan_days,
           sum(loans_started)::bigint as loans_started,
           range_agg(circulation) as open_days,
           range_agg(circulation - lent) as free_days
    from r group by category
)
select category, items, circulation_days, loan_days,
       case when circulation_days > 0 then loan_days::float8 / circulation_days end as utilisation,
       loans_started,
       day_count(open_days - free_days) as all_out_days,
       case when day_count(open_days) > 0
            then day_count(open_days - free_days)::float8 / day_count(open_days) end as all_out_share
from g where items > 0 or loans_started > 0
order by category
""")


def period_params(period: Period, filters: Filters | None = None) -> dict[str, Any]:
    """The bound values every period query takes."""
    return {
        "start": period.start,
        "end": period.end,
        "eff_end": max(period.start, period.effective_end),
        "as_of": period.as_of,
        "tz": period.timezone,
        **filter_params(filters),
    }


def _read(conn: Connection, sql: sa.TextClause, params: dict[str, Any], tz: str) -> pd.DataFrame:
    frame = pd.read_sql(sql, conn, params=params)
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert(tz)
    return frame


def item_usage(conn: Connection, *, period: Period, filters: Filters | None = None) -> pd.DataFrame:
    """One row per item in circulation or lent during the period, sorted by item code:
    item_id, item_code, item_name, category, location, circulation_days, loan_days,
    utilisation, loans_started."""
    return _read(conn, _UTILISATION_SQL["item"], period_params(period, filters), period.timezone)


def utilisation(
    conn: Connection, *, period: Period, by: str = "library", filters: Filters | None = None
) -> pd.DataFrame:
    """Pooled utilisation (sum of loan days / sum of circulation days) for the whole library
    (one row) or per item, category (its path) or location."""
    if by not in _UTILISATION_SQL:
        raise ValidationFailed(f"cannot group utilisation by {by!r}; choose one of {', '.join(UTILISATION_BY)}")
    return _read(conn, _UTILISATION_SQL[by], period_params(period, filters), period.timezone)


def kpis(conn: Connection, *, period: Period, filters: Filters | None = None) -> dict[str, float | int | None]:
    """The summary metrics (KPI_KEYS, in that order) for the period; None where undefined."""
    row = conn.execute(_KPI_SQL, period_params(period, filters)).mappings().one()
    in_circulation = int(row["items_in_circulation"])
    loans = int(row["loans_started"])
    circulation_days = int(row["circulation_days"] or 0)
    result: dict[str, float | int | None] = {
        "loans_started": loans,
        "active_borrowers": int(row["active_borrowers"]),
        "value_lent": round(float(row["value_lent"]), 2),
        "turnover": loans / in_circulation if in_circulation else None,
        "mean_loan_days": _float(row["mean_loan_days"]),
        "on_time_rate": _float(row["on_time_rate"]),
        "on_loan": int(row["on_loan"]),
        "overdue": int(row["overdue"]),
        "utilisation": int(row["loan_days"]) / circulation_days if circulation_days else None,
        "items_in_circulation": in_circulation,
        "never_borrowed": int(row["never_borrowed"]),
    }
    return result


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _moment_params(as_of: datetime, timezone: str | None, filters: Filters | None,
                   conn: Connection) -> tuple[dict[str, Any], str]:
    if as_of.tzinfo is None:
        raise ValidationFailed("as_of needs a time zone")
    tz = timezone or str(conn.execute(sa.text("select current_setting('TimeZone')")).scalar_one())
    return {"as_of": as_of, "tz": tz, **filter_params(filters)}, tz


def on_loan(conn: Connection, *, as_of: datetime, filters: Filters | None = None,
            timezone: str | None = None) -> pd.DataFrame:
    """Loans out at the moment `as_of` (loaned_at <= as_of, not returned by then), with the
    borrower's contact details; `is_overdue` marks those past due. Times are shown in
    `timezone` (default: the connection's, i.e. the library's)."""
    params, tz = _moment_params(as_of, timezone, filters, conn)
    return _read(conn, _ON_LOAN_SQL, params, tz)


def overdue(conn: Connection, *, as_of: datetime, filters: Filters | None = None,
            timezone: str | None = None) -> pd.DataFrame:
    """Loans out at `as_of` and past due: the contract columns (item_code, item_name,
    member_no, member_name, loaned_at, due_at, days_overdue, bucket, replacement_value)
    then category, location, email, phone, loan_id. Sorted by item and member."""
    params, tz = _moment_params(as_of, timezone, filters, conn)
    frame = _read(conn, _OVERDUE_SQL, params, tz).drop(columns="is_overdue")
    frame.insert(7, "bucket", [overdue_bucket(int(d)) for d in frame["days_overdue"]])
    return frame


def overdue_bucket(days_overdue: int) -> str:
    """The aging bucket of spec/METRICS.md: 1-7, 8-30, 31-60, 61+."""
    if days_overdue <= 7:
        return "1-7"
    if days_overdue <= 30:
        return "8-30"
    if days_overdue <= 60:
        return "31-60"
    return "61+"


def monthly_trend(conn: Connection, *, period: Period, filters: Filters | None = None) -> pd.DataFrame:
    """Per calendar month of the period (months clipped to it, cut at as_of): month (its first
    day), loans_started, active_borrowers, loan_days, circulation_days, utilisation,
    new_members (members joined; not narrowed by the item filters), value_lent."""
    return _read(conn, _MONTHLY_SQL, period_params(period, filters), period.timezone)


def category_month_utilisation(
    conn: Connection, *, period: Period, filters: Filters | None = None
) -> pd.DataFrame:
    """Long frame (month, category, circulation_days, loan_days, utilisation) for a heatmap;
    months in which a category had no circulation days are left out."""
    return _read(conn, _CATEGORY_MONTH_SQL, period_params(period, filters), period.timezone)


def demand(conn: Connection, *, period: Period, filters: Filters | None = None) -> pd.DataFrame:
    """Per category (its path): items, circulation_days, loan_days, utilisation,
    loans_started, all_out_days and all_out_share (days on which every copy in circulation
    was out), and `signal`: 'buy another copy', 'idle: reconsider' or 'ok'."""
    frame = _read(conn, _DEMAND_SQL, period_params(period, filters), period.timezone)
    frame["signal"] = [
        demand_signal(_nan_to_none(u), _nan_to_none(s))
        for u, s in zip(frame["utilisation"], frame["all_out_share"], strict=True)
    ]
    return frame


def demand_signal(utilisation: float | None, all_out_share: float | None) -> str:
    """The plain-words advice for one category (thresholds are the module's constants)."""
    if (all_out_share or 0.0) >= BUY_ALL_OUT_SHARE or (utilisation or 0.0) >= BUY_UTILISATION:
        return SIGNAL_BUY
    if utilisation is None or utilisation < IDLE_UTILISATION:
        return SIGNAL_IDLE
    return SIGNAL_OK


def _nan_to_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
