"""Notebook: saved, read-only SQL cells with tables, charts and downloads, run top to bottom.

Viewers run notebooks; editors and admins add, edit, reorder and delete cells and notebooks.
The period and filters in the sidebar reach every query as :from, :to, :as_of, :category and
:location (bound values). Every query runs read-only as the notebook's database role.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import notebook_data as nd
from dashboard import ui
from toolshare_core import notebook
from toolshare_core.errors import ToolShareError
from toolshare_core.notebook import CHART_TYPES, Cell
from toolshare_core.notebook_charts import cell_figure
from toolshare_core.notebook_run import notebook_parameters
from toolshare_core.roles import ROLE_RANK, StaffUser

NO_CHART = "no chart"
_PENDING = "_nb_pending_select"
_CLOSE_EDIT = "_nb_close_edit"


def current_user() -> StaffUser | None:
    """The signed-in staff member, or None when the dashboard has no login (read-only then)."""
    try:
        from dashboard import session
    except ImportError:
        return None
    # app.py checked the session at the start of this run; session.user() reuses that check
    user = session.user() if hasattr(session, "user") else session.current_user()
    return user if isinstance(user, StaffUser) else None


def run_action(action: Any, *args: Any, success: str | None = None, **kwargs: Any) -> bool:
    """Call an audited core command for the signed-in user; show a refusal in plain words."""
    try:
        nd.write(action, USER, *args, **kwargs)
    except ToolShareError as exc:
        ui.show_error(exc)
        return False
    if success:
        st.toast(success)
    return True


def first_line(body: str) -> str:
    for line in body.splitlines():
        text = line.strip().removeprefix("--").strip()
        if text:
            return text[:90]
    return "SQL"


def parameters_caption(params: dict[str, Any], view: ui.View) -> str:
    category = params["category"] if params["category"] is not None else "all (NULL)"
    location = params["location"] if params["location"] is not None else "all (NULL)"
    return (f"Parameters: `:from` = {params['from']}, `:to` = {params['to']} (exclusive), "
            f"`:as_of` = {params['as_of']:%Y-%m-%d %H:%M %Z}, `:category` = {category}, "
            f"`:location` = {location} · {view.filters_text}")


def show_sql_cell(cell: Cell, key: nd.ParamKey) -> None:
    with st.expander(f"SQL: {first_line(cell.body)}", expanded=False):
        st.code(cell.body, language="sql")
    with st.spinner("Running..."):
        outcome = nd.run(cell.body, key)
    if outcome.error is not None or outcome.result is None:
        st.error(outcome.error or "the query gave no result", icon=":material/error:")
        return
    result = outcome.result
    if cell.chart_type:
        try:
            figure, note = cell_figure(result.full_frame, chart_type=cell.chart_type, x=cell.x,
                                       y=cell.y, color=cell.color, title=cell.title)
            st.plotly_chart(figure, key=f"nb_chart_{cell.id}", width="stretch")
            if note:
                st.caption(note)
        except ToolShareError as exc:
            st.warning(str(exc), icon=":material/bar_chart:")
    st.dataframe(result.frame_display, hide_index=True, key=f"nb_table_{cell.id}",
                 column_config=ui.column_config(result.frame_display))
    st.caption(f"{result.message} · ran in {result.elapsed_ms:,.0f} ms")
    ui.frame_downloads(result.full_frame, name=f"notebook-cell-{cell.id}",
                       title=cell.title or first_line(cell.body), key=f"nb_dl_{cell.id}")


def cell_fields(prefix: str, cell: Cell | None) -> dict[str, Any]:
    """The inputs of a cell form (inside an st.form); returns the values entered."""
    kinds = ["sql", "markdown"]
    kind = st.radio("Kind", kinds, horizontal=True, key=f"{prefix}_kind",
                    index=kinds.index(cell.kind) if cell else 0,
                    format_func={"sql": "SQL query", "markdown": "Note (markdown)"}.get)
    body = st.text_area("SQL or note", value=cell.body if cell else "", height=220,
                        key=f"{prefix}_body",
                        help="One SELECT query. Parameters: :from, :to, :as_of, :category, "
                        ":location.")
    charts = [NO_CHART, *CHART_TYPES]
    left, mid, right, far = st.columns(4)
    chart = left.selectbox("Chart", charts, key=f"{prefix}_chart",
                           index=charts.index(cell.chart_type) if cell and cell.chart_type else 0)
    x = mid.text_input("x column", value=(cell.x or "") if cell else "", key=f"{prefix}_x")
    y = right.text_input("y column", value=(cell.y or "") if cell else "", key=f"{prefix}_y")
    color = far.text_input("Colour column", value=(cell.color or "") if cell else "",
                           key=f"{prefix}_color", help="Optional; the value column of a heatmap.")
    title = st.text_input("Chart title", value=(cell.title or "") if cell else "",
                          key=f"{prefix}_title")
    return {"kind": kind, "body": body, "chart_type": None if chart == NO_CHART else chart,
            "x": x or None, "y": y or None, "color": color or None, "title": title or None}


def cell_tools(cell: Cell, index: int, count: int) -> None:
    up, down, edit, delete, _ = st.columns([1, 1, 1, 1, 4])
    if up.button("Up", key=f"nb_up_{cell.id}", icon=":material/arrow_upward:",
                 disabled=index == 0) and run_action(notebook.move_cell, cell.id, offset=-1):
        st.rerun()
    if down.button("Down", key=f"nb_down_{cell.id}", icon=":material/arrow_downward:",
                   disabled=index == count - 1) and run_action(notebook.move_cell, cell.id,
                                                               offset=1):
        st.rerun()
    if st.session_state.get(_CLOSE_EDIT) == cell.id:  # saved: close its editor
        st.session_state[f"nb_edit_{cell.id}"] = False
        del st.session_state[_CLOSE_EDIT]
    editing = edit.toggle("Edit", key=f"nb_edit_{cell.id}")
    if delete.button("Delete", key=f"nb_delete_{cell.id}", icon=":material/delete:") and (
        run_action(notebook.delete_cell, cell.id, success="Cell deleted")
    ):
        st.rerun()
    if editing:
        with st.form(f"nb_form_{cell.id}"):
            values = cell_fields(f"nb_cell_{cell.id}", cell)
            if st.form_submit_button("Save cell", icon=":material/save:") and run_action(
                notebook.edit_cell, cell.id, expected_version=cell.version,
                success="Cell saved", **values,
            ):
                st.session_state[_CLOSE_EDIT] = cell.id
                st.rerun()


def manage_notebooks(chosen: int | None, names: dict[int, str]) -> None:
    with st.expander("New, rename or delete a notebook", icon=":material/edit_note:"):
        new_name = st.text_input("New notebook's name", key="nb_new_name")
        if st.button("Create notebook", key="nb_new", icon=":material/add:"):
            try:
                created = nd.write(notebook.create_notebook, USER, name=new_name)
            except ToolShareError as exc:
                ui.show_error(exc)
            else:
                st.session_state[_PENDING] = created
                st.rerun()
        if chosen is None:
            return
        st.divider()
        rename = st.text_input("Rename this notebook to", value=names[chosen], key="nb_rename_name")
        if st.button("Rename", key="nb_rename", icon=":material/drive_file_rename_outline:") and (
            run_action(notebook.rename_notebook, chosen, name=rename, success="Renamed")
        ):
            st.rerun()
        st.divider()
        sure = st.checkbox(f"Yes, delete '{names[chosen]}' and all its cells",
                           key="nb_delete_confirm")
        if st.button("Delete notebook", key="nb_delete", icon=":material/delete_forever:",
                     disabled=not sure) and run_action(notebook.delete_notebook, chosen,
                                                       success="Notebook deleted"):
            st.rerun()  # the selection falls back to the first notebook left


st.header("Notebook")
view = ui.view_controls()
USER = current_user()
CAN_EDIT = USER is not None and ROLE_RANK.get(USER.role, -1) >= ROLE_RANK["editor"]
try:
    nd.ensure_starter()
    listing = nd.notebooks()
except ToolShareError as exc:
    ui.show_error(exc)
    st.stop()

ids = [int(i) for i in listing["id"]]
names = {int(i): str(n) for i, n in zip(listing["id"], listing["name"], strict=True)}
pending = st.session_state.pop(_PENDING, None)
if pending in ids:
    st.session_state["nb_select"] = pending
elif st.session_state.get("nb_select") not in ids:
    wanted = st.query_params.get("notebook")
    st.session_state["nb_select"] = (
        int(wanted) if wanted and wanted.isdigit() and int(wanted) in ids
        else (ids[0] if ids else None)
    )

left, right = st.columns([3, 2])
chosen = left.selectbox("Notebook", ids, key="nb_select", format_func=names.get,
                        placeholder="No notebook yet")
if chosen is not None:
    st.query_params["notebook"] = str(chosen)
if CAN_EDIT:
    with right:
        manage_notebooks(chosen, names)
else:
    right.caption("You can run every notebook; editors and admins can change them.")

if chosen is None:
    ui.empty_state("There is no notebook yet.",
                   hint="Create one above." if CAN_EDIT else "Ask an editor to create one.")
    st.stop()

params = notebook_parameters(view.period, view.filters)
key = nd.params_key(params)
st.caption(parameters_caption(params, view))
if st.button("Run every cell again", key="nb_rerun", icon=":material/refresh:"):
    nd.forget_runs()

cells = nd.cells(chosen)
if not cells:
    ui.empty_state("This notebook has no cells yet.",
                   hint="Add one below." if CAN_EDIT else "Ask an editor to add some.")
for index, cell in enumerate(cells):
    with st.container(border=True):
        if cell.kind == "markdown":
            st.markdown(cell.body)
        else:
            show_sql_cell(cell, key)
        if CAN_EDIT:
            cell_tools(cell, index, len(cells))

if CAN_EDIT:
    st.subheader("Add a cell")
    # a new form key after each added cell starts the next one empty (a refused one keeps its text)
    round_no = st.session_state.setdefault("_nb_add_round", 0)
    with st.form(f"nb_add_{round_no}"):
        values = cell_fields("nb_add", None) if round_no == 0 else cell_fields(
            f"nb_add{round_no}", None)
        if st.form_submit_button("Add cell", icon=":material/add:") and run_action(
            notebook.add_cell, chosen, success="Cell added", **values
        ):
            st.session_state["_nb_add_round"] = round_no + 1
            st.rerun()
