-- ToolShare 0002: the building blocks of every metric (spec/METRICS.md).
-- Runs with search_path set to the library's schema; never names a schema.
-- Time zone: functions take the library's time zone as `p_tz` (a name like 'Europe/London');
-- the *_now views use the session's TimeZone, which every ToolShare connection sets to it.
-- Day sets are PostgreSQL multiranges (PostgreSQL 14+; range_agg over multiranges needs 15+).
-- Functions have SQL-standard bodies (`begin atomic` / `return`): their table references are
-- bound when they are created, in this schema (the same guarantee as `set search_path from
-- current`), and, having no SET clause, PostgreSQL can inline them into the calling query
-- (a SET clause made loan_spans 15x slower on 100k loans).

-- Number of days in a (bounded) set of days.
create function day_count(p_days datemultirange) returns integer
language sql immutable parallel safe
return (select coalesce(sum(upper(r) - lower(r)), 0)::integer from unnest(p_days) as r);

-- [p_lo, p_hi) as a set of days; empty when p_hi <= p_lo (never an error).
create function day_span(p_lo date, p_hi date) returns datemultirange
language sql immutable parallel safe
return case when p_lo < p_hi then datemultirange(daterange(p_lo, p_hi))
            else '{}'::datemultirange end;

-- Every category with each of its ancestors (itself included, depth 0).
create view category_descendants as
with recursive down as (
    select id as ancestor_id, id as category_id, 0 as depth from categories
    union all
    select d.ancestor_id, c.id, d.depth + 1
    from down d join categories c on c.parent_id = d.category_id
)
select ancestor_id, category_id, depth from down;

-- Items with their category path, top-level category and location name.
create view item_catalogue as
select i.id as item_id, i.code as item_code, i.name as item_name,
       i.category_id, cp.path as category, top.name as top_category,
       i.location_id, l.name as location,
       i.condition, i.status, i.replacement_value, i.acquired_on, i.retired_on
from items i
join category_paths cp on cp.category_id = i.category_id
join categories top on top.id = cp.top_id
join locations l on l.id = i.location_id;

-- The ids of items a report filter selects (null = no filter on that field).
create function filtered_items(p_category_id bigint, p_location_id bigint,
                               p_include_subcategories boolean default true)
returns table (item_id bigint)
language sql stable
begin atomic
    select i.id from items i
    where (p_location_id is null or i.location_id = p_location_id)
      and (p_category_id is null
           or i.category_id = p_category_id
           or (p_include_subcategories and i.category_id in (
                   select category_id from category_descendants where ancestor_id = p_category_id)));
end;

-- Loans as calendar days in the library's time zone, seen at the moment p_as_of.
-- Loans not yet started at p_as_of are left out. `occupied` = [loaned_date, end_date):
-- end_date is the return date, or as_of's date + 1 when not returned by p_as_of, and at
-- least loaned_date + 1 (a same-day loan occupies one day).
create function loan_spans(p_as_of timestamptz, p_tz text)
returns table (loan_id bigint, item_id bigint, member_id bigint,
               loaned_at timestamptz, due_at timestamptz, returned_at timestamptz,
               loaned_date date, returned_date date, end_date date, occupied daterange,
               occupied_days integer, returned_by_as_of boolean, on_time boolean)
language sql stable
begin atomic
    select l.id, l.item_id, l.member_id, l.loaned_at, l.due_at, l.returned_at,
           s.loaned_date, s.returned_date, s.end_date, daterange(s.loaned_date, s.end_date),
           s.end_date - s.loaned_date, s.returned, s.returned and l.returned_at <= l.due_at
    from loans l
    cross join lateral (
        select (l.loaned_at at time zone p_tz)::date as loaned_date,
               case when l.returned_at <= p_as_of
                    then (l.returned_at at time zone p_tz)::date end as returned_date,
               coalesce(l.returned_at <= p_as_of, false) as returned
    ) d
    cross join lateral (
        select d.loaned_date, d.returned_date, d.returned,
               greatest(coalesce(d.returned_date, (p_as_of at time zone p_tz)::date + 1),
                        d.loaned_date + 1) as end_date
    ) s
    where l.loaned_at <= p_as_of;
end;

-- Per item: the days of [p_from, p_to) (cut at as_of's date + 1) on which it was in
-- circulation, and those of them on which a loan occupied it. Every item is listed.
create function item_period_ranges(p_from date, p_to date, p_as_of timestamptz, p_tz text)
returns table (item_id bigint, circulation datemultirange, lent datemultirange,
               loans_started integer)
language sql stable
begin atomic
    with bounds as materialized (
        select p_from as d_from,
               least(p_to, (p_as_of at time zone p_tz)::date + 1) as d_end,
               p_from::timestamp at time zone p_tz as t_from,
               least(p_to, (p_as_of at time zone p_tz)::date + 1)::timestamp at time zone p_tz
                   as t_end
    ),
    circ as materialized (
        select i.id as item_id,
               day_span(greatest(i.acquired_on, b.d_from),
                        least(coalesce(i.retired_on, 'infinity'::date), b.d_end))
               - coalesce((select range_agg(daterange(m.started_on, m.ended_on))
                           from maintenance m
                           where m.item_id = i.id and m.started_on < b.d_end
                             and (m.ended_on is null or m.ended_on > b.d_from)),
                          '{}'::datemultirange) as circulation
        from items i cross join bounds b
    ),
    spans as (
        select s.item_id,
               range_agg(s.occupied) as occupied,
               count(*) filter (where s.loaned_date >= b.d_from and s.loaned_date < b.d_end)
                   as loans_started
        from loan_spans(p_as_of, p_tz) s cross join bounds b
        -- the plain timestamp tests drop most rows before any time zone arithmetic
        where s.loaned_at < b.t_end and (s.returned_at is null or s.returned_at >= b.t_from
                                         or s.returned_at > p_as_of)
          and s.loaned_date < b.d_end and s.end_date > b.d_from
        group by s.item_id
    )
    select c.item_id, c.circulation,
           coalesce(s.occupied, '{}'::datemultirange) * c.circulation,
           coalesce(s.loans_started, 0)::integer
    from circ c left join spans s on s.item_id = c.item_id;
end;

-- Per item: circulation_days, loan_days and loans_started of spec/METRICS.md.
create function item_period_days(p_from date, p_to date, p_as_of timestamptz, p_tz text)
returns table (item_id bigint, circulation_days integer, loan_days integer,
               loans_started integer)
language sql stable
begin atomic
    -- (the day counts are written out: a subquery is cheaper than a function call per row)
    with r as materialized (select * from item_period_ranges(p_from, p_to, p_as_of, p_tz))
    select r.item_id,
           (select coalesce(sum(upper(x) - lower(x)), 0)::integer from unnest(r.circulation) x),
           (select coalesce(sum(upper(x) - lower(x)), 0)::integer from unnest(r.lent) x),
           r.loans_started
    from r;
end;

-- loan_spans as of now, in the session's time zone (handy in the notebook).
create view loan_spans_now as
select * from loan_spans(now(), current_setting('TimeZone'));

-- Month starts covering [p_from, p_to): each month clipped to the period (also as a range).
create function period_months(p_from date, p_to date)
returns table (month date, month_from date, month_to date, days daterange)
language sql immutable
begin atomic
    select m::date, greatest(m::date, p_from), least((m + interval '1 month')::date, p_to),
           daterange(greatest(m::date, p_from), least((m + interval '1 month')::date, p_to))
    from generate_series(date_trunc('month', p_from::timestamp),
                         (p_to - 1)::timestamp, interval '1 month') as m
    where p_from < p_to;
end;

-- Per item: its circulation and lent days of the period as plain ranges, one row per piece
-- (kind 'circulation' or 'lent'); join them to months or weeks to count days per bucket.
create function item_period_pieces(p_from date, p_to date, p_as_of timestamptz, p_tz text)
returns table (item_id bigint, kind text, days daterange)
language sql stable
begin atomic
    with r as materialized (select * from item_period_ranges(p_from, p_to, p_as_of, p_tz))
    select r.item_id, 'circulation', x from r cross join lateral unnest(r.circulation) as x
    union all
    select r.item_id, 'lent', x from r cross join lateral unnest(r.lent) as x;
end;
