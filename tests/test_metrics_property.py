"""Property test: the SQL metrics agree with a naive, day-by-day pandas reading of
spec/METRICS.md written here from the spec alone (sets of calendar days, no ranges)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection

from tests.factories import (
    make_category,
    make_item,
    make_loan,
    make_location,
    make_maintenance,
    make_member,
)
from toolshare_core import metrics
from toolshare_core.filters import Filters
from toolshare_core.periods import Period

ZONES = ("UTC", "Europe/Berlin", "America/Los_Angeles", "Pacific/Auckland")
BASE_DAY = date(2024, 2, 1)


@dataclass
class Loan:
    member: int
    loaned_at: datetime
    due_at: datetime
    returned_at: datetime | None


@dataclass
class Item:
    category: int  # 0 = "Tools", 1 = "Tools / Saws", 2 = "Garden"
    location: int
    value: int
    acquired_on: date
    retired_on: date | None
    maintenance: list[tuple[date, date | None]]
    loans: list[Loan]


@st.composite
def items(draw: st.DrawFn) -> Item:
    acquired = BASE_DAY + timedelta(days=draw(st.integers(0, 25)))
    retired = draw(st.one_of(st.none(), st.integers(0, 60).map(lambda d: acquired + timedelta(days=d))))
    maintenance = []
    for _ in range(draw(st.integers(0, 2))):
        start = BASE_DAY + timedelta(days=draw(st.integers(0, 50)))
        length = draw(st.one_of(st.none(), st.integers(0, 10)))
        maintenance.append((start, None if length is None else start + timedelta(days=length)))
    loans: list[Loan] = []
    moment = (datetime.combine(acquired, datetime.min.time(), tzinfo=ZoneInfo("UTC"))
              + timedelta(hours=draw(st.integers(0, 200)), minutes=draw(st.integers(0, 59))))
    for _ in range(draw(st.integers(0, 6))):
        # short loans often (same-day and overnight), long ones sometimes
        hours = draw(st.one_of(st.integers(0, 30), st.integers(0, 300)))
        returned: datetime | None = moment + timedelta(hours=hours, minutes=draw(st.integers(0, 59)))
        due = moment + timedelta(days=draw(st.integers(1, 14)))
        loans.append(Loan(draw(st.integers(0, 2)), moment, due, returned))
        assert returned is not None
        moment = returned + timedelta(hours=draw(st.integers(0, 120)))
    if loans and retired is None and draw(st.booleans()):
        loans[-1].returned_at = None  # an open loan (only for items still in service)
    return Item(draw(st.integers(0, 2)), draw(st.integers(0, 1)), draw(st.integers(0, 300)),
                acquired, retired, maintenance, loans)


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start = BASE_DAY + timedelta(days=draw(st.integers(0, 25)))
    end = start + timedelta(days=draw(st.integers(1, 40)))
    as_of = (datetime.combine(start, datetime.min.time(), tzinfo=ZoneInfo("UTC"))
             + timedelta(hours=draw(st.integers(-48, 24 * 50)), minutes=draw(st.integers(0, 59))))
    return Period(start, end, as_of=as_of, timezone=draw(st.sampled_from(ZONES)))


# ------------------------------------------------------------ the naive reference


def naive_item_days(item: Item, period: Period) -> tuple[int, int, int]:
    """(circulation_days, loan_days, loans_started), counting day by day."""
    circulation, lent, started = naive_day_sets(item, period)
    return len(circulation), len(lent), started


def naive_day_sets(item: Item, period: Period) -> tuple[set[date], set[date], int]:
    """The days in circulation, the days of those on loan, and the loans started."""
    tz = ZoneInfo(period.timezone)
    as_of_day = period.as_of.astimezone(tz).date()
    last = min(period.end, as_of_day + timedelta(days=1))
    days = [period.start + timedelta(days=k) for k in range(max(0, (last - period.start).days))]

    def in_circulation(d: date) -> bool:
        if d < item.acquired_on or (item.retired_on is not None and d >= item.retired_on):
            return False
        return not any(s <= d and (e is None or d < e) for s, e in item.maintenance)

    occupied: set[date] = set()
    started = 0
    for loan in item.loans:
        if loan.loaned_at > period.as_of:
            continue  # not yet lent at as_of
        first = loan.loaned_at.astimezone(tz).date()
        if loan.returned_at is not None and loan.returned_at <= period.as_of:
            end = loan.returned_at.astimezone(tz).date()
        else:
            end = as_of_day + timedelta(days=1)
        if end <= first:
            end = first + timedelta(days=1)
        occupied |= {first + timedelta(days=k) for k in range((end - first).days)}
        started += period.start <= first < last
    circulation = {d for d in days if in_circulation(d)}
    return circulation, circulation & occupied, started


def naive_frame(library: list[Item], period: Period) -> pd.DataFrame:
    rows = []
    for index, item in enumerate(library):
        circulation, lent, started = naive_item_days(item, period)
        rows.append({"index": index, "category": ["Tools", "Tools / Saws", "Garden"][item.category],
                     "location": f"Place {item.location}", "circulation_days": circulation,
                     "loan_days": lent, "loans_started": started})
    return pd.DataFrame(rows)


def naive_kpis(library: list[Item], period: Period) -> dict[str, float | int | None]:
    tz = ZoneInfo(period.timezone)
    last = min(period.end, period.as_of.astimezone(tz).date() + timedelta(days=1))
    frame = naive_frame(library, period)
    started = [(loan, item) for item in library for loan in item.loans
               if loan.loaned_at <= period.as_of and period.start <= loan.loaned_at.astimezone(tz).date() < last]
    returned = [loan for item in library for loan in item.loans
                if loan.loaned_at <= period.as_of and loan.returned_at is not None
                and loan.returned_at <= period.as_of
                and period.start <= loan.returned_at.astimezone(tz).date() < last]
    lengths = [max(1, (r.returned_at.astimezone(tz).date() - r.loaned_at.astimezone(tz).date()).days)
               for r in returned if r.returned_at is not None]
    out = [loan for item in library for loan in item.loans if loan.loaned_at <= period.as_of
           and (loan.returned_at is None or loan.returned_at > period.as_of)]
    circulating = frame[frame["circulation_days"] > 0] if len(frame) else frame
    circulation_days = int(frame["circulation_days"].sum()) if len(frame) else 0
    return {
        "loans_started": len(started),
        "active_borrowers": len({loan.member for loan, _ in started}),
        "value_lent": float(sum(item.value for _, item in started)),
        "turnover": len(started) / len(circulating) if len(circulating) else None,
        "mean_loan_days": sum(lengths) / len(lengths) if lengths else None,
        "on_time_rate": (sum(r.returned_at <= r.due_at for r in returned if r.returned_at) / len(returned)
                         if returned else None),
        "on_loan": len(out),
        "overdue": sum(loan.due_at < period.as_of for loan in out),
        "utilisation": int(frame["loan_days"].sum()) / circulation_days if circulation_days else None,
        "items_in_circulation": len(circulating),
        "never_borrowed": int(((frame["circulation_days"] > 0) & (frame["loans_started"] == 0)).sum())
        if len(frame) else 0,
    }


# ------------------------------------------------------------ the property


def insert(conn: Connection, library: list[Item]) -> tuple[list[int], int]:
    tools = make_category(conn, name="Tools")
    categories = [tools, make_category(conn, name="Saws", parent_id=tools), make_category(conn, name="Garden")]
    places = [make_location(conn, name="Place 0"), make_location(conn, name="Place 1")]
    members = [make_member(conn) for _ in range(3)]
    ids = []
    for item in library:
        item_id = make_item(
            conn, category_id=categories[item.category], location_id=places[item.location],
            replacement_value=item.value, acquired_on=item.acquired_on, retired_on=item.retired_on,
            status="retired" if item.retired_on else "active",
        )
        ids.append(item_id)
        for start, end in item.maintenance:
            make_maintenance(conn, item_id=item_id, started_on=start, ended_on=end)
        for loan in item.loans:
            make_loan(conn, item_id=item_id, member_id=members[loan.member], loaned_at=loan.loaned_at,
                      due_at=loan.due_at, returned_at=loan.returned_at)
    return ids, tools


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(library=st.lists(items(), min_size=1, max_size=4), period=periods())
def test_the_sql_metrics_match_a_day_by_day_reading_of_the_spec(
    conn: Connection, library: list[Item], period: Period
) -> None:
    """Whatever items, repairs and loans a library records, every number the core reports
    is the number a volunteer would get by ticking days off a calendar."""
    savepoint = conn.begin_nested()
    try:
        ids, tools = insert(conn, library)
        expected = naive_frame(library, period)
        expected["item_id"] = [ids[i] for i in expected["index"]]

        usage = metrics.item_usage(conn, period=period).set_index("item_id")
        listed = expected[(expected["circulation_days"] > 0) | (expected["loans_started"] > 0)]
        assert sorted(usage.index) == sorted(listed["item_id"])
        for row in listed.itertuples():
            got = usage.loc[row.item_id]
            assert (got["circulation_days"], got["loan_days"], got["loans_started"]) == (
                row.circulation_days, row.loan_days, row.loans_started), f"item {row.index}"

        for by in ("category", "location"):
            got = metrics.utilisation(conn, period=period, by=by).set_index(by)
            want = listed.groupby(by)[["circulation_days", "loan_days", "loans_started"]].sum()
            assert sorted(got.index) == sorted(want.index)
            for key, row in want.iterrows():
                assert got.loc[key, "loan_days"] == row["loan_days"]
                assert got.loc[key, "circulation_days"] == row["circulation_days"]
                pooled = row["loan_days"] / row["circulation_days"] if row["circulation_days"] else None
                assert _same(got.loc[key, "utilisation"], pooled)

        kpis = metrics.kpis(conn, period=period)
        for key, value in naive_kpis(library, period).items():
            assert _same(kpis[key], value), key

        saws_only = [item for item in library if item.category == 1]
        got = metrics.kpis(conn, period=period, filters=Filters(category_id=tools))
        assert got["loans_started"] == naive_kpis([i for i in library if i.category < 2], period)["loans_started"]
        if saws_only:
            assert len(metrics.item_usage(conn, period=period, filters=Filters(category_id=tools, include_subcategories=False))) == int(
                ((expected["category"] == "Tools") & ((expected["circulation_days"] > 0) | (expected["loans_started"] > 0))).sum())
        trend = metrics.monthly_trend(conn, period=period).set_index("month")
        months: dict[date, list[int]] = {}
        for item in library:
            circulation, lent, _ = naive_day_sets(item, period)
            for day in circulation:
                months.setdefault(day.replace(day=1), [0, 0])[0] += 1
            for day in lent:
                months[day.replace(day=1)][1] += 1
        for month, (circulation_days, loan_days) in months.items():
            assert trend.loc[month, "circulation_days"] == circulation_days, month
            assert trend.loc[month, "loan_days"] == loan_days, month
        assert trend["circulation_days"].sum() == sum(c for c, _ in months.values())
    finally:
        savepoint.rollback()


def _same(got: object, want: float | int | None) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and pd.isna(got))
    return got is not None and not pd.isna(got) and got == pytest.approx(want)  # type: ignore[arg-type]
