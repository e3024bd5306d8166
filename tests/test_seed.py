"""The synthetic demo library: deterministic, realistic in shape, and within every ledger rule.

Most checks read one library of 2 000 loans seeded once for this module (with `today` pinned),
and compute what they expect straight from the rows with SQL or pandas, never from the seeder.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tests.conftest import Database, drop_schema, new_schema
from tests.factories import make_item
from toolshare_core import seed
from toolshare_core.db import make_engine
from toolshare_core.errors import Conflict, DatabaseUnavailable, ValidationFailed
from toolshare_core.seed_gen import generate

TODAY = date(2026, 3, 14)  # a Saturday in early spring: nothing about it is special-cased
TABLES = ("locations", "categories", "items", "members", "loans", "maintenance")


@pytest.fixture(scope="module")
def library(server_url: str) -> Iterator[Engine]:
    """A 2 000-loan library seeded once (seed 42, today pinned); tests only read it."""
    db = new_schema(server_url)
    eng = make_engine(db.url, schema=db.schema)
    seed.seed_database(eng, schema=db.schema, scale=seed.parse_scale("2000"), today=TODAY)
    yield eng
    eng.dispose()
    drop_schema(server_url, db.schema)


@pytest.fixture
def lib(library: Engine) -> Iterator[Connection]:
    with library.connect() as conn:
        yield conn


def frame(conn: Connection, query: str, **params: object) -> pd.DataFrame:
    return pd.read_sql(sa.text(query), conn, params=params)


def scalar(conn: Connection, query: str, **params: object) -> object:
    return conn.execute(sa.text(query), params).scalar_one()


def dump(engine: Engine) -> dict[str, str]:
    """Every table's rows in id order as CSV text, without the insert-time defaults."""
    with engine.connect() as conn:
        return {t: pd.read_sql(sa.text(f"select * from {t} order by id"), conn)
                .drop(columns=["created_at", "updated_at"], errors="ignore").to_csv(index=False)
                for t in TABLES}


def seeded_copy(server_url: str, *, seed_value: int) -> dict[str, str]:
    db = new_schema(server_url)
    eng = make_engine(db.url, schema=db.schema)
    try:
        seed.seed_database(eng, schema=db.schema, scale=seed.parse_scale("small"),
                           seed=seed_value, today=TODAY)
        return dump(eng)
    finally:
        eng.dispose()
        drop_schema(server_url, db.schema)


# --- determinism --------------------------------------------------------------------------

def test_a_library_seeded_twice_with_the_same_seed_and_day_is_row_for_row_identical(
        server_url: str) -> None:
    first = seeded_copy(server_url, seed_value=7)
    second = seeded_copy(server_url, seed_value=7)
    other = seeded_copy(server_url, seed_value=8)
    assert first == second
    assert first["loans"].count("\n") > 1000
    assert other["loans"] != first["loans"]
    assert other["items"] != first["items"]


# --- size and dates -----------------------------------------------------------------------

def test_a_library_of_n_loans_has_exactly_n_loans_and_items_and_members_in_proportion(
        lib: Connection) -> None:
    counts = {t: scalar(lib, f"select count(*) from {t}") for t in TABLES}
    assert counts["loans"] == 2000
    assert counts["items"] == 80  # 2000 / 25
    assert counts["members"] == 125  # 2000 / 16
    assert counts["locations"] >= 4
    assert scalar(lib, "select count(*) from categories where parent_id is null") >= 10
    assert scalar(lib, "select max(depth) from category_paths") == 2
    assert counts["maintenance"] > 20


def test_nothing_happens_before_an_item_was_bought_or_a_member_joined_or_after_today(
        lib: Connection) -> None:
    midnight = "cast(:today as date)::timestamptz"
    checks = {
        "loan before acquisition": "select count(*) from loans l join items i on i.id = l.item_id"
                                   " where l.loaned_at::date < i.acquired_on",
        "loan before joining": "select count(*) from loans l join members m on m.id = l.member_id"
                               " where l.loaned_at::date < m.joined_on",
        "loan after retirement": "select count(*) from loans l join items i on i.id = l.item_id"
                                 " where i.retired_on is not null and (l.returned_at is null"
                                 " or l.returned_at::date > i.retired_on)",
        "loan in the future": f"select count(*) from loans where loaned_at >= {midnight}",
        "return in the future": f"select count(*) from loans where returned_at >= {midnight}",
        "joined in the future": "select count(*) from members where joined_on >= :today",
        "bought in the future": "select count(*) from items where acquired_on >= :today",
        "maintenance in the future": "select count(*) from maintenance"
                                     " where started_on >= :today or ended_on > :today",
    }
    found = {name: scalar(lib, sql, today=TODAY) for name, sql in checks.items()}
    assert found == dict.fromkeys(checks, 0)


def test_the_library_was_founded_a_few_years_ago_and_kept_buying(lib: Connection) -> None:
    years = frame(lib, "select extract(year from acquired_on)::int as y, count(*) as n"
                       " from items group by 1 order by 1")
    assert TODAY.year - years["y"].min() >= 3
    assert len(years) >= 4


def test_a_library_in_new_york_lends_during_its_own_desk_hours_and_stops_at_its_midnight(
        server_url: str) -> None:
    db = new_schema(server_url)
    eng = make_engine(db.url, schema=db.schema, timezone="America/New_York")
    try:
        seed.seed_database(eng, schema=db.schema, scale=seed.parse_scale("small"), today=TODAY)
        with eng.connect() as conn:
            hours = frame(conn, "select extract(hour from loaned_at)::int as h from loans")["h"]
            last = scalar(conn, "select max(greatest(loaned_at, returned_at)) from loans")
    finally:
        eng.dispose()
        drop_schema(server_url, db.schema)
    assert hours.between(9, 19).all()
    midnight = pd.Timestamp(TODAY.isoformat(), tz="America/New_York")
    assert pd.Timestamp(last) < midnight  # type: ignore[arg-type]
    assert pd.Timestamp(last) > midnight - pd.Timedelta(days=3)  # type: ignore[arg-type]


# --- the state as of today ------------------------------------------------------------------

def test_as_of_today_some_loans_are_out_and_some_overdue_in_every_aging_bucket(
        lib: Connection) -> None:
    out = frame(lib, "select due_at from loans where returned_at is null")
    as_of = pd.Timestamp(TODAY.isoformat() + "T12:00:00", tz="UTC")
    days = (pd.Timestamp(TODAY) - out["due_at"].dt.tz_convert("UTC").dt.tz_localize(None)
            .dt.normalize()).dt.days
    overdue = days[out["due_at"] < as_of]
    buckets = pd.cut(overdue, [0, 7, 30, 60, 10_000], labels=["1-7", "8-30", "31-60", "61+"])
    assert (out["due_at"] >= as_of).sum() >= 3, "some loans out and not yet due"
    assert buckets.value_counts().min() >= 1, buckets.value_counts().to_dict()


def test_loans_still_out_belong_to_lendable_items_and_active_members(lib: Connection) -> None:
    bad = scalar(lib, "select count(*) from loans l join items i on i.id = l.item_id"
                      " join members m on m.id = l.member_id where l.returned_at is null"
                      " and (i.status <> 'active' or m.status <> 'active')")
    assert bad == 0


# --- the rhythm of lending ------------------------------------------------------------------

def test_saturday_is_the_busiest_day_at_the_desk(lib: Connection) -> None:
    by_day = frame(lib, "select extract(isodow from loaned_at)::int as dow, count(*) as n"
                        " from loans group by 1").set_index("dow")["n"]
    assert by_day.idxmax() == 6
    assert by_day[6] > 1.2 * by_day[[1, 2, 3]].mean()


def test_garden_tools_go_out_in_spring_and_summer_and_party_kit_in_december(
        lib: Connection) -> None:
    months = frame(lib, """
        select p.top_name, extract(month from l.loaned_at)::int as month, count(*) as n
        from loans l join items i on i.id = l.item_id
        join (select c.category_id, t.name as top_name from category_paths c
              join categories t on t.id = c.top_id) p on p.category_id = i.category_id
        group by 1, 2""")
    garden = months[months["top_name"] == "Garden"].set_index("month")["n"]
    # April to September is half the year; without a season it would hold about half the loans
    assert garden[garden.index.isin(range(4, 10))].sum() > 0.6 * garden.sum()
    assert garden.idxmax() in range(4, 9)
    party = months[months["top_name"] == "Party & events"].set_index("month")["n"]
    assert party.idxmax() == 12


def test_a_few_items_are_borrowed_a_lot_and_some_never(lib: Connection) -> None:
    per_item = frame(lib, "select i.id, count(l.id) as n from items i"
                          " left join loans l on l.item_id = i.id group by i.id")
    never = (per_item["n"] == 0).mean()
    assert 0.04 <= never <= 0.25
    ranked = per_item["n"].sort_values(ascending=False)
    busiest_tenth = ranked.head(len(ranked) // 10).sum()
    assert busiest_tenth > 0.2 * ranked.sum()


def test_loans_last_about_the_category_period_and_some_come_back_late_renewed_or_same_day(
        lib: Connection) -> None:
    loans = frame(lib, """
        select extract(epoch from l.returned_at - l.loaned_at) / 86400 as days,
               c.loan_period_days as period, l.returned_at > l.due_at as late, l.renewals,
               l.returned_at::date = l.loaned_at::date as same_day
        from loans l join items i on i.id = l.item_id join categories c on c.id = i.category_id
        where l.returned_at is not null""")
    ratio = (loans["days"] / loans["period"]).median()
    assert 0.5 <= ratio <= 1.2
    assert 0.10 <= loans["late"].mean() <= 0.22
    assert loans["renewals"].gt(0).any()
    assert loans["same_day"].sum() >= 5


# --- every ledger rule, queried -------------------------------------------------------------

def test_no_item_is_lent_twice_at_once_or_lent_while_in_maintenance(lib: Connection) -> None:
    overlaps = scalar(lib, """
        select count(*) from loans a join loans b on a.item_id = b.item_id and a.id < b.id
        where tstzrange(a.loaned_at, coalesce(a.returned_at, 'infinity'))
           && tstzrange(b.loaned_at, coalesce(b.returned_at, 'infinity'))""")
    in_repair = scalar(lib, """
        select count(*) from loans l join maintenance m on m.item_id = l.item_id
        where l.loaned_at::date >= m.started_on
          and l.loaned_at::date < coalesce(m.ended_on, 'infinity'::date)""")
    assert (overlaps, in_repair) == (0, 0)


def test_item_statuses_agree_with_their_dates_and_repairs(lib: Connection) -> None:
    items = frame(lib, """
        select i.status, i.retired_on, i.retired_reason,
               (select count(*) from maintenance m where m.item_id = i.id and m.ended_on is null)
                   as open_jobs
        from items i""")
    retired = items["status"] == "retired"
    assert retired.any() and (items["status"] == "missing").any()
    assert (items["status"] == "maintenance").any()
    assert (retired == items["retired_on"].notna()).all()
    assert items.loc[retired, "retired_reason"].notna().all()
    assert (items["open_jobs"] == (items["status"] == "maintenance").astype(int)).all()
    kinds = set(frame(lib, "select distinct kind from maintenance")["kind"])
    assert {"repair", "service", "safety check", "cleaning"} <= kinds
    assert scalar(lib, "select count(*) from maintenance where cost > 0") > 10


# --- realistic rows -------------------------------------------------------------------------

def test_items_have_readable_codes_brands_and_prices_by_category(lib: Connection) -> None:
    items = frame(lib, "select i.code, i.name, i.brand, i.replacement_value, c.name as sub"
                       " from items i join categories c on c.id = i.category_id")
    assert items["code"].str.fullmatch(r"[A-Z]{2}-[A-Z]{3}-\d{4}").all()
    assert items["brand"].notna().mean() > 0.8
    assert (items["replacement_value"] > 0).all()
    big = frame(lib, "select avg(replacement_value) as v from items i join categories c"
                     " on c.id = i.category_id join categories t on t.id = c.parent_id"
                     " where t.name in ('Garden', 'Bikes', 'Camping')")["v"][0]
    small = frame(lib, "select avg(replacement_value) as v from items i join categories c"
                       " on c.id = i.category_id join categories t on t.id = c.parent_id"
                       " where t.name in ('Hand tools', 'Kids & games')")["v"][0]
    assert big > small


def test_members_join_over_time_from_nearby_postcodes_with_example_addresses(
        lib: Connection) -> None:
    members = frame(lib, "select member_no, email, postcode, joined_on, status from members"
                         " order by id")
    assert members["member_no"].tolist() == [f"M-{k:05d}" for k in range(1, len(members) + 1)]
    emails = members["email"].dropna()
    assert len(emails) > 0.8 * len(members)
    assert emails.str.fullmatch(r"[a-z0-9.]+@example\.org").all()
    postcodes = members["postcode"].dropna()
    assert postcodes.str.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}").all()
    outward = postcodes.str.split(" ").str[0].value_counts()
    assert 10 <= len(outward) <= 40 and outward.iloc[0] > 3 * outward.iloc[-1]
    joined = pd.to_datetime(members["joined_on"])
    first_year = joined < joined.min() + pd.Timedelta(days=365)
    last_year = joined >= pd.Timestamp(TODAY) - pd.Timedelta(days=365)
    assert last_year.sum() > first_year.sum()
    assert {"active", "suspended", "left"} == set(members["status"])


# --- refusing, forcing, demo on first start --------------------------------------------------

def test_the_audit_log_records_one_seeding_entry_whose_counts_match_the_tables(
        lib: Connection) -> None:
    entries = frame(lib, "select actor_name, action, new_values from audit_log")
    assert len(entries) == 1
    entry = entries.iloc[0]
    assert (entry.actor_name, entry.action) == ("command line (seed)", "seed")
    written = entry.new_values
    assert (written["scale"], written["seed"], written["today"]) == ("2000-loan", 42, TODAY.isoformat())
    for table in ("locations", "categories", "items", "members", "loans", "maintenance"):
        assert written[table] == scalar(lib, f"select count(*) from {table}"), table


def test_seeding_a_database_that_holds_data_is_refused_and_adds_nothing(
        fresh_database: Database, fresh_engine: Engine) -> None:
    with fresh_engine.begin() as conn:
        make_item(conn)
    with pytest.raises(Conflict, match=r"already holds 1 items and 0 loans.*--force"):
        seed.seed_database(fresh_engine, schema=fresh_database.schema,
                           scale=seed.parse_scale("small"), today=TODAY)
    with fresh_engine.connect() as conn:
        assert scalar(conn, "select count(*) from items") == 1
        assert scalar(conn, "select count(*) from members") == 0


def test_force_adds_a_second_library_beside_the_first_with_fresh_numbers(
        fresh_database: Database, fresh_engine: Engine) -> None:
    small = seed.parse_scale("small")
    seed.seed_database(fresh_engine, schema=fresh_database.schema, scale=small, today=TODAY)
    second = seed.seed_database(fresh_engine, schema=fresh_database.schema, scale=small,
                                today=TODAY, force=True)
    with fresh_engine.connect() as conn:
        assert scalar(conn, "select count(*) from items") == 2 * second.items
        assert scalar(conn, "select count(*) from loans") == 2 * second.loans
        assert scalar(conn, "select count(*) from locations") == second.locations
        assert scalar(conn, "select max(member_no) from members") == f"M-{2 * second.members:05d}"


def test_a_failure_halfway_leaves_the_database_empty(
        fresh_database: Database, fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    real_copy = seed._copy

    def failing_copy(conn: Connection, table: str, *args: object, **kwargs: object) -> None:
        if table == "loans":
            raise RuntimeError("disk full")
        real_copy(conn, table, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(seed, "_copy", failing_copy)
    with pytest.raises(RuntimeError, match="disk full"):
        seed.seed_database(fresh_engine, schema=fresh_database.schema,
                           scale=seed.parse_scale("small"), today=TODAY)
    with fresh_engine.connect() as conn:
        assert seed.is_empty(conn)
        assert scalar(conn, "select count(*) from locations") == 0


def test_seeding_an_unmigrated_schema_says_to_run_migrate(server_url: str) -> None:
    eng = make_engine(server_url, schema="t_never_migrated")
    try:
        with pytest.raises(DatabaseUnavailable, match="python -m toolshare_core migrate"):
            seed.seed_database(eng, schema="t_never_migrated", scale=seed.parse_scale("small"))
    finally:
        eng.dispose()


def test_two_dashboards_starting_at_once_seed_the_demo_library_exactly_once(
        fresh_database: Database, fresh_engine: Engine) -> None:
    results: list[seed.SeedSummary | None] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            results.append(seed.ensure_demo_data(fresh_engine, schema=fresh_database.schema))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    summaries = [r for r in results if r is not None]
    assert len(summaries) == 1 and results.count(None) == 1
    assert seed.ensure_demo_data(fresh_engine, schema=fresh_database.schema) is None
    with fresh_engine.connect() as conn:
        counts = [scalar(conn, f"select count(*) from {t}") for t in ("items", "members", "loans")]
        overdue = scalar(conn, "select count(*) from loans where returned_at is null"
                               " and due_at < now()")
    assert counts == [400, 600, 10_000]
    assert overdue >= 4  # type: ignore[operator]
    assert re.fullmatch(r"seeded demo library \(seed 42, today \d{4}-\d\d-\d\d\): 5 locations, "
                        r"\d+ categories, 400 items, 600 members, 10000 loans, \d+ maintenance "
                        r"jobs in \d+\.\d s", summaries[0].describe())


# --- scales ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "items", "members", "loans"), [
    ("demo", 400, 600, 10_000), ("small", 60, 80, 1_000), (" LARGE ", 5_000, 20_000, 1_000_000),
    ("2000", 80, 125, 2_000), ("100", 40, 60, 100), ("200000", 8_000, 12_500, 200_000),
])
def test_a_scale_is_a_named_size_or_a_number_of_loans(text: str, items: int, members: int,
                                                      loans: int) -> None:
    shape = seed.parse_scale(text).shape
    assert (shape.items, shape.members, shape.loans) == (items, members, loans)


@pytest.mark.parametrize("text", ["huge", "0", "-5", "1.5", "", "10k"])
def test_an_unknown_scale_is_refused_with_the_choices(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        seed.parse_scale(text)
    assert str(caught.value) == (
        f"unknown scale '{text}': use demo, small, large or a number of loans")


@pytest.mark.parametrize("loans", [1, 3, 7, 50])
def test_a_tiny_number_of_loans_gives_exactly_that_many(loans: int) -> None:
    shape = seed.parse_scale(str(loans)).shape
    assert len(generate(shape, seed=1, today=TODAY).loans) == loans


def test_an_absurd_number_of_loans_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="too big"):
        seed.parse_scale("999999999")
