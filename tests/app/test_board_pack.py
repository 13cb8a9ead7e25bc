"""The board pack (app/board_pack, `wipcast report`, the Overview's button) on the hand-made fixture warehouse.

Two packs are printed once for the module (Chromium, marked `browser`): the whole firm through the CLI, and
Region EMEA + Practice Data through the app's download callable. Their pages are read back with pypdfium2:
one page per section with its title, the as-of date, the run id, the filters and the data version; the
key figures equal what the app's queries return (and two equal sums of the fixture's own rows); every page
renders to a picture that is not blank. The input errors need no Chromium: each is one line and exit 1.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from app_fixture_warehouse import AS_OF, build_fixture_warehouse
from app_helpers import open_page

from app import data
from app.board_pack import context, download, layout, sections
from app.formatting import money

CHROMIUM = os.environ.get("WIPCAST_CHROMIUM") or "/usr/bin/chromium"


def needs_chromium(test):
    """Prints with Chromium: marked `browser`, skipped where there is none."""
    skip = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: make chromium")
    return pytest.mark.browser(skip(test))


pytestmark = pytest.mark.xdist_group("board-pack")  # one worker prints both packs

RUN = "run-202610"  # the fixture's newest run (as of 31 Oct 2026)
TITLES = ["Overview", "Forecast", "Variance", "Unbilled exposure", "Reconciliation"]
FILTERED = data.Filters(run_id=RUN, regions=("EMEA",), practices=("Data",))
YTD_SQL = """select sum(r.earned_revenue_reporting) from marts.mart_revenue_monthly r join marts.dim_project p
             using (project_id) join marts.dim_customer c using (customer_id)
             where r.month_start between date '2026-01-01' and date '2026-10-01'
             and list_contains(?, p.practice) and list_contains(?, c.region)"""


def run_cli(args: list[str], capsys, monkeypatch) -> tuple[int, str]:
    """`wipcast ARGS` as the console entry point runs it: (exit code, what it printed)."""
    from cli.main import main

    monkeypatch.setattr(sys, "argv", ["wipcast", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def pdf_pages(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    finally:
        document.close()


def ink_shares(path: Path) -> list[float]:
    """Per page, the share of pixels that are not (near) white."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        shares = []
        for page in document:
            image = page.render(scale=0.5).to_pil().convert("L")
            histogram = image.histogram()
            shares.append(sum(histogram[:235]) / (image.width * image.height))
        return shares
    finally:
        document.close()


@pytest.fixture(scope="module")
def pack_folder(tmp_path_factory, warehouse_dir) -> Path:
    """A copy of the fixture warehouse for this module's packs."""
    folder = tmp_path_factory.mktemp("pack-warehouse")
    shutil.copyfile(warehouse_dir / "wipcast.duckdb", folder / "wipcast.duckdb")
    return folder


@pytest.fixture(scope="module")
def firm_pack(pack_folder, tmp_path_factory) -> Path:
    """The whole firm's pack for October 2026, printed by `wipcast report`."""
    from typer.testing import CliRunner

    from cli.main import app

    out = tmp_path_factory.mktemp("packs") / "pack.pdf"
    args = ["report", "--month", "2026-10", "--out", str(out), "--warehouse-dir", str(pack_folder)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "board pack written" in result.output
    return out


@pytest.fixture(scope="module")
def filtered_pack(pack_folder, tmp_path_factory) -> Path:
    """Region EMEA + Practice Data, printed by the Overview button's callable (the app's path)."""
    out = tmp_path_factory.mktemp("packs") / "filtered.pdf"
    with context.reading(pack_folder):
        out.write_bytes(download._print(FILTERED))
    return out


@needs_chromium
def test_each_section_is_a_page_with_the_scope_on_it(firm_pack):
    pages = pdf_pages(firm_pack)
    assert len(pages) == len(TITLES)
    for number, (text, title) in enumerate(zip(pages, TITLES, strict=True), start=1):
        assert re.search(rf"\b{re.escape(title)}\b", text), (title, text[:200])
        assert "actuals as of 31 Oct 2026" in text
        assert f"run {RUN}" in text
        assert "Filters: none (whole firm)" in text
        assert f"Data: forecast {RUN} · build fixture" in text and "publish R1" in text  # build stamp, run log
        assert f"Page {number} of {len(TITLES)}" in text


@needs_chromium
def test_key_figures_are_the_app_queries(firm_pack, pack_folder, use_warehouse, sql):
    overview, forecast, variance, unbilled, reconciliation = pdf_pages(firm_pack)
    use_warehouse(pack_folder)
    f = data.Filters(run_id=RUN)
    ytd = data.period_figures(f, AS_OF, "ytd")
    assert f"Revenue year to date {money(ytd['revenue'])}" in overview
    assert f"Margin year to date {money(ytd['margin'])}" in overview
    outlook = data.full_year_outlook(f, RUN, 2026)
    assert f"Full-year 2026 outlook (p50) {money(outlook['p50'])}" in overview
    assert f"Unbilled exposure {money(data.unbilled_total(f))}" in overview
    assert f"Unbilled exposure {money(data.unbilled_total(f))}" in unbilled
    components, _ = data.forecast_by_component(f, RUN)
    pipeline = components.loc[components["component"] == "pipeline", "mean"].sum()
    assert f"Pipeline (weighted) {money(pipeline)}" in forecast
    early = data.earlier_run(AS_OF, 3)
    assert early is not None and early["run_id"] == "run-202607"
    start, end = data.variance_window(pd.Timestamp(early["as_of_date"]).date(), AS_OF)
    by_month = data.variance(f, "run-202607", start, end)["by_month"]
    assert f"Actual earned revenue {money(by_month['actual'].sum())}" in variance
    assert f"Forecast made 31 Jul 2026 {money(by_month['forecast'].sum())}" in variance
    # Sums of the fixture's own rows, not the app's queries.
    all_practices, all_regions = ["Cloud", "Data", "Strategy"], ["EMEA", "NA"]
    assert f"Revenue year to date {money(sql(YTD_SQL, [all_practices, all_regions]))}" in overview
    # _reconciliation: overdue unposted approved time 1,200.00 + 450.25 in 2 entries; open exceptions 2
    assert f"Approved time not posted (overdue) {money(1200.00 + 450.25)} 2 time entries" in reconciliation
    assert "All open exceptions 2" in reconciliation


@needs_chromium
def test_every_page_is_drawn(firm_pack, filtered_pack):
    for pack in (firm_pack, filtered_pack):
        shares = ink_shares(pack)
        assert all(share > 0.03 for share in shares), (pack.name, shares)  # charts drawn, not a blank page
    # the pages with charts carry far more ink than the one with tables only (Reconciliation)
    firm = ink_shares(firm_pack)
    assert min(firm[:4]) > firm[4], firm


@needs_chromium
def test_a_filtered_pack_says_so_on_every_page_and_is_smaller(filtered_pack, pack_folder, use_warehouse, sql):
    pages = pdf_pages(filtered_pack)
    assert len(pages) == len(TITLES)
    assert all("Filters: Region EMEA; Practice Data" in text for text in pages)
    use_warehouse(pack_folder)
    ytd = data.period_figures(FILTERED, AS_OF, "ytd")["revenue"]
    whole = data.period_figures(data.Filters(run_id=RUN), AS_OF, "ytd")["revenue"]
    assert 0 < ytd < whole
    assert ytd == pytest.approx(sql(YTD_SQL, [["Data"], ["EMEA"]]), abs=0.01)
    assert f"Revenue year to date {money(ytd)}" in pages[0]
    assert f"Unbilled exposure {money(data.unbilled_total(FILTERED))}" in pages[3]


def test_month_picks_the_latest_run_made_in_it(pack_folder, use_warehouse):
    use_warehouse(pack_folder)
    assert context.run_for_month(None) == RUN
    assert context.run_for_month(dt.date(2026, 8, 1)) == "run-202608"
    august = context.pack_context("run-202608", data.Filters(run_id="run-202608"))
    assert august.as_of == dt.date(2026, 8, 31)  # actuals as of the month's end
    assert august.warehouse_as_of == AS_OF
    assert august.version.startswith("forecast run-202608 · build fixture")


def test_the_document_loads_nothing_and_keeps_names_as_text(tmp_path, use_warehouse):
    """Names that are HTML (an <img> fetching a beacon) stay characters: in the filters, the charts, the tables."""
    hostile = "<img src=http://beacon.invalid/x.png onerror=alert(1)>Acme"
    build_fixture_warehouse(tmp_path / "wipcast.duckdb", renames={"customer": hostile, "project": hostile})
    use_warehouse(tmp_path)
    filters = data.Filters(run_id=RUN, customers=("C01",))
    ctx = context.pack_context(RUN, filters)
    assert hostile in ctx.filter_text
    html = layout.document(ctx, sections.collect(ctx)) + layout.running_header(ctx)
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", html, re.IGNORECASE)
    assert "beacon.invalid" in html  # the name is there, as text
    assert html.count('<script type="text/javascript">') == 1  # plotly.js inlined once
    assert html.count("break-before: page") == 1


def test_no_reconciliation_section_without_its_marts(tmp_path, warehouse_dir, use_warehouse):
    shutil.copyfile(warehouse_dir / "wipcast.duckdb", tmp_path / "wipcast.duckdb")
    con = duckdb.connect(str(tmp_path / "wipcast.duckdb"))
    for table in ("fct_sync_exceptions", "mart_unposted_approved_time", "mart_close_control_monthly"):
        con.execute(f"drop table marts.{table}")
    con.close()
    use_warehouse(tmp_path)
    ctx = context.pack_context(RUN, data.Filters(run_id=RUN))
    assert [s.title for s in sections.collect(ctx)] == TITLES[:4]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "error: --month '2026-13' is not a month — use YYYY-MM"),
        (["--month", "Oct 2026"], "error: --month 'Oct 2026' is not a month — use YYYY-MM"),
        (
            ["--month", "2025-10"],
            "error: --month 2025-10 has no forecast run — months with one: 2026-04, 2026-05, 2026-06, 2026-07, "
            "2026-08, 2026-09, 2026-10",
        ),
        (["--practice", "Sales"], "error: --practice 'Sales' is not in the warehouse — values it has: Cloud, Data"),
        (["--customer", "C99"], "error: --customer 'C99' is not in the warehouse — values it has: C01, C02"),
    ],
)
def test_input_errors_are_one_line(args, message, pack_folder, tmp_path, capsys, monkeypatch):
    out = tmp_path / "pack.pdf"
    code, text = run_cli(["report", "--out", str(out), "--warehouse-dir", str(pack_folder), *args], capsys, monkeypatch)
    assert code == 1, text
    assert text.startswith(message), text
    assert len(text.splitlines()) == 1, text
    assert list(tmp_path.iterdir()) == []


def test_missing_warehouse_out_folder_and_chromium(pack_folder, tmp_path, capsys, monkeypatch):
    out = tmp_path / "pack.pdf"
    code, text = run_cli(["report", "--out", str(out), "--warehouse-dir", str(tmp_path / "none")], capsys, monkeypatch)
    assert code == 1 and text.startswith("error: no published warehouse at ") and "`make build`" in text, text
    missing = tmp_path / "no-such-folder" / "pack.pdf"
    code, text = run_cli(["report", "--out", str(missing), "--warehouse-dir", str(pack_folder)], capsys, monkeypatch)
    assert code == 1 and text.startswith(f"error: --out {missing}: the folder ") and "does not exist" in text, text
    # No Chromium: one line naming the fix, and an existing file at --out is left as it was (no half file).
    out.write_bytes(b"last month's pack")
    monkeypatch.setenv("WIPCAST_CHROMIUM", str(tmp_path / "no-chromium"))
    code, text = run_cli(["report", "--out", str(out), "--warehouse-dir", str(pack_folder)], capsys, monkeypatch)
    assert code == 1, text
    assert text.startswith("error: Chromium is not installed at ") and "`make chromium`" in text, text
    assert "WIPCAST_CHROMIUM" in text and len(text.splitlines()) == 1
    assert out.read_bytes() == b"last month's pack"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]


def test_the_overview_offers_the_pack_or_says_why_not(pack_folder, use_warehouse, monkeypatch):
    from streamlit.testing.v1 import AppTest

    def button() -> None:
        from app import data
        from app.board_pack.download import pack_button

        pack_button(data.Filters(run_id="run-202610"))

    use_warehouse(pack_folder)
    at = open_page("Overview")  # the page itself carries the button, for its run and filters
    assert [b.proto.label for b in at.get("download_button")].count("Board pack (PDF)") == 1
    monkeypatch.setenv("WIPCAST_CHROMIUM", "/usr/bin/true")
    at = AppTest.from_function(button).run()
    assert not at.error and not at.exception
    assert [b.proto.label for b in at.get("download_button")] == ["Board pack (PDF)"]
    monkeypatch.setenv("WIPCAST_CHROMIUM", "/nonexistent/chromium")
    at = AppTest.from_function(button).run()
    assert not at.get("download_button")
    assert len(at.error) == 1 and "make chromium" in at.error[0].value and "\n" not in at.error[0].value
