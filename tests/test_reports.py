"""Reports: names, columns and rows of every report (issue 3, spec/METRICS.md)."""

from __future__ import annotations

from datetime import date, datetime
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
from toolshare_core.errors import ValidationFailed
from toolshare_core.filters import Filters
from toolshare_core.periods import Period
from toolshare_core.reports import REPORTS, run_report

CONTRACT_NAMES = ["summary", "utilisation", "overdue", "trend", "top_items", "never_borrowed",
                  "loan_history", "inventory", "maintenance", "members", "impact"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("UTC"))


MARCH = Period(date(2024, 3, 1), date(2024, 4, 1), as_of=at("2024-04-10T12:00"))


@pytest.fixture
def library(conn: Connection) -> dict[str, int]:
    """Two drills and a tent; ann (AB1) borrows drill 1 twice, bob (CD2) the tent once and
    keeps it (overdue by 10 Apr); drill 2 is never lent and had a 40.00 repair plus a 10.00 one."""
    tools = make_category(conn, name="Tools")
    drills = make_category(conn, name="Drills", parent_id=tools)
    camping = make_category(conn, name="Camping")
    shed, hall = make_location(conn, name="Shed"), make_location(conn, name="Hall")
    d1 = make_item(conn, code="DR-1", name="Drill one", category_id=drills, location_id=shed, replacement_value=120)
    d2 = make_item(conn, code="DR-2", name="Drill two", category_id=drills, location_id=shed, replacement_value=80)
    tent = make_item(conn, code="TE-1", name="Tent", category_id=camping, location_id=hall, replacement_value=200)
    ann = make_member(conn, member_no="A-1", name="Ann", postcode="ab1 2cd", joined_on=date(2024, 3, 3))
    bob = make_member(conn, member_no="B-1", name="Bob", postcode="CD2 9ZZ")
    make_loan(conn, item_id=d1, member_id=ann, loaned_at=at("2024-03-02T10:00"), returned_at=at("2024-03-05T10:00"))
    make_loan(conn, item_id=d1, member_id=ann, loaned_at=at("2024-03-10T10:00"), returned_at=at("2024-03-20T10:00"))
    make_loan(conn, item_id=tent, member_id=bob, loaned_at=at("2024-03-25T10:00"), due_at=at("2024-04-01T10:00"))
    make_maintenance(conn, item_id=d2, started_on=date(2024, 3, 5), ended_on=date(2024, 3, 8), cost=40)
    make_maintenance(conn, item_id=d2, started_on=date(2024, 3, 20), ended_on=date(2024, 3, 21), cost=10)
    return {"d1": d1, "d2": d2, "tent": tent, "ann": ann, "bob": bob, "tools": tools, "shed": shed}


def test_the_eleven_reports_have_their_contract_names() -> None:
    assert list(REPORTS) == CONTRACT_NAMES
    assert [n for n, s in REPORTS.items() if s.takes_by] == ["utilisation"]


def test_an_unknown_report_name_lists_the_valid_ones(conn: Connection) -> None:
    with pytest.raises(ValidationFailed, match="unknown report 'usage'; choose one of summary, utilisation"):
        run_report(conn, "usage", period=MARCH)


def test_an_unknown_grouping_lists_the_valid_ones(conn: Connection) -> None:
    with pytest.raises(ValidationFailed, match="choose one of item, category, location"):
        run_report(conn, "utilisation", period=MARCH, by="member")
    with pytest.raises(ValidationFailed, match="--by is only for utilisation"):
        run_report(conn, "overdue", period=MARCH, by="item")


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_every_report_has_exactly_its_declared_columns(conn: Connection, library: dict[str, int], name: str) -> None:
    report = run_report(conn, name, period=MARCH)
    assert tuple(report.frame.columns) == REPORTS[name].columns_for(report.by)
    assert report.period == MARCH and report.filters_text == "all items"


def test_summary_has_one_row_per_metric_in_the_contract_order(conn: Connection, library: dict[str, int]) -> None:
    """3 loans (2 by ann, 1 by bob), value 120 + 120 + 200 = 440; 1 on loan and overdue."""
    frame = run_report(conn, "summary", period=MARCH).frame
    assert frame["metric"].tolist() == ["loans_started", "active_borrowers", "value_lent", "turnover",
                                        "mean_loan_days", "on_time_rate", "on_loan", "overdue", "utilisation"]
    values = dict(zip(frame["metric"], frame["value"], strict=True))
    assert (values["loans_started"], values["active_borrowers"], values["value_lent"]) == (3, 2, 440.0)
    assert (values["on_loan"], values["overdue"]) == (1, 1)
    assert values["mean_loan_days"] == pytest.approx((3 + 10) / 2)


@pytest.mark.parametrize(
    ("by", "keys"),
    [("item", ["DR-1", "DR-2", "TE-1"]), ("category", ["Camping", "Tools / Drills"]), ("location", ["Hall", "Shed"])],
)
def test_utilisation_rows_are_sorted_by_their_grouping(conn: Connection, library: dict[str, int], by: str, keys: list[str]) -> None:
    frame = run_report(conn, "utilisation", period=MARCH, by=by).frame
    assert frame.iloc[:, 0].tolist() == keys


def test_utilisation_by_category_pools_the_drills(conn: Connection, library: dict[str, int]) -> None:
    """Drill one: 31 days, lent 3 + 10 = 13. Drill two: 31 - 3 - 1 = 27 days, never lent.
    Pooled 13 / 58."""
    frame = run_report(conn, "utilisation", period=MARCH, by="category").frame.set_index("category")
    assert frame.loc["Tools / Drills"].tolist() == [58, 13, pytest.approx(13 / 58), 2]


def test_overdue_report_lists_bobs_tent_with_exactly_the_contract_columns(conn: Connection, library: dict[str, int]) -> None:
    frame = run_report(conn, "overdue", period=MARCH).frame
    assert frame[["item_code", "member_no", "days_overdue", "bucket", "replacement_value"]].values.tolist() == [
        ["TE-1", "B-1", 9, "8-30", 200.0]  # due 1 Apr, as of 10 Apr
    ]


def test_top_items_ranks_by_loans_and_never_borrowed_lists_the_rest(conn: Connection, library: dict[str, int]) -> None:
    top = run_report(conn, "top_items", period=MARCH).frame
    assert top[["rank", "item_code", "loans_started"]].values.tolist() == [[1, "DR-1", 2], [2, "TE-1", 1]]
    never = run_report(conn, "never_borrowed", period=MARCH).frame
    assert never["item_code"].tolist() == ["DR-2"]
    assert never["circulation_days"].tolist() == [27]


def test_loan_history_filters_by_item_and_member(conn: Connection, library: dict[str, int]) -> None:
    assert len(run_report(conn, "loan_history", period=MARCH).frame) == 3
    by_item = run_report(conn, "loan_history", period=MARCH, item_code="DR-1").frame
    assert by_item["loan_days"].tolist() == [3, 10]
    assert by_item["on_time"].tolist() == [True, False]  # due 7 days after lending: 17 Mar < 20 Mar
    by_member = run_report(conn, "loan_history", period=MARCH, member_no="B-1").frame
    assert by_member["item_code"].tolist() == ["TE-1"] and by_member["on_time"].isna().all()
    with pytest.raises(ValidationFailed, match="no item with code 'XX-9'"):
        run_report(conn, "loan_history", period=MARCH, item_code="XX-9")


def test_inventory_shows_each_items_state_at_as_of(conn: Connection, library: dict[str, int]) -> None:
    """As of 6 Mar 12:00: drill one came back on 5 Mar -> available; drill two is in repair
    (5..7 Mar); the tent is not lent until 25 Mar -> available."""
    period = Period(date(2024, 3, 1), date(2024, 4, 1), as_of=at("2024-03-06T12:00"))
    frame = run_report(conn, "inventory", period=period).frame
    assert frame[["item_code", "state"]].values.tolist() == [
        ["DR-1", "available"], ["DR-2", "in maintenance"], ["TE-1", "available"]]
    later = run_report(conn, "inventory", period=MARCH).frame
    assert later.set_index("item_code").loc["TE-1", "state"] == "on loan"


def test_maintenance_report_adds_up_cost_and_days_out(conn: Connection, library: dict[str, int]) -> None:
    """Drill two: repairs 5..7 Mar (3 days, 40.00) and 20 Mar (1 day, 10.00): 50.00 of a
    value of 80.00 = 0.625, a repeat repair."""
    frame = run_report(conn, "maintenance", period=MARCH).frame
    assert frame.values.tolist() == [["DR-2", "Drill two", "Tools / Drills", 2, 50.0, 4, 80.0, 0.625, True]]


def test_members_report_groups_by_postcode_area(conn: Connection, library: dict[str, int]) -> None:
    frame = run_report(conn, "members", period=MARCH).frame
    assert frame.values.tolist() == [["AB1", 1, 1, 1, 2], ["CD2", 1, 0, 1, 1]]


def test_impact_report_has_months_categories_and_reach(conn: Connection, library: dict[str, int]) -> None:
    report = run_report(conn, "impact", period=MARCH)
    assert report.frame.values.tolist() == [[date(2024, 3, 1), 3, 2, 440.0, 1]]
    assert report.kpis["value_lent"] == 440.0 and report.kpis["postcode_areas"] == 2
    assert report.extra_frames["top_categories"][["category", "loans_started"]].values.tolist() == [
        ["Tools", 2], ["Camping", 1]]  # rolled up to the top-level category
    assert report.extra_frames["postcode_reach"]["postcode_area"].tolist() == ["AB1", "CD2"]


def test_a_filtered_report_says_so_in_its_header(conn: Connection, library: dict[str, int]) -> None:
    report = run_report(conn, "utilisation", period=MARCH, filters=Filters(category_id=library["tools"], location_id=library["shed"]))
    assert report.filters_text == "category Tools and its sub-categories; location Shed"
    assert report.frame["item_code"].tolist() == ["DR-1", "DR-2"]
