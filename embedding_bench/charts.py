"""Charts that draw anywhere: offline in a browser, as SVG in Markdown, with no CDN and no Node.

vl-convert-python ships Vega, Vega-Lite and vega-embed as one JavaScript bundle and renders
Vega-Lite to SVG without a browser. Every HTML page here inlines that bundle, so it draws with the
network off or from a CI artifact; Markdown gets SVG files.

    python -m embedding_bench.charts dvc-template .dvc/plots_template.html   # for `dvc plots show/diff`
    dvc plots diff main --json | python -m embedding_bench.charts plots-md DIR > plots.md
"""

import argparse
import functools
import json
import sys
from pathlib import Path

import vl_convert

from embedding_bench.cli import stage_main
from embedding_bench.errors import UserError

VEGA_LITE = "5.21"  # DVC's plot templates are Vega-Lite 5 specs
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

DVC_TEMPLATE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>DVC plots</title>
<script>{bundle}</script>
<style>table {{ border-spacing: 15px; }}</style>
</head>
<body>
{{plot_divs}}
</body>
</html>
"""


@functools.cache
def bundle():
    """Vega, Vega-Lite and vega-embed in one script (sets window.vegaEmbed), about 0.9 MB."""
    return vl_convert.javascript_bundle(vl_version=VEGA_LITE)


def dvc_template():
    """An HTML template for DVC's plots (config `plots.html_template`): DVC's own template loads
    the libraries from a CDN; this one has them inline and leaves out DVC's `{scripts}`."""
    return DVC_TEMPLATE.format(bundle=bundle())


def page(title, body_html, charts):
    """A standalone HTML page: `body_html`, then each (heading, Vega-Lite spec) drawn in place."""
    divs, calls = [], []
    for i, (heading, spec) in enumerate(charts):
        divs.append(f"<h2>{heading}</h2>\n<div id='chart{i}' class='chart'></div>")
        calls.append(f"vegaEmbed('#chart{i}', {json.dumps(spec)}, {{actions: false, renderer: 'svg'}});")
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{title}</title><script>{bundle()}</script>"
            "<style>body{font-family:sans-serif}td,th{padding:4px 10px;text-align:right}</style>"
            f"</head><body>\n{body_html}\n" + "\n".join(divs) +
            "\n<script>\n" + "\n".join(calls) + "\n</script>\n</body></html>\n")


def svg(spec):
    """A Vega-Lite (or, without a vega-lite $schema, a Vega) spec drawn as SVG."""
    if "vega-lite" in spec.get("$schema", "vega-lite"):
        return vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE)
    return vl_convert.vega_to_svg(spec)


def intervals(rows, metric, over="seeds"):
    """Each configuration's mean `metric` with its 95% interval over `over` (error bars), the
    baseline's configurations as dashed reference lines. rows: label, model, mean, low, high."""
    y = {"field": "label", "type": "nominal", "sort": None, "title": None}
    x = {"type": "quantitative", "scale": {"zero": False},
         "title": f"{metric}: mean and 95% interval over {over}"}
    return {
        "$schema": SCHEMA, "title": metric, "width": 420, "data": {"values": rows},
        "layer": [
            {"transform": [{"filter": "datum.model == 'baseline'"}],
             "mark": {"type": "rule", "strokeDash": [4, 4], "color": "gray"},
             "encoding": {"x": {"field": "mean", **x}}},
            {"mark": {"type": "rule", "strokeWidth": 2},
             "encoding": {"y": y, "x": {"field": "low", **x}, "x2": {"field": "high"},
                          "color": {"field": "model", "type": "nominal"}}},
            {"mark": {"type": "point", "filled": True, "size": 70},
             "encoding": {"y": y, "x": {"field": "mean", **x},
                          "color": {"field": "model", "type": "nominal"},
                          "tooltip": [{"field": "label"}, {"field": "mean", "format": ".4f"},
                                      {"field": "low", "format": ".4f"},
                                      {"field": "high", "format": ".4f"}, {"field": "seeds"}]}},
        ],
    }


def flip_rates(rows):
    """Probe flip rates, configuration x perturbation. rows: label, perturbation, flip_rate."""
    encoding = {"x": {"field": "perturbation", "type": "nominal", "sort": None, "title": None,
                      "axis": {"labelAngle": -30}},
                "y": {"field": "label", "type": "nominal", "sort": None, "title": None}}
    return {
        "$schema": SCHEMA, "title": "share of test texts whose label set flips", "data": {"values": rows},
        "width": {"step": 64}, "height": {"step": 26},
        "layer": [
            {"mark": "rect", "encoding": {**encoding, "color": {
                "field": "flip_rate", "type": "quantitative", "title": "flip rate",
                "scale": {"scheme": "oranges", "domain": [0, 1]}}}},
            {"mark": {"type": "text", "fontSize": 10},
             "encoding": {**encoding, "text": {"field": "flip_rate", "type": "quantitative",
                                                "format": ".0%"}}},
        ],
    }


def slice_deltas(rows, a, b):
    """A pair's paired Jaccard difference per slice. rows: slice, texts, diff."""
    return {
        "$schema": SCHEMA, "title": f"Jaccard A - B per slice (A = {a}, B = {b})",
        "width": 420, "data": {"values": rows},
        "layer": [
            {"mark": "bar", "encoding": {
                "y": {"field": "slice", "type": "nominal", "sort": None, "title": None},
                "x": {"field": "diff", "type": "quantitative", "title": "Jaccard A - B"},
                "color": {"condition": {"test": "datum.diff < 0", "value": "#c0392b"},
                          "value": "#2e86c1"},
                "tooltip": [{"field": "slice"}, {"field": "texts"},
                            {"field": "diff", "format": "+.4f"}]}},
            {"mark": {"type": "rule", "color": "black"}, "encoding": {"x": {"datum": 0}}},
        ],
    }


def paired_bars(rows, a, b):
    """Two configurations' per-label scores side by side. rows: label, a, b (numbers)."""
    long = [{"label": r["label"], "side": side, "f1": round(r[key], 4)}
            for r in rows for side, key in ((f"A = {a}", "a"), (f"B = {b}", "b"))]
    return {
        "$schema": SCHEMA, "title": "per-label F1", "width": 420, "data": {"values": long},
        "mark": "bar",
        "encoding": {"y": {"field": "label", "type": "nominal", "sort": None, "title": None},
                     "yOffset": {"field": "side"},
                     "x": {"field": "f1", "type": "quantitative", "title": "F1", "scale": {"domain": [0, 1]}},
                     "color": {"field": "side", "type": "nominal", "title": None},
                     "tooltip": [{"field": "label"}, {"field": "side"}, {"field": "f1", "format": ".3f"}]},
    }


def plots_markdown(dvc_json, folder):
    """`dvc plots show/diff --json` -> one SVG per plot in `folder`, and Markdown linking them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines, n = [], 0
    for name, renders in (dvc_json.get("data") or {}).items():
        for render in renders:
            if render.get("type") != "vega":
                continue
            n += 1
            path = folder / f"{n:02d}.svg"
            path.write_text(svg(render["content"]))
            lines.append(f"**{name}**\n\n![{name}]({path})\n")
    return "\n".join(lines)


def _dvc_plots_json(text: str) -> dict:
    """What `dvc plots diff --json` printed; anything else (nothing piped in, DVC's error text)
    is said as such, not as a JSON traceback."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        shown = text.strip()[:80] or "nothing"
        raise UserError(f"plots-md reads the output of `dvc plots diff --json` on stdin, and got "
                        f"{shown!r}; run e.g. `dvc plots diff main --json | embedding-bench charts "
                        f"plots-md DIR`")
    return data


@stage_main
def main(argv=None, prog=None):
    ap = argparse.ArgumentParser(prog=prog, description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    commands = ap.add_subparsers(dest="command", required=True)
    template = commands.add_parser("dvc-template", help="write the offline HTML template for DVC plots")
    template.add_argument("path", type=Path)
    markdown = commands.add_parser("plots-md", help="`dvc plots diff --json` on stdin -> SVGs + Markdown")
    markdown.add_argument("folder", type=Path)
    args = ap.parse_args(argv)
    if args.command == "dvc-template":
        args.path.parent.mkdir(parents=True, exist_ok=True)
        args.path.write_text(dvc_template(), encoding="utf-8")
    else:
        print(plots_markdown(_dvc_plots_json(sys.stdin.read()), args.folder))


if __name__ == "__main__":
    sys.exit(main())
