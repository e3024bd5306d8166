"""Hand-computed fixtures for every metric of spec/METRICS.md (issue 3).

Each expected number is worked out in the comment beside it, day by day, never read back
from the code under test.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
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
from toolshare_core.errors import ValidationFailed
from toolshare_core.filters import Filters
from toolshare_core.periods import Period

UTC = ZoneInfo("UTC")
MARCH = {"start": date(2024, 3, 1), "end": date(2024, 4, 1)}
LATER = datetime(2024, 4, 10, 12, 0, tzinfo=UTC)  # an as_of after the whole of March


def at(text: str, tz: str = "UTC") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def march(as_of: datetime = LATER, timezone: str = "UTC") -> Period:
    return Period(**MARCH, as_of=as_of, timezone=timezone)


def usage_of(conn: Connection, item_id: int, period: Period) -> dict[str, object]:
    frame = metrics.item_usage(conn, period=period)
    rows = frame[frame["item_id"] == item_id]
    assert len(rows) == 1, f"item {item_id} missing from item_usage"
    return rows.iloc[0].to_dict()


def test_a_same_day_loan_counts_one_loan_day(conn: Connection) -> None:
    """A member borrows a sander at 10:00 and brings it back at 15:00: one day on loan."""
    item = make_item(conn, acquired_on=date(2020, 1, 1))
    make_loan(conn, item_id=item, loaned_at=at("2024-03-05T10:00"), returned_at=at("2024-03-05T15:00"))
    row = usage_of(conn, item, march())
    assert (row["circulation_days"], row["loan_days"], row["loans_started"]) == (31, 1, 1)
    assert row["utilisation"] == pytest.approx(1 / 31)
    assert metrics.kpis(conn, period=march())["mean_loan_days"] == 1.0


def test_a_loan_crossing_the_periods_start_counts_only_its_days_inside(conn: Connection) -> None:
    """Out 25 Feb, back 3 Mar 09:00: occupies 25 Feb..2 Mar; March sees 1 and 2 Mar."""
    item = make_item(conn)
    make_loan(conn, item_id=item, loaned_at=at("2024-02-25T10:00"), returned_at=at("2024-03-03T09:00"))
    row = usage_of(conn, item, march())
    assert (row["loan_days"], row["loans_started"]) == (2, 0)
    # returned in March: its whole length (25 Feb .. 2 Mar = 7 days) counts for mean_loan_days
    assert metrics.kpis(conn, period=march())["mean_loan_days"] == 7.0


def test_a_loan_crossing_the_periods_end_counts_only_its_days_inside(conn: Connection) -> None:
    """Out 29 Mar, back 5 Apr: March sees 29, 30, 31; it started in March."""
    item = make_item(conn)
    make_loan(conn, item_id=item, loaned_at=at("2024-03-29T12:00"), returned_at=at("2024-04-05T12:00"))
    row = usage_of(conn, item, march())
    assert (row["loan_days"], row["loans_started"]) == (3, 1)
    kpis = metrics.kpis(conn, period=march())
    assert kpis["mean_loan_days"] is None  # nothing returned in March
    assert kpis["on_time_rate"] is None


def test_an_open_loan_runs_to_as_of_and_the_future_is_cut(conn: Connection) -> None:
    """Seen at 25 Mar 12:00: the period ends after 25 Mar (25 days); the open loan from
    20 Mar occupies 20..25 Mar (6 days); it is on loan but not overdue (due 27 Mar)."""
    item = make_item(conn)
    make_loan(conn, item_id=item, loaned_at=at("2024-03-20T10:00"), due_at=at("2024-03-27T10:00"))
    period = march(as_of=at("2024-03-25T12:00"))
    row = usage_of(conn, item, period)
    assert (row["circulation_days"], row["loan_days"]) == (25, 6)
    kpis = metrics.kpis(conn, period=period)
    assert (kpis["on_loan"], kpis["overdue"]) == (1, 0)


def test_a_loan_returned_after_as_of_is_still_out_at_as_of(conn: Connection) -> None:
    """Back on 30 Mar, but the report is as of 25 Mar: still on loan then, 20..25 Mar."""
    item = make_item(conn)
    make_loan(conn, item_id=item, loaned_at=at("2024-03-20T10:00"), returned_at=at("2024-03-30T10:00"))
    period = march(as_of=at("2024-03-25T12:00"))
    assert usage_of(conn, item, period)["loan_days"] == 6
    assert metrics.kpis(conn, period=period)["on_loan"] == 1


@pytest.mark.parametrize(
    ("days_late", "bucket"),
    [(7, "1-7"), (8, "8-30"), (30, "8-30"), (31, "31-60"), (60, "31-60"), (61, "61+")],
)
def test_an_overdue_loan_lands_in_the_right_aging_bucket_at_each_edge(
    conn: Connection, days_late: int, bucket: str
) -> None:
    """As of 1 Jun 12:00, a loan due `days_late` days earlier (at 09:00) is that many days late."""
    as_of = at("2024-06-01T12:00")
    due = as_of.replace(hour=9) - timedelta(days=days_late)
    make_loan(conn, loaned_at=due - timedelta(days=7), due_at=due)
    frame = metrics.overdue(conn, as_of=as_of, timezone="UTC")
    assert frame[["days_overdue", "bucket"]].values.tolist() == [[days_late, bucket]]


def test_a_loan_due_earlier_on_the_same_day_is_one_day_overdue(conn: Connection) -> None:
    """Due 1 Jun 10:00, seen 1 Jun 12:00: past due; days_overdue is at least 1."""
    make_loan(conn, loaned_at=at("2024-05-25T10:00"), due_at=at("2024-06-01T10:00"))
    make_loan(conn, loaned_at=at("2024-05-25T10:00"), due_at=at("2024-06-01T13:00"))  # not yet due
    frame = metrics.overdue(conn, as_of=at("2024-06-01T12:00"), timezone="UTC")
    assert frame[["days_overdue", "bucket"]].values.tolist() == [[1, "1-7"]]
    assert len(metrics.on_loan(conn, as_of=at("2024-06-01T12:00"))) == 2


def test_the_overdue_frame_starts_with_the_contract_columns(conn: Connection) -> None:
    make_loan(conn, loaned_at=at("2024-05-01T10:00"), due_at=at("2024-05-08T10:00"))
    frame = metrics.overdue(conn, as_of=at("2024-06-01T12:00"))
    assert list(frame.columns[:9]) == [
        "item_code", "item_name", "member_no", "member_name", "loaned_at", "due_at",
        "days_overdue", "bucket", "replacement_value",
    ]


def test_maintenance_during_a_loan_is_neither_circulation_nor_loan_days(conn: Connection) -> None:
    """Loan 8..17 Mar (10 days), repair 10..14 Mar (5 days): circulation 31 - 5 = 26,
    loan days 10 - 5 = 5."""
    item = make_item(conn)
    make_maintenance(conn, item_id=item, started_on=date(2024, 3, 10), ended_on=date(2024, 3, 15))
    make_loan(conn, item_id=item, loaned_at=at("2024-03-08T10:00"), returned_at=at("2024-03-18T10:00"))
    row = usage_of(conn, item, march())
    assert (row["circulation_days"], row["loan_days"]) == (26, 5)
    assert row["utilisation"] == pytest.approx(5 / 26)


def test_open_maintenance_takes_the_item_out_until_the_end(conn: Connection) -> None:
    """In repair from 25 Mar with no end: circulation 1..24 Mar = 24 days."""
    item = make_item(conn)
    make_maintenance(conn, item_id=item, started_on=date(2024, 3, 25), ended_on=None)
    assert usage_of(conn, item, march())["circulation_days"] == 24


def test_maintenance_ending_the_day_it_starts_takes_no_day(conn: Connection) -> None:
    item = make_item(conn)
    make_maintenance(conn, item_id=item, started_on=date(2024, 3, 5), ended_on=date(2024, 3, 5))
    assert usage_of(conn, item, march())["circulation_days"] == 31


def test_an_item_acquired_mid_period_counts_from_its_first_day(conn: Connection) -> None:
    """Acquired 10 Mar: 10..31 Mar = 22 days."""
    item = make_item(conn, acquired_on=date(2024, 3, 10))
    assert usage_of(conn, item, march())["circulation_days"] == 22


def test_an_item_retired_mid_period_leaves_the_denominator_that_day(conn: Connection) -> None:
    """Retired on 20 Mar: in circulation 1..19 Mar = 19 days; its loan 15..16 Mar = 2 days."""
    item = make_item(conn, status="retired", retired_on=date(2024, 3, 20))
    make_loan(conn, item_id=item, loaned_at=at("2024-03-15T10:00"), returned_at=at("2024-03-17T10:00"))
    row = usage_of(conn, item, march())
    assert (row["circulation_days"], row["loan_days"]) == (19, 2)


def test_an_item_acquired_after_the_period_is_not_listed(conn: Connection) -> None:
    item = make_item(conn, acquired_on=date(2024, 5, 1))
    assert item not in set(metrics.item_usage(conn, period=march())["item_id"])


def test_loans_either_side_of_midnight_fall_on_the_library_time_zones_days(conn: Connection) -> None:
    """In Berlin (UTC+1, UTC+2 from 31 Mar 02:00):
    - out 29 Feb 23:30 UTC = 1 Mar 00:30 Berlin, back 1 Mar 23:30 UTC = 2 Mar 00:30 Berlin:
      a March loan occupying 1 Mar only (in UTC it would be a February loan occupying 29 Feb);
    - out 31 Mar 22:30 UTC = 1 Apr 00:30 Berlin: an April loan (a March one in UTC)."""
    early, late = make_item(conn), make_item(conn)
    make_loan(conn, item_id=early, loaned_at=at("2024-02-29T23:30"), returned_at=at("2024-03-01T23:30"))
    make_loan(conn, item_id=late, loaned_at=at("2024-03-31T22:30"), returned_at=at("2024-04-02T10:00"))
    berlin = march(timezone="Europe/Berlin")
    assert (usage_of(conn, early, berlin)["loan_days"], usage_of(conn, early, berlin)["loans_started"]) == (1, 1)
    assert (usage_of(conn, late, berlin)["loan_days"], usage_of(conn, late, berlin)["loans_started"]) == (0, 0)
    utc = march(timezone="UTC")
    assert (usage_of(conn, early, utc)["loan_days"], usage_of(conn, early, utc)["loans_started"]) == (0, 0)
    assert (usage_of(conn, late, utc)["loan_days"], usage_of(conn, late, utc)["loans_started"]) == (1, 1)


def test_overdue_days_are_counted_in_the_library_time_zone(conn: Connection) -> None:
    """Due 31 May 23:30 UTC = 1 Jun 01:30 Berlin; seen 1 Jun 22:30 UTC = 2 Jun 00:30 Berlin:
    1 day overdue in Berlin, 1 in UTC too (1 Jun - 31 May), but 2 Jun - 1 Jun in Berlin."""
    make_loan(conn, loaned_at=at("2024-05-20T10:00"), due_at=at("2024-05-31T23:30"))
    seen = at("2024-06-01T22:30")
    assert metrics.overdue(conn, as_of=seen, timezone="Europe/Berlin")["days_overdue"].tolist() == [1]
    assert metrics.overdue(conn, as_of=at("2024-06-02T22:30"), timezone="Europe/Berlin")["days_overdue"].tolist() == [2]
    assert metrics.overdue(conn, as_of=at("2024-06-02T22:30"), timezone="UTC")["days_overdue"].tolist() == [2]


def test_group_utilisation_is_pooled_not_an_average_of_ratios(conn: Connection) -> None:
    """Drill A lent all March (31 of 31), drill B acquired 22 Mar never lent (0 of 10):
    pooled 31 / 41, not (1 + 0) / 2."""
    top = make_category(conn, name="Power tools")
    drills = make_category(conn, name="Drills", parent_id=top)
    shed = make_location(conn, name="Shed")
    a = make_item(conn, category_id=drills, location_id=shed)
    make_item(conn, category_id=drills, location_id=shed, acquired_on=date(2024, 3, 22))
    make_loan(conn, item_id=a, loaned_at=at("2024-02-20T10:00"), returned_at=at("2024-04-02T10:00"))
    by_category = metrics.utilisation(conn, period=march(), by="category")
    row = by_category[by_category["category"] == "Power tools / Drills"].iloc[0]
    assert (row["circulation_days"], row["loan_days"]) == (41, 31)
    assert row["utilisation"] == pytest.approx(31 / 41)
    by_location = metrics.utilisation(conn, period=march(), by="location")
    assert by_location[by_location["location"] == "Shed"]["utilisation"].iloc[0] == pytest.approx(31 / 41)
    library = metrics.utilisation(conn, period=march(), by="library", filters=Filters(location_id=shed))
    assert library.iloc[0][["circulation_days", "loan_days"]].tolist() == [41, 31]


def test_utilisation_refuses_an_unknown_grouping(conn: Connection) -> None:
    with pytest.raises(ValidationFailed, match="library, item, category, location"):
        metrics.utilisation(conn, period=march(), by="colour")


def test_a_category_filter_takes_in_its_sub_categories_unless_told_not_to(conn: Connection) -> None:
    top = make_category(conn, name="Garden")
    sub = make_category(conn, name="Mowers", parent_id=top)
    other = make_category(conn, name="Kitchen")
    in_top, in_sub, elsewhere = (make_item(conn, category_id=c) for c in (top, sub, other))
    ids = lambda f: set(metrics.item_usage(conn, period=march(), filters=f)["item_id"])  # noqa: E731
    assert ids(Filters(category_id=top)) == {in_top, in_sub}
    assert ids(Filters(category_id=top, include_subcategories=False)) == {in_top}
    assert ids(Filters(category_id=sub)) == {in_sub}
    assert elsewhere in ids(None)
    assert Filters(category_id=top).describe(conn) == "category Garden and its sub-categories"


def test_the_summary_numbers_of_a_small_month(conn: Connection) -> None:
    """Three items (values 100, 50, 20), two members:
    - ann borrows the drill 1..4 Mar (due 8 Mar, on time) and the ladder 10 Mar, back 20 Mar
      (due 17 Mar: late);
    - bob borrows the drill 25 Mar, still out on 10 Apr (due 1 Apr: overdue);
    - the tent (20) is never lent.
    loans 3, borrowers 2, value lent 100 + 50 + 100 = 250, turnover 3 / 3 = 1,
    returned in March: 3 days and 10 days -> mean 6.5, on time 1 of 2 = 0.5;
    on loan 1, overdue 1; loan days 3 + 10 + 7 = 20 of 93 circulation days."""
    drill = make_item(conn, replacement_value=100)
    ladder = make_item(conn, replacement_value=50)
    make_item(conn, replacement_value=20)
    ann, bob = make_member(conn), make_member(conn)
    make_loan(conn, item_id=drill, member_id=ann, loaned_at=at("2024-03-01T10:00"),
              due_at=at("2024-03-08T10:00"), returned_at=at("2024-03-04T10:00"))
    make_loan(conn, item_id=ladder, member_id=ann, loaned_at=at("2024-03-10T10:00"),
              due_at=at("2024-03-17T10:00"), returned_at=at("2024-03-20T10:00"))
    make_loan(conn, item_id=drill, member_id=bob, loaned_at=at("2024-03-25T10:00"),
              due_at=at("2024-04-01T10:00"))
    kpis = metrics.kpis(conn, period=march())
    assert kpis == {
        "loans_started": 3, "active_borrowers": 2, "value_lent": 250.0, "turnover": 1.0,
        "mean_loan_days": 6.5, "on_time_rate": 0.5, "on_loan": 1, "overdue": 1,
        "utilisation": pytest.approx(20 / 93), "items_in_circulation": 3, "never_borrowed": 1,
    }
    assert list(kpis) == list(metrics.KPI_KEYS)


def test_monthly_trend_splits_a_loan_across_months(conn: Connection) -> None:
    """Feb-Mar 2024; a loan 27 Feb .. 1 Mar (back 2 Mar) gives Feb 3 loan days (27, 28, 29)
    and Mar 1; the item circulates 29 + 31 days; one member joins in February."""
    item = make_item(conn)
    make_loan(conn, item_id=item, loaned_at=at("2024-02-27T10:00"), returned_at=at("2024-03-02T10:00"))
    make_member(conn, joined_on=date(2024, 2, 14))
    period = Period(date(2024, 2, 1), date(2024, 4, 1), as_of=LATER)
    trend = metrics.monthly_trend(conn, period=period)
    assert trend["month"].tolist() == [date(2024, 2, 1), date(2024, 3, 1)]
    assert trend[["loans_started", "loan_days", "circulation_days", "new_members"]].values.tolist() == [
        [1, 3, 29, 1], [0, 1, 31, 0],
    ]
    assert trend["utilisation"].tolist() == pytest.approx([3 / 29, 1 / 31])


def test_the_heatmap_has_one_cell_per_category_and_month(conn: Connection) -> None:
    """Tents lent 30 Mar .. 1 Apr (back 2 Apr): March 2 of 31 days, April 1 of 30."""
    tents = make_category(conn, name="Tents")
    item = make_item(conn, category_id=tents)
    make_loan(conn, item_id=item, loaned_at=at("2024-03-30T10:00"), returned_at=at("2024-04-02T10:00"))
    period = Period(date(2024, 3, 1), date(2024, 5, 1), as_of=at("2024-06-01T00:00"))
    frame = metrics.category_month_utilisation(conn, period=period)
    cells = frame[frame["category"] == "Tents"]
    assert cells["month"].tolist() == [date(2024, 3, 1), date(2024, 4, 1)]
    assert cells["utilisation"].tolist() == pytest.approx([2 / 31, 1 / 30])


def test_demand_counts_the_days_every_copy_was_out(conn: Connection) -> None:
    """Two ladders: A out all March, B out 1..10 Mar: all copies out on 10 of 31 days;
    pooled utilisation (31 + 10) / 62 = 0.66 -> below 0.7, share 0.32 -> below 0.5: 'ok'.
    One lonely tent never lent: utilisation 0 -> 'idle: reconsider'."""
    ladders = make_category(conn, name="Ladders")
    tents = make_category(conn, name="Tents")
    a, b = make_item(conn, category_id=ladders), make_item(conn, category_id=ladders)
    make_item(conn, category_id=tents)
    make_loan(conn, item_id=a, loaned_at=at("2024-02-20T10:00"), returned_at=at("2024-04-03T10:00"))
    make_loan(conn, item_id=b, loaned_at=at("2024-03-01T10:00"), returned_at=at("2024-03-11T10:00"))
    frame = metrics.demand(conn, period=march()).set_index("category")
    assert frame.loc["Ladders", "all_out_days"] == 10
    assert frame.loc["Ladders", "all_out_share"] == pytest.approx(10 / 31)
    assert frame.loc["Ladders", "utilisation"] == pytest.approx(41 / 62)
    assert frame.loc["Ladders", "signal"] == metrics.SIGNAL_OK
    assert frame.loc["Tents", "signal"] == metrics.SIGNAL_IDLE


def test_demand_asks_for_another_copy_when_all_copies_are_usually_out(conn: Connection) -> None:
    drills = make_category(conn, name="Drills")
    item = make_item(conn, category_id=drills)
    make_loan(conn, item_id=item, loaned_at=at("2024-03-01T10:00"), returned_at=at("2024-03-20T10:00"))
    # 19 of 31 days out: share 0.61 >= 0.5
    assert metrics.demand(conn, period=march()).set_index("category").loc["Drills", "signal"] == metrics.SIGNAL_BUY


def test_every_summary_metric_has_a_plain_words_definition() -> None:
    for key in metrics.KPI_KEYS:
        assert key in metrics.METRIC_DEFINITIONS
    assert "64 %" in metrics.METRIC_DEFINITIONS["utilisation"]
