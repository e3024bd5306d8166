"""ToolShare dashboard entry point: `streamlit run dashboard/app.py`. Declares navigation only."""

from __future__ import annotations

import sys
from pathlib import Path

# Streamlit puts dashboard/ on sys.path; the project root makes `dashboard` and the core importable
# even without `pip install -e .`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from dashboard import data, registry, session  # noqa: E402

st.set_page_config(page_title="ToolShare", page_icon=":material/handyman:", layout="wide")
data.require_database()
session.bootstrap()

user = session.current_user()
if user is None:
    # Nobody signed in: the login form is the only page there is. It also answers at every
    # page's own address (hidden), so a shared link such as /loans?period=this_year shows the
    # form and, once signed in, the page it named, with its period and filters.
    login = "pages/login.py"
    gate = [st.Page(login, title="Log in", icon=":material/login:", default=True)]
    gate += [st.Page(login, title="Log in", url_path=Path(spec.path).stem, visibility="hidden")
             for spec in registry.PAGES if not spec.default]
    st.navigation(gate, position="hidden").run()
    st.stop()

sections: dict[str, list[st.Page]] = {}
for spec in registry.visible_pages(user.role):
    page = st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default)
    sections.setdefault(spec.section, []).append(page)
with st.sidebar:
    st.caption(f"Signed in as **{user.username}** ({user.role})")
    if st.button("Log out", key="logout_button", icon=":material/logout:"):
        session.logout()
        st.rerun()
# Every page the role may open stays listed (no "View more" fold hiding the admin pages).
st.navigation(sections, expanded=True).run()
