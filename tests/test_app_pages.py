"""AppTest of the dashboard's read pages: every page renders, the period and filters do what
an organiser expects, and a link (the query string) reproduces a view.

Expected numbers come from calling the core directly (toolshare_core.metrics / catalogue) or
from plain SQL written here, never from the page under test.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import Database
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from dashboard import registry, ui
from tests.app_login import open_app, own_schema, point_app_at
from toolshare_core import auth, metrics, reports
from toolshare_core.config import get_settings
from toolshare_core.db import make_engine
from toolshare_core.filters import Filters
from toolshare_core.periods import Period, local_midnight, preset_period

pytestmark = pytest.mark.app

READ_PAGES = ["pages/overview.py", "pages/utilisation.py", "pages/inventory.py",
              "pages/loans.py", "pages/members.py", "pages/maintenance.py", "pages/reports.py"]
ALL_PAGES = [page.path for page in registry.PAGES]


TOKENS: dict[str, str] = {}  # schema -> a live session token of an organiser (admin)


def _sign_in_organiser(db: Database) -> None:
    """Create an admin account (random password, never stored) and a session for the tests."""
    engine = make_engine(db.url, schema=db.schema)
    try:
        with engine.begin() as conn:
            user = auth.ensure_admin_from_env(conn, env={
                "TOOLSHARE_ADMIN_USERNAME": "organiser",
                "TOOLSHARE_ADMIN_PASSWORD": secrets.token_urlsafe(18)})
            assert user is not None
            TOKENS[db.schema] = auth.start_session(conn, user, hours=2)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def seeded(server_url: str) -> Iterator[Database]:
    """A schema of this module's own holding the `small` synthetic library (seed 7)."""
    with own_schema(server_url, seed_with=7) as db:
        _sign_in_organiser(db)
        yield db


@pytest.fixture(scope="module")
def empty(server_url: str) -> Iterator[Database]:
    with own_schema(server_url) as db:
        _sign_in_organiser(db)
        yield db


@pytest.fixture(scope="module")
def seeded_engine(seeded: Database) -> Iterator[Engine]:
    engine = make_engine(seeded.url, schema=seeded.schema)
    yield engine
    engine.dispose()


def _use(monkeypatch: pytest.MonkeyPatch, db: Database) -> None:
    """Point the app at `db` and forget what earlier tests cached (engine and frames)."""
    point_app_at(monkeypatch, db)
    SCHEMA[0] = db.schema


SCHEMA = [""]  # the schema _use() pointed the app at (whose session token _open() passes)


def _open(page: str, query: dict[str, str] | None = None) -> AppTest:
    # signed in with the organiser's session, as after the login form
    return open_app(TOKENS[SCHEMA[0]], None if page == "pages/overview.py" else page, query)


def _tile(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no tile {label!r} among {[m.label for m in at.metric]}"
    return values[0]


def _now() -> datetime:
    """The dashboard's 'now' (to the minute, library time zone), as data.now() has it."""
    return datetime.now(get_settings().tz).replace(second=0, microsecond=0)


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_opens_on_a_library_with_a_year_of_loans(
    page: str, seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open(page)
    assert at.header, "every page starts with a header"
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_opens_on_a_brand_new_empty_library(
    page: str, empty: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, empty)
    at = _open(page)
    assert not at.error, [e.value for e in at.error]


def test_read_pages_say_what_is_missing_instead_of_empty_charts(
    empty: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, empty)
    for page in ["pages/overview.py", "pages/utilisation.py", "pages/maintenance.py"]:
        at = _open(page)
        notes = [i.value for i in at.info]
        assert any(note.startswith("**No ") for note in notes), (page, notes)


def test_every_read_page_is_in_the_navigation() -> None:
    assert set(READ_PAGES) <= set(ALL_PAGES)


TILE_LABELS = ("Loans started", "Active borrowers", "Items in circulation", "Value lent",
               "Utilisation")


def _expected_tiles(kpis: dict[str, float | int | None]) -> dict[str, str]:
    """How the tiles should read, formatted here from the core's own values."""
    util = kpis["utilisation"]
    lent = float(kpis["value_lent"] or 0)  # whole units on a tile from 10 000 up
    return {
        "Loans started": f"{int(kpis['loans_started'] or 0):,}",
        "Active borrowers": f"{int(kpis['active_borrowers'] or 0):,}",
        "Items in circulation": f"{int(kpis['items_in_circulation'] or 0):,}",
        "Value lent": f"{lent:,.0f}" if lent >= 10_000 else f"{lent:,.2f}",
        "Utilisation": "n/a" if util is None else f"{util:.1%}",
    }


def test_an_organiser_picks_last_year_and_the_tiles_show_last_years_numbers(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open("pages/overview.py")
    tz = get_settings().toolshare_timezone
    before = {label: _tile(at, label) for label in TILE_LABELS}

    at.radio(key="period_preset").set_value("last_year").run()
    assert not at.exception
    with seeded_engine.connect() as conn:
        expected = metrics.kpis(conn, period=preset_period("last_year", as_of=_now(), timezone=tz))
    shown = {label: _tile(at, label) for label in _expected_tiles(expected)}
    assert shown == _expected_tiles(expected)
    assert shown != before, "last year's numbers differ from this month's on the seeded library"
    assert at.query_params["period"] == "last_year"


def test_this_year_tiles_equal_the_core_and_show_the_change_against_the_days_before(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open("pages/overview.py")
    at.radio(key="period_preset").set_value("this_year").run()
    tz = get_settings().toolshare_timezone
    period = preset_period("this_year", as_of=_now(), timezone=tz)
    with seeded_engine.connect() as conn:
        now_values = metrics.kpis(conn, period=period)
        # the comparison: as many days as counted so far, just before 1 January
        days = (period.effective_end - period.start).days
        before = Period(start=period.start - timedelta(days=days), end=period.start,
                        as_of=local_midnight(period.start, tz), timezone=tz)
        old_values = metrics.kpis(conn, period=before)
    assert {k: _tile(at, k) for k in _expected_tiles(now_values)} == _expected_tiles(now_values)
    delta = [m.delta for m in at.metric if m.label == "Loans started"][0]
    change = int(now_values["loans_started"] or 0) - int(old_values["loans_started"] or 0)
    assert delta == ("no change" if change == 0 else f"{change:+,}")


def test_a_custom_period_reaches_the_url_and_the_tiles(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open("pages/overview.py")
    at.radio(key="period_preset").set_value("custom").run()
    start = _now().date().replace(day=1) - timedelta(days=150)
    last = start + timedelta(days=59)
    at.date_input(key="period_from").set_value(start).run()
    at.date_input(key="period_to_inclusive").set_value(last).run()
    assert not at.exception
    assert at.query_params["period"] == "custom"
    assert at.query_params["from"] == start.isoformat()
    assert at.query_params["to"] == (last + timedelta(days=1)).isoformat()  # exclusive
    tz = get_settings().toolshare_timezone
    with seeded_engine.connect() as conn:
        expected = metrics.kpis(conn, period=Period(start=start, end=last + timedelta(days=1),
                                                    as_of=_now(), timezone=tz))
    assert {k: _tile(at, k) for k in _expected_tiles(expected)} == _expected_tiles(expected)


def test_a_shared_link_reproduces_period_and_category(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    with seeded_engine.connect() as conn:
        top_id = conn.execute(sa.text(
            "select c.id from categories c where c.parent_id is null and exists ("
            " select 1 from items i join categories s on s.id = i.category_id"
            " where s.parent_id = c.id) order by c.name limit 1")).scalar_one()
    at = _open("pages/overview.py", {"period": "last_year", "category": str(top_id)})
    assert at.radio(key="period_preset").value == "last_year"
    assert at.selectbox(key="filter_category").value == top_id
    tz = get_settings().toolshare_timezone
    with seeded_engine.connect() as conn:
        expected = metrics.kpis(conn, period=preset_period("last_year", as_of=_now(), timezone=tz),
                                filters=Filters(category_id=top_id))
    assert {k: _tile(at, k) for k in _expected_tiles(expected)} == _expected_tiles(expected)


def test_a_malformed_link_falls_back_to_this_month_without_an_error(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open("pages/overview.py", {"period": "custom", "from": "2025-13-01", "to": "x",
                                     "category": "999999", "location": "abc"})
    assert at.radio(key="period_preset").value == "this_month"
    assert at.selectbox(key="filter_category").value == 0
    assert not at.error


def test_the_period_follows_the_organiser_from_page_to_page(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open("pages/overview.py")
    at.radio(key="period_preset").set_value("last_30_days").run()
    at.switch_page("pages/utilisation.py").run()
    assert not at.exception
    assert at.radio(key="period_preset").value == "last_30_days"


def test_choosing_a_location_narrows_the_inventory_to_that_location(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    with seeded_engine.connect() as conn:
        total = conn.execute(sa.text("select count(*) from items")).scalar_one()
        location_id, name, count = conn.execute(sa.text(
            "select l.id, l.name, count(*) from locations l join items i on i.location_id = l.id"
            " group by l.id, l.name order by count(*) desc, l.id limit 1")).one()
    at = _open("pages/inventory.py")
    assert len(at.dataframe[0].value) == total
    at.selectbox(key="filter_location").set_value(location_id).run()
    table = at.dataframe[0].value
    assert 0 < len(table) == count < total
    assert set(table["location"]) == {name}
    assert at.query_params["location"] == str(location_id)


def test_searching_and_status_narrow_the_inventory(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    with seeded_engine.connect() as conn:
        retired = conn.execute(sa.text("select count(*) from items where status = 'retired'")
                               ).scalar_one()
        code = conn.execute(sa.text("select code from items order by code limit 1")).scalar_one()
    at = _open("pages/inventory.py")
    at.selectbox(key="inventory_status").set_value("retired").run()
    if retired:
        assert len(at.dataframe[0].value) == retired
        assert set(at.dataframe[0].value["status"]) == {"retired"}
    at.selectbox(key="inventory_status").set_value(None).run()
    at.text_input(key="inventory_search").input(code.lower()).run()
    assert code in set(at.dataframe[0].value["item_code"])


def test_opening_an_item_shows_its_whole_loan_history(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    with seeded_engine.connect() as conn:
        code, loans = conn.execute(sa.text(
            "select i.code, count(*) from items i join loans l on l.item_id = i.id"
            " group by i.code order by count(*) desc, i.code limit 1")).one()
    at = _open("pages/inventory.py", {"item": code})
    assert at.selectbox(key="inventory_item").value == code
    history = [d.value for d in at.dataframe if "member_no" in d.value.columns][0]
    assert len(history) == loans


def test_a_category_filter_narrows_the_overdue_list(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    with seeded_engine.connect() as conn:
        late = metrics.overdue(conn, as_of=_now())
        assert not late.empty, "the small seed has overdue loans today"
        path = late["category"].iloc[0]
        category_id = conn.execute(sa.text(
            "select category_id from category_paths where path = :p"), {"p": path}).scalar_one()
        # independent count: open loans past due whose item is in that exact category
        expected = conn.execute(sa.text(
            "select count(*) from loans l join items i on i.id = l.item_id"
            " where i.category_id = :c and l.loaned_at <= :t"
            " and (l.returned_at is null or l.returned_at > :t) and l.due_at < :t"),
            {"c": category_id, "t": _now()}).scalar_one()
        in_category = set(conn.execute(sa.text(
            "select code from items where category_id = :c"), {"c": category_id}).scalars())
    at = _open("pages/loans.py")
    at.session_state["loans_tab"] = "Overdue"  # the organiser opens the Overdue tab
    at.run()
    assert _tile(at, "Overdue now") == str(len(late))
    at.selectbox(key="filter_category").set_value(category_id).run()
    assert _tile(at, "Overdue now") == str(expected)
    table = [d.value for d in at.dataframe if "days_overdue" in d.value.columns][0]
    assert len(table) == expected
    assert set(table["item_code"]) <= in_category


def test_a_report_preview_is_the_core_report_frame(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open("pages/reports.py")
    at.selectbox(key="reports_name").set_value("utilisation").run()
    at.radio(key="reports_by").set_value("category").run()
    at.radio(key="period_preset").set_value("last_year").run()
    assert not at.exception
    shown = at.dataframe[0].value
    tz = get_settings().toolshare_timezone
    with seeded_engine.connect() as conn:
        report = reports.run_report(conn, "utilisation", by="category",
                                    period=preset_period("last_year", as_of=_now(), timezone=tz))
    assert list(shown.columns) == ["category", "circulation_days", "loan_days", "utilisation",
                                   "loans_started"]
    assert shown.reset_index(drop=True).equals(report.frame)
    assert at.query_params["report"] == "utilisation"
    assert {b.label for b in at.download_button} >= {"CSV", "XLSX", "PDF"}


def test_a_history_search_for_an_unknown_member_says_so(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open("pages/loans.py")
    at.session_state["loans_tab"] = "History search"
    at.run()
    at.text_input(key="loans_history_member").input("M-NOPE").run()
    assert not at.exception
    assert any("M-NOPE" in e.value for e in at.error)


def test_a_large_export_is_built_on_request_with_progress_then_offered_for_download(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    monkeypatch.setattr(ui, "LARGE_EXPORT_ROWS", 3)  # any report over 3 rows counts as large
    at = _open("pages/reports.py")  # the summary report (9 rows) comes first
    at.radio(key="period_preset").set_value("last_year").run()
    assert at.selectbox(key="reports_name").value == "summary"
    assert not at.download_button, "nothing is built before the organiser asks"
    at.button(key="reports_dl_prepare").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert at.status[0].label == "The export files are ready."
    assert [b.label for b in at.download_button] == ["CSV", "XLSX", "PDF"]


def test_the_demand_tab_counts_the_categories_the_core_says_to_buy_for(
    seeded: Database, seeded_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, seeded)
    at = _open("pages/utilisation.py", {"period": "last_year"})
    at.session_state["util_tab"] = "Demand"
    at.run()
    assert not at.exception
    tz = get_settings().toolshare_timezone
    with seeded_engine.connect() as conn:
        frame = metrics.demand(conn, period=preset_period("last_year", as_of=_now(), timezone=tz))
    assert _tile(at, "Categories to buy for") == str(int((frame["signal"] == metrics.SIGNAL_BUY).sum()))
    assert _tile(at, "Idle categories") == str(int((frame["signal"] == metrics.SIGNAL_IDLE).sum()))
    tables = [d.value for d in at.dataframe]
    assert tables and all("signal" in t.columns for t in tables), "hidden tabs are not drawn"
