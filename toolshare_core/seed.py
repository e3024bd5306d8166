"""Synthetic demo data: fill an empty ToolShare database with a realistic, deterministic library.

`seed_database` generates the rows in memory (seed_gen, seed_timeline), then loads them with
PostgreSQL COPY in one transaction: a failure leaves nothing half-written. The same seed and
the same `today` give byte-identical rows. Dates are anchored to `today` (default: today in
the connection's time zone, which is TOOLSHARE_TIMEZONE), so the demo always has loans out
and overdue "now"; local timestamps are read by PostgreSQL in the library's time zone.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import Connection, Engine

from toolshare_core import audit
from toolshare_core.config import SCHEMA_NAME
from toolshare_core.errors import ConfigError, Conflict, ValidationFailed
from toolshare_core.migrate import ensure_migrated
from toolshare_core.roles import operator_actor
from toolshare_core.seed_gen import Generated, Shape, generate

Progress = Callable[[str], None]
SCALES: dict[str, Shape] = {
    "demo": Shape(items=400, members=600, loans=10_000, years=3.0),
    "small": Shape(items=60, members=80, loans=1_000, years=2.0),
    "large": Shape(items=5_000, members=20_000, loans=1_000_000, years=12.0),
}
MAX_LOANS = 20_000_000
COPY_CHUNK = 100_000
TABLES = ("locations", "categories", "items", "members", "loans", "maintenance")
CODE = re.compile(r"^([A-Z]+-[A-Z]+-)([0-9]+)$")


@dataclass(frozen=True)
class Scale:
    """A named size (demo, small, large) or a number of loans, with the library's shape."""

    name: str
    shape: Shape


@dataclass(frozen=True)
class SeedSummary:
    """What one seeding run wrote."""

    scale: str
    seed: int
    today: date
    locations: int
    categories: int
    items: int
    members: int
    loans: int
    maintenance: int
    seconds: float

    def describe(self) -> str:
        return (f"seeded {self.scale} library (seed {self.seed}, today {self.today}): "
                f"{self.locations} locations, {self.categories} categories, {self.items} items, "
                f"{self.members} members, {self.loans} loans, {self.maintenance} maintenance jobs "
                f"in {self.seconds:.1f} s")


def parse_scale(text: str) -> Scale:
    """demo | small | large | a positive number of loans (items and members keep the shape)."""
    word = text.strip().lower()
    if word in SCALES:
        return Scale(word, SCALES[word])
    if word.isdigit() and int(word) > 0:
        loans = int(word)
        if loans > MAX_LOANS:
            raise ValidationFailed(f"scale {loans} is too big: at most {MAX_LOANS} loans")
        shape = Shape(items=max(40, loans // 25), members=max(60, loans // 16), loans=loans,
                      years=3.0)
        return Scale(f"{loans}-loan", shape)
    raise ValidationFailed(f"unknown scale '{text}': use demo, small, large or a number of loans")


def is_empty(conn: Connection) -> bool:
    """True when there are no items, no members and no loans."""
    return not conn.execute(sa.text(
        "select exists (select 1 from items) or exists (select 1 from members)"
        " or exists (select 1 from loans)")).scalar_one()


def seed_database(engine: Engine, *, schema: str, scale: Scale, seed: int = 42,
                  force: bool = False, progress: Progress | None = None,
                  today: date | None = None) -> SeedSummary:
    """Fill an empty database (or, with force, add to one); refuse a non-empty one."""
    summary = _seed(engine, schema=schema, scale=scale, seed=seed, force=force,
                    progress=progress, today=today, only_if_empty=False)
    assert summary is not None  # noqa: S101 (only_if_empty=False always seeds or raises)
    return summary


def ensure_demo_data(engine: Engine, *, schema: str, today: date | None = None,
                     progress: Progress | None = None) -> SeedSummary | None:
    """Seed the demo library when the database is empty; None when it already holds data.

    Two processes starting at once are serialised by an advisory lock: the second finds the
    first one's rows and does nothing.
    """
    return _seed(engine, schema=schema, scale=parse_scale("demo"), seed=42, force=False,
                 progress=progress, today=today, only_if_empty=True)


def _seed(engine: Engine, *, schema: str, scale: Scale, seed: int, force: bool,
          progress: Progress | None, today: date | None,
          only_if_empty: bool) -> SeedSummary | None:
    if not SCHEMA_NAME.match(schema):
        raise ConfigError(f"invalid schema name {schema!r}")
    say: Progress = progress or (lambda _message: None)
    started = time.perf_counter()
    with engine.begin() as conn:
        ensure_migrated(conn, schema)
        conn.execute(sa.text("select set_config('search_path', :schema, true),"
                             " set_config('statement_timeout', '0', true)"), {"schema": schema})
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext(:key))"),
                     {"key": f"toolshare-seed:{schema}"})
        offsets: dict[str, int] = {}
        member_offset = 0
        if not is_empty(conn):
            if only_if_empty:
                return None
            items, loans = conn.execute(sa.text(
                "select (select count(*) from items), (select count(*) from loans)")).one()
            if not force:
                raise Conflict(
                    f"the database already holds {items} items and {loans} loans; seed only "
                    "fills an empty database (use --force to add anyway)")
            offsets, member_offset = _numbering_in_use(conn)
        day = today or conn.execute(sa.text("select current_date")).scalar_one()
        say(f"generating a {scale.name} library (seed {seed}, today {day})")
        data = generate(scale.shape, seed=seed, today=day, code_offsets=offsets,
                        member_offset=member_offset)
        say(f"generated {len(data.loans)} loans in {time.perf_counter() - started:.1f} s; loading")
        _load(conn, data, say)
        summary = SeedSummary(
            scale=scale.name, seed=seed, today=day, locations=len(data.locations),
            categories=len(data.categories), items=len(data.items), members=len(data.members),
            loans=len(data.loans), maintenance=len(data.maintenance), seconds=0.0)
        # One entry for the whole load (not one per row): who filled the database, and with what.
        audit.record(conn, operator_actor("seed"), "seed", ", ".join(TABLES), None, None,
                     {"scale": scale.name, "seed": seed, "today": day.isoformat(),
                      "locations": summary.locations, "categories": summary.categories,
                      "items": summary.items, "members": summary.members,
                      "loans": summary.loans, "maintenance": summary.maintenance})
        say("analysing tables")
        conn.execute(sa.text("analyze " + ", ".join(TABLES)))
    return dataclasses.replace(summary, seconds=time.perf_counter() - started)


def _numbering_in_use(conn: Connection) -> tuple[dict[str, int], int]:
    """Highest item number per code prefix and highest member number, so --force adds after them."""
    offsets: dict[str, int] = {}
    for code in conn.execute(sa.text("select code from items")).scalars():
        match = CODE.match(code)
        if match:
            offsets[match[1]] = max(offsets.get(match[1], 0), int(match[2]))
    members = conn.execute(sa.text(
        "select coalesce(max(substring(member_no from 3)::bigint), 0) from members"
        " where member_no ~ '^M-[0-9]+$'")).scalar_one()
    return offsets, int(members)


def _load(conn: Connection, data: Generated, say: Progress) -> None:
    """Parents first, their ids read back by natural key, then children through COPY."""
    location_ids = _insert_locations(conn, data.locations)
    category_ids = _insert_categories(conn, data.categories)
    items = data.items.assign(
        category=category_ids[data.items["category"].to_numpy()],
        location=location_ids[data.items["location"].to_numpy()])
    _copy(conn, "items", ["code", "name", "brand", "category_id", "location_id", "condition",
                          "status", "replacement_value", "acquired_on", "retired_on",
                          "retired_reason"],
          items[["code", "name", "brand", "category", "location", "condition", "status",
                 "replacement_value", "acquired_on", "retired_on", "retired_reason"]], say)
    item_ids = _ids_by_key(conn, "items", "code", data.items["code"])
    _copy(conn, "members", ["member_no", "name", "email", "postcode", "phone", "joined_on",
                            "status"], data.members, say)
    member_ids = _ids_by_key(conn, "members", "member_no", data.members["member_no"])
    loans = data.loans.assign(item=item_ids[data.loans["item"].to_numpy()],
                              member=member_ids[data.loans["member"].to_numpy()])
    _copy(conn, "loans", ["item_id", "member_id", "loaned_at", "due_at", "returned_at",
                          "renewals", "return_condition"], loans, say)
    maintenance = data.maintenance.assign(item=item_ids[data.maintenance["item"].to_numpy()])
    _copy(conn, "maintenance", ["item_id", "started_on", "ended_on", "kind", "cost", "notes"],
          maintenance, say)


def _insert_locations(conn: Connection, frame: pd.DataFrame) -> np.ndarray:
    names = frame["name"].tolist()
    conn.execute(sa.text(
        "insert into locations (name, address) select * from unnest(cast(:names as text[]), cast(:addresses as text[]))"
        " on conflict (name) do nothing"), {"names": names, "addresses": frame["address"].tolist()})
    found: dict[str, int] = dict(conn.execute(sa.text(
        "select name, id from locations where name = any(:names)"), {"names": names}).all())
    return np.asarray([found[name] for name in names], dtype=np.int64)


def _insert_categories(conn: Connection, frame: pd.DataFrame) -> np.ndarray:
    """Top-level categories, then their children; existing ones (same parent and name) reused."""
    tops = frame[frame["parent"].isna()]
    conn.execute(sa.text(
        "insert into categories (name, loan_period_days) select * from"
        " unnest(cast(:names as text[]), cast(:days as integer[]))"
        " on conflict on constraint categories_parent_name_unique do nothing"),
        {"names": tops["name"].tolist(), "days": tops["loan_period_days"].tolist()})
    top_ids: dict[str, int] = dict(conn.execute(sa.text(
        "select name, id from categories where parent_id is null and name = any(:names)"),
        {"names": tops["name"].tolist()}).all())
    subs = frame[frame["parent"].notna()]
    parents = [top_ids[p] for p in subs["parent"]]
    conn.execute(sa.text(
        "insert into categories (name, parent_id, loan_period_days)"
        " select * from unnest(cast(:names as text[]), cast(:parents as bigint[]),"
        " cast(:days as integer[]))"
        " on conflict on constraint categories_parent_name_unique do nothing"),
        {"names": subs["name"].tolist(), "parents": parents,
         "days": subs["loan_period_days"].tolist()})
    sub_ids = {(parent, name): ident for parent, name, ident in conn.execute(sa.text(
        "select parent_id, name, id from categories where parent_id = any(:parents)"),
        {"parents": list(top_ids.values())})}
    return np.asarray([top_ids[name] if pd.isna(parent) else sub_ids[(top_ids[parent], name)]
                       for name, parent in zip(frame["name"], frame["parent"], strict=True)],
                      dtype=np.int64)


def _ids_by_key(conn: Connection, table: str, key: str, values: pd.Series) -> np.ndarray:
    """Ids of the rows just loaded, in the order of `values` (a unique natural key)."""
    query = sql.SQL("select {key}, id from {table} where {key} = any(%s)").format(
        key=sql.Identifier(key), table=sql.Identifier(table))
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        found = dict(cursor.execute(query, [values.tolist()]).fetchall())
    return np.asarray([found[v] for v in values], dtype=np.int64)


def _copy(conn: Connection, table: str, columns: list[str], frame: pd.DataFrame,
          say: Progress) -> None:
    """COPY the frame's rows (its columns in `columns` order) into `table`, in chunks."""
    statement = sql.SQL("copy {table} ({columns}) from stdin (format csv)").format(
        table=sql.Identifier(table), columns=sql.SQL(", ").join(map(sql.Identifier, columns)))
    raw = conn.connection.driver_connection
    total = len(frame)
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        for start in range(0, total, COPY_CHUNK):
            part = frame.iloc[start:start + COPY_CHUNK]
            text = part.to_csv(index=False, header=False, float_format="%.2f", lineterminator="\n")
            with cursor.copy(statement) as copy:
                copy.write(text)
            if total > COPY_CHUNK:
                say(f"{table}: {min(start + COPY_CHUNK, total)} / {total}")
    say(f"{table}: {total} rows")
