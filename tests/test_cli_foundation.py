"""`python -m toolshare_core` as a volunteer or a cron job runs it: a real subprocess, a real
database, one line and exit 2 for anything the person can fix, never a traceback."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import Database, drop_schema

UNREACHABLE = "postgresql://nobody:x@127.0.0.1:1/none"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "toolshare_core", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def unmigrated(database: Database) -> Iterator[Database]:
    """A schema name on the test server that does not exist yet."""
    target = Database(url=database.url, schema="t_" + secrets.token_hex(6))
    yield target
    drop_schema(database.url, target.schema)


def test_help_lists_the_core_commands(database: Database) -> None:
    result = run(database.env(), "--help")
    assert result.returncode == 0
    assert "migrate" in result.stdout and "seed" in result.stdout


def test_an_organiser_migrates_a_new_database_and_running_it_again_changes_nothing(
        unmigrated: Database) -> None:
    first = run(unmigrated.env(), "migrate")
    second = run(unmigrated.env(), "migrate")
    assert first.returncode == 0, first.stderr
    assert "migrated empty ->" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "already at" in second.stdout
    head = first.stdout.strip().rsplit("-> ", 1)[1]
    assert second.stdout.strip().endswith(f"already at {head}")


def test_an_organiser_seeds_a_small_library_then_a_second_seed_is_refused_in_one_line(
        fresh_database: Database) -> None:
    first = run(fresh_database.env(), "seed", "--scale", "small")
    assert first.returncode == 0, first.stderr
    assert "60 items" in first.stdout and "1000 loans" in first.stdout
    assert "loans: 1000 rows" in first.stderr  # progress goes to stderr, the summary to stdout
    again = run(fresh_database.env(), "seed", "--scale", "small", "--quiet")
    assert_one_line_error(again, "already holds 60 items and 1000 loans", "--force")


def test_an_unknown_scale_is_one_line_naming_the_choices(database: Database) -> None:
    result = run(database.env(), "seed", "--scale", "huge")
    assert_one_line_error(result, "unknown scale 'huge'", "demo, small, large")


@pytest.mark.parametrize("command", [["seed", "--scale", "small"], ["migrate"]])
def test_an_unreachable_database_is_one_line_saying_what_to_check(
        database: Database, command: list[str]) -> None:
    result = run(database.env(DATABASE_URL=UNREACHABLE), *command)
    assert_one_line_error(result, "cannot reach the database", "DATABASE_URL")
