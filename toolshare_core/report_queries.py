"""SQL of the reports that are lists rather than metrics (history, inventory, maintenance,
members, impact pieces). Fixed text, bound values, built on the views of migration 0002."""

from __future__ import annotations

import sqlalchemy as sa

# A member's postcode area: the part before the first space, upper-cased ("AB1 2CD" -> "AB1").
POSTCODE_AREA = "coalesce(nullif(upper(split_part(btrim(m.postcode), ' ', 1)), ''), 'unknown')"

NEVER_BORROWED = sa.text("""
select c.item_code, c.item_name, c.category, c.location, c.acquired_on,
       d.circulation_days, c.replacement_value::float8 as replacement_value
from item_period_days(cast(:start as date), cast(:end as date), cast(:as_of as timestamptz), cast(:tz as text)) d
join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
join item_catalogue c using (item_id)
where d.circulation_days > 0 and d.loans_started = 0
order by c.item_code, c.item_name
""")

LOAN_HISTORY = sa.text("""
select s.loan_id, s.loaned_at, s.due_at, s.returned_at, c.item_code, c.item_name, c.category,
       m.member_no, m.name as member_name, s.occupied_days as loan_days, s.on_time, l.renewals
from loan_spans(cast(:as_of as timestamptz), cast(:tz as text)) s
join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
join item_catalogue c using (item_id)
join members m on m.id = s.member_id
join loans l on l.id = s.loan_id
where s.loaned_at >= cast(:start as date)::timestamp at time zone cast(:tz as text) and s.loaned_at < cast(:eff_end as date)::timestamp at time zone cast(:tz as text)
      and s.loaned_date >= :start and s.loaned_date < :eff_end
  and (cast(:item_code as text) is null or c.item_code = :item_code)
  and (cast(:member_no as text) is null or m.member_no = :member_no)
order by s.loaned_at, s.loan_id
""")

ITEM_CODE_EXISTS = sa.text("select 1 from items where code = :code")
MEMBER_NO_EXISTS = sa.text("select 1 from members where member_no = :member_no")

# State at the moment as_of: retired items are left out; 'missing' is the item's current
# status (the ledger keeps no history of it).
INVENTORY = sa.text("""
with d as (select (cast(:as_of as timestamptz) at time zone :tz)::date as day)
select c.item_code, c.item_name, c.category, c.location, c.condition,
       case when exists (select 1 from loans l where l.item_id = c.item_id and l.loaned_at <= :as_of
                         and (l.returned_at is null or l.returned_at > :as_of)) then 'on loan'
            when exists (select 1 from maintenance mt where mt.item_id = c.item_id
                         and mt.started_on <= d.day and (mt.ended_on is null or mt.ended_on > d.day))
                 then 'in maintenance'
            when c.status = 'missing' then 'missing'
            else 'available' end as state,
       c.replacement_value::float8 as replacement_value, c.acquired_on
from item_catalogue c
join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
cross join d
where c.acquired_on <= d.day and (c.retired_on is null or c.retired_on > d.day)
order by c.item_code, c.item_name
""")

# Maintenance overlapping the period: repairs and cost count rows started in the period;
# days out of service are the period's days (cut at as_of) inside any maintenance row.
MAINTENANCE = sa.text("""
with b as (select cast(:start as date) as d_from, cast(:eff_end as date) as d_end),
rows as (
    select mt.*, c.item_code, c.item_name, c.category, c.replacement_value
    from maintenance mt
    join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
    join item_catalogue c using (item_id)
    cross join b
    where mt.started_on < b.d_end and (mt.ended_on is null or mt.ended_on > b.d_from)
)
select r.item_code, r.item_name, r.category,
       count(*) filter (where r.started_on >= b.d_from) as repairs,
       coalesce(sum(r.cost) filter (where r.started_on >= b.d_from), 0)::float8 as cost,
       day_count(range_agg(daterange(r.started_on, r.ended_on)) * day_span(b.d_from, b.d_end))
           as days_out_of_service,
       r.replacement_value::float8 as replacement_value,
       case when r.replacement_value > 0
            then (coalesce(sum(r.cost) filter (where r.started_on >= b.d_from), 0)
                  / r.replacement_value)::float8 end as cost_vs_value,
       count(*) filter (where r.started_on >= b.d_from) >= 2 as repeat_repairs
from rows r cross join b
group by r.item_code, r.item_name, r.category, r.replacement_value, b.d_from, b.d_end
order by r.item_code, r.item_name
""")

MEMBERS = sa.text("""
with lent as (
    select s.member_id, count(*) as loans_started
    from loan_spans(cast(:as_of as timestamptz), cast(:tz as text)) s
    join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
    where s.loaned_at >= cast(:start as date)::timestamp at time zone cast(:tz as text) and s.loaned_at < cast(:eff_end as date)::timestamp at time zone cast(:tz as text)
      and s.loaned_date >= :start and s.loaned_date < :eff_end
    group by s.member_id
)
select coalesce(nullif(upper(split_part(btrim(m.postcode), ' ', 1)), ''), 'unknown') as postcode_area,
       count(*) filter (where m.joined_on < :eff_end) as members,
       count(*) filter (where m.joined_on >= :start and m.joined_on < :eff_end) as new_members,
       count(l.member_id) as active_borrowers,
       coalesce(sum(l.loans_started), 0)::bigint as loans_started
from members m left join lent l on l.member_id = m.id
group by 1
having count(*) filter (where m.joined_on < :eff_end) > 0 or count(l.member_id) > 0
order by 1
""")

TOP_CATEGORIES = sa.text("""
select c.top_category as category, count(*) as loans_started,
       count(distinct s.member_id) as active_borrowers,
       sum(c.replacement_value)::float8 as value_lent
from loan_spans(cast(:as_of as timestamptz), cast(:tz as text)) s
join filtered_items(cast(:category_id as bigint), cast(:location_id as bigint), cast(:subcats as boolean)) f using (item_id)
join item_catalogue c using (item_id)
where s.loaned_at >= cast(:start as date)::timestamp at time zone cast(:tz as text) and s.loaned_at < cast(:eff_end as date)::timestamp at time zone cast(:tz as text)
      and s.loaned_date >= :start and s.loaned_date < :eff_end
group by c.top_category
order by loans_started desc, category
""")

NEW_MEMBERS = sa.text("""
select count(*) from members where joined_on >= :start and joined_on < :eff_end
""")
