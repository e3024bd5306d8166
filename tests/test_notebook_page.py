"""AppTest of the Notebook page: the starter notebook runs top to bottom with tables, charts and
row counts; parameters follow the sidebar; refusals show as one plain line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from tests.app_login import open_app, own_schema, point_app_at, staff_session
from tests.conftest import Database
from toolshare_core import notebook
from toolshare_core.config import get_settings
from toolshare_core.db import make_engine
from toolshare_core.notebook_starter import STARTER_CELLS, STARTER_NAME
from toolshare_core.roles import StaffUser

pytestmark = pytest.mark.app

PAGE = "pages/notebook.py"
EDITOR = StaffUser(id=None, username="erin", role="editor")


@pytest.fixture(scope="module")
def seeded(server_url: str) -> Iterator[Database]:
    with own_schema(server_url, seed_with=5) as db:
        yield db


@pytest.fixture
def app_db(seeded: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    point_app_at(monkeypatch, seeded)
    engine = make_engine(seeded.url, schema=seeded.schema)
    yield engine
    with engine.begin() as conn:  # each test starts from "no notebook yet"
        conn.execute(sa.text("delete from notebooks"))
    engine.dispose()


def open_page(query: dict[str, str] | None = None, *, engine: Engine, role: str = "viewer"
              ) -> AppTest:
    _, token = staff_session(engine, role)
    return open_app(token, PAGE, query, timeout=90)


def test_the_first_visit_creates_the_starter_notebook_and_runs_every_cell(app_db: Engine) -> None:
    at = open_page({"period": "last_year"}, engine=app_db)
    assert at.header[0].value == "Notebook"
    assert at.selectbox(key="nb_select").value is not None
    with app_db.connect() as conn:
        assert notebook.list_notebooks(conn)["name"].tolist() == [STARTER_NAME]
    sql_cells = [c for c in STARTER_CELLS if c.kind == "sql"]
    assert not at.error, [e.value for e in at.error]
    assert len(at.dataframe) == len(sql_cells)
    charted = [c for c in sql_cells if c.chart_type]
    charts = at.get("plotly_chart")
    assert len(charts) == len(charted)
    captions = [c.value for c in at.caption]
    assert sum(" ms" in text and "row" in text for text in captions) == len(sql_cells)
    assert any(text.startswith("Parameters: `:from` = ") for text in captions)


def test_the_utilisation_cell_shows_the_core_numbers_for_the_chosen_period(app_db: Engine) -> None:
    from toolshare_core import metrics
    from toolshare_core.notebook_run import notebook_parameters  # noqa: F401 (documented API)
    from toolshare_core.periods import preset_period

    at = open_page({"period": "last_year"}, engine=app_db)
    keys = [c.key for c in STARTER_CELLS if c.kind == "sql"]
    table = at.dataframe[keys.index("utilisation")].value
    now = _dashboard_now()
    period = preset_period("last_year", as_of=now, timezone=get_settings().toolshare_timezone)
    with app_db.connect() as conn:
        core = metrics.utilisation(conn, period=period, by="category")
    assert table["category"].tolist() == core["category"].tolist()
    assert table["loan_days"].astype(int).tolist() == core["loan_days"].astype(int).tolist()


def _dashboard_now():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.now(get_settings().tz).replace(second=0, microsecond=0)


def test_a_refused_cell_shows_one_plain_line_and_the_rest_still_run(app_db: Engine) -> None:
    with app_db.begin() as conn:
        book = notebook.create_notebook(conn, EDITOR, name="Tries")
        notebook.add_cell(conn, EDITOR, book, kind="sql", body="select * from staff_users")
        notebook.add_cell(conn, EDITOR, book, kind="sql", body="delete from loans")
        notebook.add_cell(conn, EDITOR, book, kind="sql", body="select 42 as answer")
    at = open_page({"notebook": str(book)}, engine=app_db)
    errors = [e.value for e in at.error]
    assert len(errors) == 2
    assert errors[0].startswith("the notebook may not read staff_users")
    assert errors[1].startswith("DELETE changes data")
    assert at.dataframe[0].value["answer"].tolist() == [42]


def test_without_a_signed_in_editor_the_page_offers_no_editing(app_db: Engine) -> None:
    at = open_page(engine=app_db, role="viewer")
    keys = {getattr(w, "key", None) for w in at.button}
    assert not {k for k in keys if k and (k.startswith("nb_up_") or k.startswith("nb_delete"))}
    assert not list(at.get("form"))


def cell_bodies(engine: Engine, book: int) -> list[str]:
    with engine.connect() as conn:
        return [c.body for c in notebook.notebook_cells(conn, book)]


def test_an_editor_reorders_edits_and_adds_cells_from_the_page(
    app_db: Engine,
) -> None:
    with app_db.begin() as conn:
        book = notebook.create_notebook(conn, EDITOR, name="Desk questions")
        first = notebook.add_cell(conn, EDITOR, book, kind="markdown", body="# Loans today")
        second = notebook.add_cell(conn, EDITOR, book, kind="sql", body="select 1 as one")
    with app_db.connect() as conn:
        last_audit = conn.execute(sa.text("select coalesce(max(id), 0) from audit_log")).scalar_one()
    at = open_page({"notebook": str(book)}, engine=app_db, role="editor")
    at.button(key=f"nb_down_{first}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert cell_bodies(app_db, book) == ["select 1 as one", "# Loans today"]

    at.toggle(key=f"nb_edit_{second}").set_value(True).run()
    at.text_area(key=f"nb_cell_{second}_body").set_value("select 2 as two")
    at.selectbox(key=f"nb_cell_{second}_chart").set_value("bar")
    at.text_input(key=f"nb_cell_{second}_x").set_value("two")
    at.text_input(key=f"nb_cell_{second}_y").set_value("two")
    at.button(key=f"FormSubmitter:nb_form_{second}-Save cell").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert cell_bodies(app_db, book)[0] == "select 2 as two"
    assert len(at.get("plotly_chart")) == 1

    at.text_area(key="nb_add_body").set_value("select 3 as three")
    at.button(key="FormSubmitter:nb_add_0-Add cell").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert cell_bodies(app_db, book)[-1] == "select 3 as three"
    with app_db.connect() as conn:
        actions = conn.execute(sa.text(
            "select action from audit_log where table_name = 'notebook_cells' "
            "and id > :last order by id"), {"last": last_audit}).scalars().all()
    assert actions == ["move", "update", "create"]


def test_an_editor_sees_a_refused_save_in_plain_words(
    app_db: Engine,
) -> None:
    with app_db.begin() as conn:
        book = notebook.create_notebook(conn, EDITOR, name="Charts")
        cell = notebook.add_cell(conn, EDITOR, book, kind="sql", body="select 1 as one")
    at = open_page({"notebook": str(book)}, engine=app_db, role="editor")
    at.toggle(key=f"nb_edit_{cell}").set_value(True).run()
    at.selectbox(key=f"nb_cell_{cell}_chart").set_value("heatmap")
    at.text_input(key=f"nb_cell_{cell}_x").set_value("one")
    at.text_input(key=f"nb_cell_{cell}_y").set_value("one")
    at.button(key=f"FormSubmitter:nb_form_{cell}-Save cell").click().run()
    assert [e.value for e in at.error] == ["a heatmap needs a colour (value) column besides x and y"]
    with app_db.connect() as conn:
        assert notebook.notebook_cells(conn, book)[0].chart_type is None
