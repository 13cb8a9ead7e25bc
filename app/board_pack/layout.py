"""The board pack as one HTML document for print: A4 landscape, one section per page, plotly.js inlined once
(no network), each figure drawn from its JSON at a fixed size; `running_header` / `running_footer` are the
templates Chromium repeats on every page (as-of date, filters, run id, data version, page x of y).

Every text from the data is HTML-escaped here (figure texts already went through formatting.chart_text)."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from app.board_pack.context import PackContext
from app.board_pack.sections import Section

# A4 landscape less the margins below: 273 x 180 mm, about 1030 x 680 CSS pixels.
MARGINS_MM = {"top": 16, "right": 12, "bottom": 14, "left": 12}
CONTENT_WIDTH_PX = 1030
CHART_HEIGHT_PX = 320
READY = "window.packReady === true || window.packError !== undefined"

STYLE = f"""
@page {{ size: A4 landscape; margin: {MARGINS_MM["top"]}mm {MARGINS_MM["right"]}mm {MARGINS_MM["bottom"]}mm
  {MARGINS_MM["left"]}mm; }}
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; padding: 0; }}
body {{ font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #262730; font-size: 12px;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
section.page {{ break-before: page; break-inside: avoid; width: {CONTENT_WIDTH_PX}px; }}
section.page:first-of-type {{ break-before: auto; }}
h1 {{ font-size: 22px; margin: 0 0 2px 0; }}
p.subtitle {{ margin: 0 0 10px 0; color: #55565e; }}
.tiles {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin-bottom: 10px; }}
.tile {{ border: 1px solid #d5d6dc; border-radius: 6px; padding: 6px 10px; }}
.tile .label {{ font-size: 11px; color: #55565e; }}
.tile .value {{ font-size: 20px; font-weight: 600; }}
.tile .note {{ font-size: 10px; color: #55565e; }}
.charts {{ display: flex; gap: 10px; }}
figure {{ margin: 0; }}
h2 {{ font-size: 14px; margin: 4px 0; }}
table {{ border-collapse: collapse; font-size: 11px; margin-bottom: 8px; }}
th, td {{ border-bottom: 1px solid #e3e4e8; padding: 3px 8px; text-align: left; }}
th {{ color: #55565e; font-weight: 600; }}
.tables {{ display: flex; gap: 24px; }}
ul.notes {{ margin: 6px 0 0 0; padding-left: 16px; font-size: 10px; color: #55565e; }}
"""

DRAW = """
(function () {
  const slots = Array.from(document.querySelectorAll("[data-figure]"));
  Promise.all(slots.map(function (slot) {
    const spec = JSON.parse(document.getElementById(slot.dataset.figure).textContent);
    return Plotly.newPlot(slot, spec.data, spec.layout, {staticPlot: true, displayModeBar: false});
  })).then(function () { window.packReady = true; }, function (e) { window.packError = String(e); });
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _figure_json(figure: go.Figure, width: int) -> str:
    figure.update_layout(width=width, height=CHART_HEIGHT_PX, hovermode=False)
    # Room for the tick labels (on screen Streamlit's theme makes it); month labels are short, never rotated.
    # Ticks and legend at 12 px (the screen's 14 px crowd a half-page chart).
    figure.update_layout(legend_font_size=12)
    figure.update_xaxes(automargin=True, tickfont_size=12)
    figure.update_yaxes(automargin=True, tickfont_size=12)
    if figure.layout.xaxis.tickmode == "array":
        figure.update_xaxes(tickangle=0)
    # A "</" inside the JSON would end its script element early.
    return str(figure.to_json()).replace("</", "<\\/")


def _table(heading: str, frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False)
    )
    body = rows or f'<tr><td colspan="{len(frame.columns)}">None.</td></tr>'
    return f"<div><h2>{_e(heading)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _section(section: Section, figures: list[str]) -> str:
    parts = [f'<section class="page" id="{_e(section.key)}"><h1>{_e(section.title)}</h1>']
    parts.append(f'<p class="subtitle">{_e(section.subtitle)}</p>')
    if section.tiles:
        parts.append('<div class="tiles">')
        for tile in section.tiles:
            parts.append(
                f'<div class="tile"><div class="label">{_e(tile.label)}</div><div class="value">{_e(tile.value)}</div>'
                f'<div class="note">{_e(tile.note)}</div></div>'
            )
        parts.append("</div>")
    if section.charts:
        width = (CONTENT_WIDTH_PX - 10 * (len(section.charts) - 1)) // len(section.charts)
        parts.append('<div class="charts">')
        for heading, figure in section.charts:
            name = f"figure-{len(figures)}"
            figures.append(f'<script type="application/json" id="{name}">{_figure_json(figure, width)}</script>')
            parts.append(f'<figure><h2>{_e(heading)}</h2><div class="plot" data-figure="{name}"></div></figure>')
        parts.append("</div>")
    if section.tables:
        parts.append('<div class="tables">' + "".join(_table(h, t) for h, t in section.tables) + "</div>")
    if section.notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in section.notes) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def document(ctx: PackContext, sections: list[Section]) -> str:
    figures: list[str] = []
    body = "".join(_section(s, figures) for s in sections)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Board pack {ctx.as_of:%d %b %Y}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
        f"<body>{body}{''.join(figures)}<script>{DRAW}</script></body></html>"
    )


TEMPLATE_STYLE = (
    "font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 8px; color: #55565e; width: 100%; "
    "margin: 0 12mm; display: flex; justify-content: space-between; gap: 12px;"
)


def running_header(ctx: PackContext) -> str:
    return (
        f'<div style="{TEMPLATE_STYLE}"><span>Board pack · actuals as of {ctx.as_of:%d %b %Y} · '
        f"run {_e(ctx.run_id)}</span><span>Filters: {_e(ctx.filter_text)}</span></div>"
    )


def running_footer(ctx: PackContext) -> str:
    return (
        f'<div style="{TEMPLATE_STYLE}"><span>Data: {_e(ctx.version)}</span>'
        '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
    )
