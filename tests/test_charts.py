"""Charts that draw offline: SVG rendering without a browser, and the HTML pages (DVC's plots,
the leaderboard, the why-report) opened in headless Chromium with the network off."""

import json
import shutil
import struct
import subprocess
import zlib

import pytest

from conftest import BIN, ROOT, run
from embedding_bench import charts
from embedding_bench.compare import cli, leaderboard, render, runs
from test_compare import EXP_JSON

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
needs_chromium = pytest.mark.skipif(
    not CHROMIUM, reason="no Chromium: apt-get install chromium (.ci/run installs it)")
ROWS = [{"label": "cnn / glove", "model": "cnn", "metric": "jaccard", "seeds": 3,
         "mean": 0.62, "low": 0.57, "high": 0.67},
        {"label": "baseline / tf-idf", "model": "baseline", "metric": "jaccard", "seeds": 3,
         "mean": 0.5, "low": 0.5, "high": 0.5}]


def test_interval_chart_renders_to_svg_without_a_browser():
    svg = charts.svg(charts.intervals(ROWS, "jaccard"))
    assert svg.startswith("<svg") and "cnn / glove" in svg and "95% interval" in svg
    assert svg.count("<path") >= 3  # the interval bar, the mean's point, the baseline's line


def test_dvc_plots_json_becomes_svgs_and_markdown(tmp_path):
    spec = {"$schema": charts.SCHEMA, "data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": 3}]},
            "mark": "line", "encoding": {"x": {"field": "x", "type": "quantitative"},
                                         "y": {"field": "y", "type": "quantitative"}}}
    md = charts.plots_markdown({"data": {"plots/loss.tsv": [{"type": "vega", "content": spec},
                                                             {"type": "image", "url": "x.png"}]}},
                               tmp_path / "md")
    assert md.strip() == f"**plots/loss.tsv**\n\n![plots/loss.tsv]({tmp_path / 'md' / '01.svg'})"
    assert (tmp_path / "md" / "01.svg").read_text().startswith("<svg")


@pytest.mark.parametrize("stdin, shown", [("", "'nothing'"), ("ERROR: unexpected error\n", "'ERROR: unexpected error'"),
                                           ("[1, 2]", "'[1, 2]'")])
def test_plots_md_without_dvc_json_on_stdin_is_one_clear_error(tmp_path, stdin, shown):
    result = subprocess.run([BIN / "embedding-bench", "charts", "plots-md", tmp_path / "md"], input=stdin,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: plots-md reads the output of `dvc plots diff --json` on stdin, "
                                    f"and got {shown}")
    assert not (tmp_path / "md").exists()  # nothing half-written


def test_leaderboard_report_links_svg_charts(tmp_path):
    (tmp_path / "exp.json").write_text(json.dumps(EXP_JSON))
    cli.main(["--from-json", str(tmp_path / "exp.json"), "--out", str(tmp_path / "board")])
    md = (tmp_path / "board.md").read_text()
    for i, metric in enumerate(("jaccard", "f1_micro", "f1_macro", "hamming_loss"), start=1):
        assert f"![{metric}](board_chart{i}.svg)" in md
        assert (tmp_path / f"board_chart{i}.svg").read_text().startswith("<svg")
    assert "cdn" not in (tmp_path / "board.html").read_text().lower()


def nonwhite_share(png):
    """Share of pixels of an 8-bit RGB(A) PNG that are not white (zlib only: no imaging library)."""
    data, pos, idat = png.read_bytes(), 8, b""
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", data[pos + 8:pos + 21])
        elif kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + size]
        pos += 12 + size
    assert depth == 8 and interlace == 0 and color in (2, 6)
    bpp = 3 if color == 2 else 4
    raw, stride, prev, inked = zlib.decompress(idat), width * bpp, bytearray(width * bpp), 0
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # undo the PNG row filter (none, sub, up, average, Paeth)
            a, b = (line[i - bpp] if i >= bpp else 0), prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            line[i] = (line[i] + (0, a, b, (a + b) // 2, a if abs(p - a) <= min(abs(p - b), abs(p - c))
                                  else b if abs(p - b) <= abs(p - c) else c)[kind]) & 255
        inked += sum(line[i:i + 3] != b"\xff\xff\xff" for i in range(0, stride, bpp))
        prev = line
    return inked / (width * height)


def draw(page, tmp_path):
    """(number of Vega views with marks in the DOM after the scripts ran, share of inked pixels of a
    screenshot), with every network request refused."""
    offline = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
               "--virtual-time-budget=20000"]
    dom = subprocess.run([*offline, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=180).stdout
    shot = tmp_path / "shot.png"
    subprocess.run([*offline, "--window-size=1000,900", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=180, cwd=tmp_path)
    views = dom.count('class="marks"')
    return views, nonwhite_share(shot) if shot.exists() else 0.0


@needs_chromium
def test_dvc_plots_page_draws_offline_and_the_cdn_page_does_not(tmp_path):
    out = run([str(BIN / "dvc"), "plots", "show", "--out", str(tmp_path / "offline")], ROOT).stdout
    page = tmp_path / "offline" / "index.html"
    assert "cdn.jsdelivr" not in page.read_text(), out  # .dvc/config's template (make install)
    views, inked = draw(page, tmp_path)
    assert views >= 10 and inked > 0.02  # loss curves, per-label F1, PR curves: drawn
    # the same plots with DVC's own template (scripts from a CDN) stay blank offline
    (tmp_path / "cdn.html").write_text("<html><head>{scripts}</head><body>{plot_divs}</body></html>")
    run([str(BIN / "dvc"), "plots", "show", "--html-template", str(tmp_path / "cdn.html"),
         "--out", str(tmp_path / "cdn")], ROOT)
    assert draw(tmp_path / "cdn" / "index.html", tmp_path)[0] == 0


@needs_chromium
def test_leaderboard_and_why_report_draw_offline(tmp_path):
    table = runs.runs(runs.experiments(EXP_JSON))
    slice_rows = [{"slice": "all", "texts": 80, "disagree": 20, "diff": 0.25},
                  {"slice": "negation", "texts": 22, "disagree": 12, "diff": 1.0},
                  {"slice": "emoji", "texts": 1, "disagree": 0, "diff": -0.1}]  # too few texts: no bar
    probe_rows = [{"label": "cnn / glove", "perturbation": p, "flip_rate": r}
                  for p, r in (("negation", 0.12), ("typos", 0.05))]
    render.write_reports(tmp_path / "why", leaderboard.leaderboard(table), "A vs B ...",
                         leaderboard.interval_rows(table), probe_rows, slice_rows,
                         ("embedding=glove", "embedding=word2vec"))
    views, inked = draw(tmp_path / "why.html", tmp_path)
    assert views == 6 and inked > 0.02  # four metrics' intervals (no empty rate in these runs), probes, slices
