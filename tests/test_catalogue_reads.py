"""The dashboard's catalogue and member reads (toolshare_core.catalogue, member_stats), on
small hand-made libraries whose answers are worked out by hand in each test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import (
    make_category,
    make_item,
    make_loan,
    make_location,
    make_maintenance,
    make_member,
)
from sqlalchemy.engine import Connection

from toolshare_core import catalogue, member_stats
from toolshare_core.errors import NotFound, ValidationFailed
from toolshare_core.filters import Filters
from toolshare_core.periods import Period

AS_OF = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def shelf(conn: Connection) -> dict[str, int]:
    """Power tools / Drills (2 drills, one out now), Garden (a mower), two locations."""
    main, shed = make_location(conn, name="Main"), make_location(conn, name="Shed")
    power = make_category(conn, name="Power tools")
    drills = make_category(conn, name="Drills", parent_id=power)
    garden = make_category(conn, name="Garden")
    ids = {
        "drill_a": make_item(conn, code="PT-DRL-1", name="Cordless drill", category_id=drills,
                             location_id=main),
        "drill_b": make_item(conn, code="PT-DRL-2", name="Hammer drill_50%", category_id=drills,
                             location_id=shed, condition="fair"),
        "mower": make_item(conn, code="GD-MOW-1", name="Lawn mower", category_id=garden,
                           location_id=shed, status="retired", retired_on=date(2024, 5, 1)),
        "power": power, "drills": drills, "garden": garden, "main": main, "shed": shed,
    }
    return ids


def test_searching_drill_finds_both_drills_and_says_which_is_out(
    conn: Connection, shelf: dict[str, int]
) -> None:
    member = make_member(conn)
    make_loan(conn, item_id=shelf["drill_a"], member_id=member, loaned_at=at("2024-06-14T10:00"),
              due_at=at("2024-06-21T10:00"))
    frame = catalogue.search_items(conn, as_of=AS_OF, text="DRILL")
    assert list(frame["item_code"]) == ["PT-DRL-1", "PT-DRL-2"]
    assert list(frame["on_loan"]) == [True, False]
    assert list(frame["category"]) == ["Power tools / Drills"] * 2
    assert list(frame["total_matches"]) == [2, 2]


def test_a_percent_sign_in_the_search_is_taken_literally(
    conn: Connection, shelf: dict[str, int]
) -> None:
    assert list(catalogue.search_items(conn, as_of=AS_OF, text="_50%")["item_code"]) == ["PT-DRL-2"]
    assert catalogue.search_items(conn, as_of=AS_OF, text="%x%").empty


def test_filters_status_and_condition_narrow_the_search(
    conn: Connection, shelf: dict[str, int]
) -> None:
    by_top = catalogue.search_items(conn, as_of=AS_OF, filters=Filters(category_id=shelf["power"]))
    assert set(by_top["item_code"]) == {"PT-DRL-1", "PT-DRL-2"}
    in_shed = catalogue.search_items(conn, as_of=AS_OF, filters=Filters(location_id=shelf["shed"]))
    assert set(in_shed["item_code"]) == {"PT-DRL-2", "GD-MOW-1"}
    retired = catalogue.search_items(conn, as_of=AS_OF, status="retired")
    assert set(retired["item_code"]) >= {"GD-MOW-1"} and set(retired["status"]) == {"retired"}
    fair = catalogue.search_items(conn, as_of=AS_OF, filters=Filters(location_id=shelf["shed"]),
                                  condition="fair")
    assert list(fair["item_code"]) == ["PT-DRL-2"]


def test_a_capped_search_says_how_many_matched_in_all(
    conn: Connection, shelf: dict[str, int]
) -> None:
    frame = catalogue.search_items(conn, as_of=AS_OF, text="PT-DRL", limit=1)
    assert len(frame) == 1 and int(frame["total_matches"].iloc[0]) == 2


@pytest.mark.parametrize("field", ["status", "condition"])
def test_an_unknown_status_or_condition_is_refused_with_the_choices(
    conn: Connection, field: str
) -> None:
    with pytest.raises(ValidationFailed, match="choose one of"):
        catalogue.search_items(conn, as_of=AS_OF, **{field: "shiny"})


def test_an_items_page_lists_its_loans_newest_first_with_plain_states(
    conn: Connection, shelf: dict[str, int]
) -> None:
    ann, bob = make_member(conn, member_no="M-ANN"), make_member(conn, member_no="M-BOB")
    drill = shelf["drill_a"]
    make_loan(conn, item_id=drill, member_id=ann, loaned_at=at("2024-05-01T10:00"),
              due_at=at("2024-05-08T10:00"), returned_at=at("2024-05-07T10:00"))
    make_loan(conn, item_id=drill, member_id=bob, loaned_at=at("2024-05-10T10:00"),
              due_at=at("2024-05-17T10:00"), returned_at=at("2024-05-20T10:00"))
    # returned on 20 June, after the moment we look from (15 June): still out and overdue then
    make_loan(conn, item_id=drill, member_id=ann, loaned_at=at("2024-06-01T10:00"),
              due_at=at("2024-06-08T10:00"), returned_at=at("2024-06-20T10:00"))
    make_loan(conn, item_id=drill, member_id=bob, loaned_at=at("2024-07-01T10:00"),
              due_at=at("2024-07-08T10:00"))  # starts after as_of: not shown
    loans = catalogue.item_loans(conn, item_id=drill, as_of=AS_OF)
    assert list(loans["member_no"]) == ["M-ANN", "M-BOB", "M-ANN"]
    assert list(loans["state"]) == ["overdue", "returned late", "returned"]
    assert loans["returned_at"].isna().tolist() == [True, False, False]
    detail = catalogue.item_detail(conn, item_code=" PT-DRL-1 ")
    assert (detail.item_id, detail.category, detail.location) == (drill, "Power tools / Drills",
                                                                 "Main")


def test_an_unknown_item_code_is_not_found(conn: Connection) -> None:
    with pytest.raises(NotFound, match="no item with code 'NOPE'"):
        catalogue.item_detail(conn, item_code="NOPE")


def test_maintenance_days_in_the_period_are_counted_inside_it_only(
    conn: Connection, shelf: dict[str, int]
) -> None:
    drill, other = shelf["drill_a"], shelf["drill_b"]
    # June 2024 seen on 15 June: days counted are 1..15 June (15 days).
    # Job A: 25 May - 5 June (ended_on exclusive): 1-4 June = 4 days in the period.
    make_maintenance(conn, item_id=drill, started_on=date(2024, 5, 25), ended_on=date(2024, 6, 5),
                     cost=20, kind="repair")
    # Job B: open since 10 June: 10-15 June = 6 days.
    make_maintenance(conn, item_id=other, started_on=date(2024, 6, 10), cost=5, kind="service")
    # Job C: ended before the period: not listed.
    make_maintenance(conn, item_id=other, started_on=date(2024, 4, 1), ended_on=date(2024, 4, 3))
    period = Period(start=date(2024, 6, 1), end=date(2024, 7, 1), as_of=AS_OF)
    jobs = catalogue.maintenance_jobs(conn, period=period)
    assert list(jobs["item_code"]) == ["PT-DRL-2", "PT-DRL-1"]  # newest first
    assert list(jobs["days_in_period"]) == [6, 4]
    assert list(jobs["state"]) == ["open", "closed"]
    assert list(jobs["cost"]) == [5.0, 20.0]
    only_main = catalogue.maintenance_jobs(conn, period=period,
                                           filters=Filters(location_id=shelf["main"]))
    assert list(only_main["item_code"]) == ["PT-DRL-1"]
    history = catalogue.item_maintenance(conn, item_id=other, today=date(2024, 6, 15))
    assert list(history["days_out_of_service"]) == [5, 2]  # open job: 10 -> 15 June so far


def test_filter_choices_list_category_paths_and_locations(
    conn: Connection, shelf: dict[str, int]
) -> None:
    categories = catalogue.category_options(conn)
    assert categories[shelf["drills"]] == "Power tools / Drills"
    assert categories[shelf["garden"]] == "Garden"
    assert catalogue.location_options(conn)[shelf["shed"]] == "Shed"


def test_a_members_page_shows_their_loans_and_a_search_finds_them(
    conn: Connection, shelf: dict[str, int]
) -> None:
    ann = make_member(conn, member_no="M-7001", name="Ann Example", email="ann@example.org",
                      postcode="E8 1AA")
    make_loan(conn, item_id=shelf["drill_b"], member_id=ann, loaned_at=at("2024-06-10T09:00"),
              due_at=at("2024-06-17T09:00"))
    make_loan(conn, item_id=shelf["drill_a"], member_id=ann, loaned_at=at("2024-06-01T09:00"),
              due_at=at("2024-06-08T09:00"), returned_at=at("2024-06-03T09:00"))
    found = member_stats.search_members(conn, text="ann@example")
    assert list(found["member_no"]) == ["M-7001"]
    detail = member_stats.member_detail(conn, member_no="M-7001")
    assert (detail.member_name, detail.postcode) == ("Ann Example", "E8 1AA")
    loans = member_stats.member_loans(conn, member_id=detail.member_id, as_of=AS_OF)
    assert list(loans["item_code"]) == ["PT-DRL-2", "PT-DRL-1"]
    assert list(loans["state"]) == ["on loan", "returned"]
    with pytest.raises(NotFound):
        member_stats.member_detail(conn, member_no="M-NONE")


def test_nothing_in_the_future_is_shown_on_a_members_page(
    conn: Connection, shelf: dict[str, int]
) -> None:
    bob = make_member(conn)
    make_loan(conn, item_id=shelf["drill_a"], member_id=bob, loaned_at=AS_OF + timedelta(hours=1),
              due_at=AS_OF + timedelta(days=7))
    assert member_stats.member_loans(conn, member_id=bob, as_of=AS_OF).empty


@pytest.mark.parametrize(("typed", "pattern"), [
    ("drill", "%drill%"),
    ("  50% off_cut \\ ", "%50\\% off\\_cut \\\\%"),
    ("   ", None),
    (None, None),
])
def test_search_text_is_matched_literally_wildcards_and_all(typed: str | None, pattern: str | None) -> None:
    from toolshare_core.filters import contains_pattern

    assert contains_pattern(typed) == pattern
