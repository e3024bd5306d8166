"""Import CSV: items or members from a file (or pasted text), with a column mapping, a dry run
listing every problem by row number, then an all-or-nothing import with a progress bar."""

from __future__ import annotations

from typing import cast

import streamlit as st

from dashboard import actions, desk_data, session
from toolshare_core import imports
from toolshare_core.errors import ToolShareError

session.require("editor")
st.header("Import from CSV")
actions.show_flash()

kind = cast(imports.Kind, st.radio("What does the file hold?", ["items", "members"],
                                   key="import_kind", horizontal=True))
presets = [name for name, p in imports.PRESETS.items() if p.kind == kind]
preset = st.selectbox("Exported from", presets, key=f"import_preset_{kind}")
chosen = imports.PRESETS[preset]
if not chosen.verified:
    st.caption(f"Ready mapping: {chosen.note}. Check the mapping below before importing.")

upload = st.file_uploader("CSV file", type=["csv", "txt"], key="import_file")
pasted = st.text_area("…or paste the CSV text", key="import_text", height=120)
raw: bytes | str | None = upload.getvalue() if upload is not None else (pasted or None)
if raw is None:
    st.info(f"Fields ToolShare knows for {kind}: {', '.join(imports.FIELDS[kind])}. "
            f"Rows are matched on {imports.KEY[kind]}: existing ones are updated, new ones created; "
            "an empty cell leaves that field as it is.")
    st.stop()

try:
    frame = imports.read_csv(raw)
except ToolShareError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Column mapping")
suggested = imports.suggest_mapping(kind, list(frame.columns), preset)
choices = [None, *imports.FIELDS[kind]]
mapping: dict[str, str | None] = {}
columns = st.columns(min(4, max(1, len(frame.columns))))
for position, header in enumerate(frame.columns):
    default = suggested.get(header)
    mapping[header] = columns[position % len(columns)].selectbox(
        header, choices, index=choices.index(default) if default in choices else 0,
        key=f"import_map_{kind}_{position}", format_func=lambda f: "(ignore)" if f is None else f)

try:
    plan = desk_data.import_plan(kind, frame, mapping)
except ToolShareError as exc:
    st.error(str(exc))
    st.stop()

counts = plan.counts()
m1, m2, m3, m4 = st.columns(4)
m1.metric("New", counts["create"])
m2.metric("Updated", counts["update"])
m3.metric("Unchanged", counts["unchanged"])
m4.metric("Rows with problems", counts["error"])

problems = plan.problems()
if not problems.empty:
    st.error(f"{problems['row'].nunique()} rows have problems. Fix them in the file (row numbers "
             "count the header as row 1) and load it again; nothing is imported until every row is fine.")
    st.dataframe(problems, hide_index=True, key="import_problems")
st.subheader("What the import will do")
st.dataframe(plan.summary(), hide_index=True, key="import_summary")

if st.button(f"Import {counts['create']} new and {counts['update']} updated {kind}",
             key="import_apply", type="primary", disabled=not plan.ok):
    bar = st.progress(0.0, text="Importing…")
    result = actions.apply_import(kind=kind, frame=frame, mapping=mapping,
                                  progress=lambda done, total: bar.progress(done / total,
                                                                            text=f"{done} of {total} rows"))
    if result is not None:
        actions.flash(f"Imported: {result.created} new, {result.updated} updated, "
                      f"{result.unchanged} unchanged (batch {result.batch_id}).")
        st.session_state.pop("import_text", None)
        st.rerun()
