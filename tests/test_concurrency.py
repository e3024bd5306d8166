"""Concurrency on a real PostgreSQL with threads: two editors on one item, twenty check-outs of
one item at once, and no lost update."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.desk_helpers import small_library
from tests.factories import make_member
from toolshare_core import inventory, loans
from toolshare_core.errors import Conflict, ToolShareError
from toolshare_core.roles import StaffUser


@pytest.fixture
def wide_engine(fresh_database):
    """An engine whose pool lets every thread hold its own connection at the same moment."""
    eng = sa.create_engine(
        fresh_database.url, pool_size=25, max_overflow=0,
        connect_args={"options": f"-c search_path={fresh_database.schema} -c TimeZone=UTC"})
    yield eng
    eng.dispose()


def run_together(engine, jobs: list[Callable[[Any], Any]]) -> list[Any]:
    """Run each job in its own thread and transaction, released at the same instant; returns
    each job's result or the ToolShareError it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(index: int) -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
            conn.commit()
            barrier.wait(timeout=30)
            try:
                with conn.begin():
                    results[index] = jobs[index](conn)
            except ToolShareError as exc:
                results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_editors_save_the_same_item_at_once_and_the_second_is_told(wide_engine):
    with wide_engine.begin() as conn:
        lib = small_library(conn)
    bea = StaffUser(id=None, username="bea", role="editor")
    cal = StaffUser(id=None, username="cal", role="editor")
    results = run_together(wide_engine, [
        lambda c: inventory.edit_item(c, bea, item_id=lib.drill, expected_version=1,
                                      changes={"location_id": lib.hall}),
        lambda c: inventory.edit_item(c, cal, item_id=lib.drill, expected_version=1,
                                      changes={"name": "Cal's drill"}),
    ])
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1 and results.count(2) == 1
    loser_saw = "location: Shed -> Hall" if results[1] is conflicts[0] else "name: Cordless drill -> Cal's drill"
    assert "was changed after you opened it" in str(conflicts[0]) and loser_saw in str(conflicts[0])
    with wide_engine.connect() as conn:
        row = conn.execute(sa.text("select name, location_id, version from items where id = :id"),
                           {"id": lib.drill}).one()
        edits = conn.execute(sa.text("select count(*) from audit_log where action = 'edit'")).scalar()
    assert row.version == 2 and edits == 1
    assert (row.location_id == lib.hall) != (row.name == "Cal's drill")  # exactly one change landed


def test_twenty_check_outs_of_one_item_at_once_make_exactly_one_loan(wide_engine):
    desk = StaffUser(id=None, username="desk", role="editor")
    with wide_engine.begin() as conn:
        lib = small_library(conn)
        borrowers = [make_member(conn, member_no=f"C-{n:02d}") for n in range(20)]
    results = run_together(wide_engine, [
        (lambda c, m=m: loans.check_out(c, desk, item_id=lib.drill, member_id=m)) for m in borrowers
    ])
    winners = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(refused) == 19
    assert all("item D-001 is already out on loan to member C-" in str(r) for r in refused)
    with wide_engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from loans")).scalar() == 1
        assert conn.execute(sa.text("select count(*) from audit_log where action = 'check_out'")).scalar() == 1


def test_ten_renewals_at_once_all_count(wide_engine):
    desk = StaffUser(id=None, username="desk", role="editor")
    start = datetime.now(UTC) - timedelta(days=1)
    with wide_engine.begin() as conn:
        lib = small_library(conn)
        loan_id = loans.check_out(conn, desk, item_id=lib.ladder, member_id=lib.anna, loaned_at=start)
        first_due = conn.execute(sa.text("select due_at from loans where id = :id"), {"id": loan_id}).scalar()
    results = run_together(wide_engine, [lambda c: loans.renew(c, desk, loan_id=loan_id)] * 10)
    assert not [r for r in results if isinstance(r, Exception)]
    with wide_engine.connect() as conn:
        renewals, due = conn.execute(sa.text("select renewals, due_at from loans where id = :id"),
                                     {"id": loan_id}).one()
    # Ladders lend for 14 days; ten renewals extend the due date by 140 days, none lost
    assert renewals == 10 and due == first_due + timedelta(days=140)


def test_editors_who_retry_after_a_conflict_lose_no_update(wide_engine):
    with wide_engine.begin() as conn:
        lib = small_library(conn)

    def add_note(name: str) -> Callable[[Any], Any]:
        actor = StaffUser(id=None, username=name, role="editor")

        def job(conn: Any) -> int:
            for _ in range(50):
                item = inventory.get_item(conn, lib.drill)
                notes = (item["notes"] + "\n" if item["notes"] else "") + name
                try:
                    return inventory.edit_item(conn, actor, item_id=lib.drill,
                                               expected_version=item["version"],
                                               changes={"notes": notes})
                except Conflict:
                    continue  # read committed: the next read sees the other editor's save
            raise AssertionError("gave up")
        return job

    names = [f"editor{n}" for n in range(8)]
    results = run_together(wide_engine, [add_note(n) for n in names])
    assert not [r for r in results if isinstance(r, Exception)]
    with wide_engine.connect() as conn:
        notes, version = conn.execute(sa.text("select notes, version from items where id = :id"),
                                      {"id": lib.drill}).one()
    assert sorted(notes.split("\n")) == sorted(names) and version == 1 + len(names)
