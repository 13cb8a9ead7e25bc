"""Saved views (app/saved_views.py and the sidebar in app/filters.py): a named page with its query parameters,
per user, in `views/<user>.json` beside the published warehouse, written atomically, an unreadable file kept."""

from __future__ import annotations

import json
import shutil

import pytest
from app_helpers import APP_SCRIPT, PAGE_FILES, no_exception, open_page
from streamlit.testing.v1 import AppTest

from app import saved_views, url_state
from app.access import Viewer
from app.queries.scope import Filters
from app.saved_views import CorruptViewsFile, ViewExists, ViewStore
from wipcast import files
from wipcast.errors import InputError


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "views"


def test_save_open_and_delete_round_trip(folder):
    store = ViewStore(folder, "local")
    assert store.views() == []  # no file yet: no views, nothing written
    assert not folder.exists()
    saved = store.save("  Data, EMEA  ", "Overview", {"practice": ["Data"], "region": ["EMEA"], "drill": "unbilled"})
    assert saved.view.name == "Data, EMEA" and not saved.replaced and saved.kept_as is None
    store.save("Cloud", "Utilization", {"practice": ["Cloud"]})
    assert [v.name for v in store.views()] == ["Data, EMEA", "Cloud"]
    view = ViewStore(folder, "local").get("data, emea")  # a new store reads the file; names compare without case
    assert view.page == "Overview"
    assert view.params == {"practice": ["Data"], "region": ["EMEA"], "drill": ["unbilled"]}
    assert view.saved_at.endswith("+00:00")
    store.delete("Data, EMEA")
    assert [v.name for v in store.views()] == ["Cloud"]
    with pytest.raises(InputError, match="no saved view named"):
        store.delete("Data, EMEA")
    with pytest.raises(InputError, match="no saved view named"):
        store.get("Data, EMEA")
    # Written atomically: only the file itself is left in the folder (no temporary file).
    assert sorted(p.name for p in folder.iterdir()) == ["local.json"]
    document = json.loads((folder / "local.json").read_text())
    assert document["version"] == 1 and document["user"] == "local"


def test_opening_a_view_gives_the_filters_it_was_saved_with(folder):
    chosen = Filters(run_id="run-202607", entities=("E1",), practices=("Data", "Cloud"), customers=("C01",))
    params = url_state.filters_to_params(chosen) | {"drill": ["unbilled"]}
    ViewStore(folder, "local").save("Pinned July", "Forecast", params)
    view = ViewStore(folder, "local").get("Pinned July")
    assert view.filters == chosen
    assert url_state.filters_from_params(view.params) == chosen
    assert url_state.filters_to_params(view.filters) == url_state.filters_to_params(chosen)


def test_two_users_do_not_see_each_others_views(folder):
    cfo, analyst, local = (
        ViewStore(folder, "cfo@firm.com"),
        ViewStore(folder, "analyst@firm.com"),
        ViewStore(folder, "local"),
    )
    cfo.save("Board", "Overview", {"practice": ["Data"]})
    analyst.save("Mine", "Variance", {})
    assert [v.name for v in cfo.views()] == ["Board"]
    assert [v.name for v in analyst.views()] == ["Mine"]
    assert local.views() == []
    assert cfo.path != analyst.path != local.path
    assert ViewStore(folder, "CFO@Firm.com").path == cfo.path  # an e-mail is compared without case


@pytest.mark.parametrize(
    ("a", "b"),
    [("a.b@firm.com", "a_b@firm.com"), ("a@b.com", "a_40_b.com"), ("x/y@z.com", "x_2f_y@z.com"), ("..", "_2e_.")],
)
def test_user_file_names_never_collide_and_stay_in_the_folder(folder, a, b):
    assert saved_views.user_slug(a) != saved_views.user_slug(b)
    for user in (a, b):
        path = ViewStore(folder, user).path
        assert path.parent == folder and "/" not in saved_views.user_slug(user)
    assert saved_views.user_slug("cfo@firm.com") == "cfo_40_firm.com"
    assert len(saved_views.user_slug("x" * 300 + "@firm.com")) <= 100


def test_the_user_is_the_verified_login_else_local():
    assert saved_views.user_of(Viewer()) == "local"
    assert saved_views.user_of(Viewer(logged_in=True, email="CFO@firm.com")) == "cfo@firm.com"
    assert saved_views.user_of(Viewer(logged_in=True, email="cfo@firm.com", email_verified=True)) == "cfo@firm.com"
    assert saved_views.user_of(Viewer(logged_in=True, email="cfo@firm.com", email_verified=False)) is None
    assert saved_views.user_of(Viewer(logged_in=True, email=None)) is None


def test_the_folder_is_beside_the_published_warehouse_not_in_it(tmp_path):
    assert saved_views.views_dir(tmp_path / "wipcast.duckdb") == tmp_path / "views"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "must be 1 to 60 characters (got 0)"),
        ("   ", "must be 1 to 60 characters (got 0)"),
        ("x" * 61, "must be 1 to 60 characters (got 61)"),
        ("two\nlines", "must not contain control characters"),
        ("bell\x07", "must not contain control characters"),
        ("tab\there", "must not contain control characters"),
        ("sep\u2028arator", "must not contain control characters"),
        (None, "must be text"),
    ],
)
def test_a_bad_name_is_one_line_naming_the_field(folder, name, says):
    with pytest.raises(InputError) as caught:
        ViewStore(folder, "local").save(name, "Overview", {})
    line = caught.value.one_line()
    assert line.startswith("view name: ") and says in line and "\n" not in line
    assert not folder.exists(), "nothing written"


@pytest.mark.parametrize("name", ["x" * 60, "Q3 – Data (EMEA) £", "a"])
def test_names_up_to_60_characters_are_kept(folder, name):
    assert ViewStore(folder, "local").save(name, "Overview", {}).view.name == name


def test_a_name_that_exists_asks_before_it_is_replaced(folder):
    store = ViewStore(folder, "local")
    store.save("Board", "Overview", {"practice": ["Data"]})
    store.save("Other", "Overview", {})
    with pytest.raises(ViewExists) as caught:
        store.save("board", "Variance", {"practice": ["Cloud"]})
    assert caught.value.one_line() == "view name: a view named 'board' exists — overwrite it or choose another name"
    assert store.get("Board").params == {"practice": ["Data"]}, "not replaced without asking"
    saved = store.save("board", "Variance", {"practice": ["Cloud"]}, overwrite=True)
    assert saved.replaced
    assert [(v.name, v.page) for v in store.views()] == [("board", "Variance"), ("Other", "Overview")]  # same place


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "is not valid JSON (line 1, column 2)"),
        ('{"views": {"a": 1}}', 'has no "views" list'),
        ('{"views": [{"name": "", "page": "Overview"}]}', "has a view that cannot be read"),
        ('{"views": [{"name": "x", "page": "Overview", "params": {"practice": [1]}}]}', "cannot be read"),
    ],
)
def test_a_corrupt_file_is_one_line_naming_it_and_is_kept_as_bad(folder, content, why):
    folder.mkdir()
    path = folder / "local.json"
    path.write_text(content)
    store = ViewStore(folder, "local")
    with pytest.raises(CorruptViewsFile) as caught:
        store.views()
    line = caught.value.one_line()
    assert line.startswith("the saved views file local.json ") and why in line
    assert "\n" not in line and str(folder) not in line, "one line, no server path"
    assert path.read_text() == content, "reading does not touch it"
    with pytest.raises(CorruptViewsFile):
        store.delete("x")
    assert path.read_text() == content, "deleting does not write over it"
    saved = store.save("Fresh", "Overview", {})
    assert saved.kept_as == "local.json.bad"
    assert (folder / "local.json.bad").read_text() == content
    assert [v.name for v in store.views()] == ["Fresh"]
    path.write_text(content)  # broken again: the first copy stays, the second gets its own name
    assert store.save("Again", "Overview", {}).kept_as == "local.json.2.bad"
    assert (folder / "local.json.bad").read_text() == content


def test_an_unwritable_folder_is_one_line_without_its_path(folder, monkeypatch):
    def refused(**_kwargs):
        raise PermissionError(13, "Permission denied", str(folder / "x.tmp"))

    monkeypatch.setattr(files.tempfile, "mkstemp", refused)
    with pytest.raises(saved_views.WipcastError) as caught:
        ViewStore(folder, "local").save("x", "Overview", {})
    line = caught.value.one_line()
    assert line.startswith("cannot write the saved views file local.json (Permission denied)")
    assert str(folder) not in line
    blocker = folder.parent / "blocker"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(saved_views.WipcastError, match="cannot read the saved views file local.json"):
        ViewStore(blocker, "local").views()


# ---------------------------------------------------------------- in the app


@pytest.fixture
def own_warehouse(tmp_path, warehouse_dir, use_warehouse):
    """A copy of the published fixture in a folder of its own: saving writes views/ beside it."""
    shutil.copyfile(warehouse_dir / "wipcast.duckdb", tmp_path / "wipcast.duckdb")
    use_warehouse(tmp_path)
    return tmp_path


def test_a_view_saved_in_the_sidebar_opens_again_with_its_page_and_filters(own_warehouse):
    published = (own_warehouse / "wipcast.duckdb").read_bytes()
    at = open_page("Overview")
    at.multiselect(key="filter_practice").set_value(["Data"]).run()
    at.multiselect(key="filter_entity").set_value(["E1"]).run()
    at.text_input(key="saved_view_name").set_value("Data in E1").run()
    at.button(key="saved_view_save").click().run()
    no_exception(at)
    assert any("Saved the view" in s.value for s in at.success)
    stored = ViewStore(own_warehouse / "views", "local").get("Data in E1")
    assert stored.page == "Overview" and stored.filters == Filters(entities=("E1",), practices=("Data",))

    # Elsewhere with other filters, then open the view: its page, its filters, its address.
    at.switch_page(PAGE_FILES["Utilization"]).run()
    at.multiselect(key="filter_practice").set_value(["Cloud"]).run()
    at.multiselect(key="filter_entity").set_value([]).run()
    at.selectbox(key="saved_view_pick").set_value("Data in E1").run()
    at.button(key="saved_view_open").click().run()
    no_exception(at)
    assert [t.value for t in at.title] == ["Overview"]
    assert at.multiselect(key="filter_practice").value == ["Data"]
    assert at.multiselect(key="filter_entity").value == ["E1"]
    assert url_state.filters_from_params(
        {p: [v] if isinstance(v, str) else v for p, v in at.query_params.items()}
    ) == Filters(entities=("E1",), practices=("Data",))

    # The same name again asks first; Overwrite replaces it.
    at.multiselect(key="filter_practice").set_value(["Strategy"]).run()
    at.text_input(key="saved_view_name").set_value("data in e1").run()
    at.button(key="saved_view_save").click().run()
    assert any("exists" in w.value for w in at.warning)
    assert ViewStore(own_warehouse / "views", "local").get("Data in E1").filters.practices == ("Data",)
    at.button(key="saved_view_overwrite").click().run()
    no_exception(at)
    views = ViewStore(own_warehouse / "views", "local").views()
    assert [(v.name, v.filters.practices) for v in views] == [("data in e1", ("Strategy",))]

    # Deleted from the sidebar; the published file was never written.
    at.selectbox(key="saved_view_pick").set_value("data in e1").run()
    at.button(key="saved_view_delete").click().run()
    no_exception(at)
    assert ViewStore(own_warehouse / "views", "local").views() == []
    assert (own_warehouse / "wipcast.duckdb").read_bytes() == published


def test_in_the_sidebar_a_bad_name_and_a_corrupt_file_are_one_line(own_warehouse):
    at = open_page("Overview")
    at.text_input(key="saved_view_name").set_value("x" * 61).run()
    at.button(key="saved_view_save").click().run()
    errors = [e.value.replace("\\", "") for e in at.error]  # the line is shown escaped (formatting.plain)
    assert len(errors) == 1 and errors[0].startswith("view name: must be 1 to 60 characters") and "\n" not in errors[0]

    (own_warehouse / "views").mkdir()
    (own_warehouse / "views" / "local.json").write_text("{oops")
    at.run()
    errors = [e.value.replace("\\", "") for e in at.error]
    assert len(errors) == 1 and "local.json" in errors[0] and str(own_warehouse) not in errors[0]
    assert (own_warehouse / "views" / "local.json").read_text() == "{oops"


def test_a_logged_in_user_saves_to_their_own_file(own_warehouse):
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=60)
    at.user = {"is_logged_in": True, "email": "CFO@firm.com", "email_verified": True}
    at.run()
    at.text_input(key="saved_view_name").set_value("Mine").run()
    at.button(key="saved_view_save").click().run()
    no_exception(at)
    assert sorted(p.name for p in (own_warehouse / "views").iterdir()) == ["cfo_40_firm.com.json"]
    assert [v.name for v in ViewStore(own_warehouse / "views", "cfo@firm.com").views()] == ["Mine"]
    assert ViewStore(own_warehouse / "views", "local").views() == []
