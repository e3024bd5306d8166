"""The starter notebook: the headline metrics as readable SQL over the metric views, with charts.

It is created once, when a library has no notebook yet (first start, after seeding), so people
learn by adapting working queries. Each query uses the same building blocks as the reports
(item_period_days, loan_spans, filtered_items, item_catalogue: docs/metrics.md), so its numbers
equal the reports' numbers for the same period and filters (tests/test_notebook_starter.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from toolshare_core import notebook
from toolshare_core.roles import StaffUser

STARTER_NAME = "Starter: headline metrics"
STARTER_ACTOR = StaffUser(id=None, username="ToolShare (starter notebook)", role="admin")


@dataclass(frozen=True)
class StarterCell:
    key: str  # a stable name for tests and docs
    kind: str
    body: str
    chart_type: str | None = None
    x: str | None = None
    y: str | None = None
    color: str | None = None
    title: str | None = None


INTRO = """\
### Your library in numbers

Each box below runs a **SQL query** over the library's reporting tables and views (open
*SQL* above a table to read it; editors can copy and change it). The queries only *read*: the
notebook cannot change anything, and a query that runs longer than the time limit is stopped.

The period and filters in the sidebar reach every query as parameters:
`:from` and `:to` (the period's first day and the day after its last), `:as_of` (the moment
described), `:category` and `:location` (the chosen ids, or empty for all).

Useful building blocks (see *docs/metrics.md*):
`item_period_days(:from, :to, :as_of, tz)` gives every item's circulation days, loan days
and loans started; `loan_spans(:as_of, tz)` gives every loan as calendar days;
`filtered_items(:category, :location)` the items the filters select; `item_catalogue` each
item with its category path and location. `tz` is the library's time zone:
`current_setting('TimeZone')`.
"""

HEADLINE = """\
-- Headline numbers for the period
with f as (select item_id from filtered_items(:category, :location)),
days as (
    select d.*
    from item_period_days(:from, :to, :as_of, current_setting('TimeZone')) d
    join f using (item_id)
),
started as (
    select s.member_id, i.replacement_value
    from loan_spans(:as_of, current_setting('TimeZone')) s
    join f using (item_id)
    join items i on i.id = s.item_id
    where s.loaned_date >= :from and s.loaned_date < :to
)
select (select count(*) from started)                      as loans_started,
       (select count(distinct member_id) from started)     as active_borrowers,
       (select coalesce(sum(replacement_value), 0) from started) as value_lent,
       (select sum(loan_days)::float8 / nullif(sum(circulation_days), 0) from days)
                                                           as utilisation,
       (select count(*) from days where circulation_days > 0) as items_in_circulation
"""

UTILISATION = """\
-- Utilisation by category: loan days / circulation days, pooled over the category's items
select c.category,
       count(*)                 as items,
       sum(d.circulation_days)  as circulation_days,
       sum(d.loan_days)         as loan_days,
       sum(d.loan_days)::float8 / nullif(sum(d.circulation_days), 0) as utilisation,
       sum(d.loans_started)     as loans_started
from item_period_days(:from, :to, :as_of, current_setting('TimeZone')) d
join filtered_items(:category, :location) f using (item_id)
join item_catalogue c using (item_id)
where d.circulation_days > 0 or d.loans_started > 0
group by c.category
order by c.category
"""

LOANS_PER_MONTH = """\
-- Loans started per month (loans that went out after "as of" are not counted)
select date_trunc('month', s.loaned_date)::date as month,
       count(*)                    as loans_started,
       count(distinct s.member_id) as active_borrowers
from loan_spans(:as_of, current_setting('TimeZone')) s
join filtered_items(:category, :location) f using (item_id)
where s.loaned_date >= :from and s.loaned_date < :to
group by 1
order by 1
"""

OVERDUE = """\
-- Loans out at "as of" and past due, by how many calendar days late
with overdue as (
    select greatest(1, (:as_of at time zone current_setting('TimeZone'))::date
                       - (l.due_at at time zone current_setting('TimeZone'))::date) as days_late,
           i.replacement_value
    from loans l
    join items i on i.id = l.item_id
    join filtered_items(:category, :location) f on f.item_id = l.item_id
    where l.loaned_at <= :as_of
      and (l.returned_at is null or l.returned_at > :as_of)
      and l.due_at < :as_of
)
select case when days_late <= 7 then '1-7'
            when days_late <= 30 then '8-30'
            when days_late <= 60 then '31-60'
            else '61+' end        as bucket,
       count(*)                   as loans,
       sum(replacement_value)     as value_at_risk
from overdue
group by 1
order by min(days_late)
"""

TOP_ITEMS = """\
-- The ten most borrowed items of the period (ties: more loan days first)
select c.item_code, c.item_name, c.category, d.loans_started, d.loan_days
from item_period_days(:from, :to, :as_of, current_setting('TimeZone')) d
join filtered_items(:category, :location) f using (item_id)
join item_catalogue c using (item_id)
where d.loans_started > 0
order by d.loans_started desc, d.loan_days desc, c.item_code
limit 10
"""

POSTCODE_REACH = """\
-- Where borrowers live: active borrowers per postcode area (the part before the space).
-- The notebook may read members' number, postcode, join date and status, never names
-- or contact details.
select coalesce(nullif(upper(split_part(btrim(m.postcode), ' ', 1)), ''), 'unknown')
                                   as postcode_area,
       count(distinct s.member_id) as active_borrowers,
       count(*)                    as loans_started
from loan_spans(:as_of, current_setting('TimeZone')) s
join filtered_items(:category, :location) f using (item_id)
join members m on m.id = s.member_id
where s.loaned_date >= :from and s.loaned_date < :to
group by 1
order by active_borrowers desc, postcode_area
"""

CATEGORY_MONTHS = """\
-- Utilisation per top-level category and month, for a heatmap
with r as (
    select r.*, c.top_category
    from item_period_ranges(:from, :to, :as_of, current_setting('TimeZone')) r
    join filtered_items(:category, :location) f using (item_id)
    join item_catalogue c using (item_id)
),
months as (select * from period_months(:from, :to))
select m.month, r.top_category as category,
       sum(day_count(r.lent * day_span(m.month_from, m.month_to)))::float8
         / nullif(sum(day_count(r.circulation * day_span(m.month_from, m.month_to))), 0)
         as utilisation
from months m cross join r
group by m.month, r.top_category
having sum(day_count(r.circulation * day_span(m.month_from, m.month_to))) > 0
order by m.month, category
"""

STARTER_CELLS: tuple[StarterCell, ...] = (
    StarterCell("intro", "markdown", INTRO),
    StarterCell("headline", "sql", HEADLINE),
    StarterCell("utilisation", "sql", UTILISATION, "bar", "category", "utilisation",
                title="Utilisation by category (share of days out on loan)"),
    StarterCell("loans_per_month", "sql", LOANS_PER_MONTH, "line", "month", "loans_started",
                title="Loans started per month"),
    StarterCell("overdue", "sql", OVERDUE, "bar", "bucket", "loans",
                title="Overdue loans by days late"),
    StarterCell("top_items", "sql", TOP_ITEMS, "bar", "item_name", "loans_started",
                color="category", title="Most borrowed items"),
    StarterCell("postcode_reach", "sql", POSTCODE_REACH, "bar", "postcode_area",
                "active_borrowers", title="Active borrowers by postcode area"),
    StarterCell("category_months", "sql", CATEGORY_MONTHS, "heatmap", "month", "category",
                color="utilisation", title="Utilisation by top-level category and month"),
)


def ensure_starter_notebook(conn: Connection) -> int | None:
    """Create the starter notebook when the library has no notebook at all; its id or None.

    Deleting it later is respected: it comes back only if every notebook is deleted. Two
    first visits at once are serialised by a transaction-level advisory lock, so only one
    creates it.
    """
    conn.execute(sa.text("select pg_advisory_xact_lock(hashtext('toolshare-notebook-starter:' "
                         "|| current_schema()))"))
    if not notebook.list_notebooks(conn).empty:
        return None
    return create_starter_notebook(conn)


def create_starter_notebook(conn: Connection, *, name: str = STARTER_NAME) -> int:
    notebook_id = notebook.create_notebook(
        conn, STARTER_ACTOR, name=name,
        description="The headline metrics as SQL you can read, copy and adapt.",
    )
    for cell in STARTER_CELLS:
        notebook.add_cell(conn, STARTER_ACTOR, notebook_id, kind=cell.kind, body=cell.body,
                          chart_type=cell.chart_type, x=cell.x, y=cell.y, color=cell.color,
                          title=cell.title)
    return notebook_id
