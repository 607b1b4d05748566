"""The answer written out: answer.md (its first lines are the answer), answer.json (every number)
and answer.html (the same with charts that draw offline), with SVG charts beside the Markdown."""

import html
import json
from pathlib import Path

from embedding_bench import charts
from embedding_bench.answer.choose import METRICS

NAMES = {"jaccard": "Jaccard", "f1_macro": "macro-F1", "f1_micro": "micro-F1"}
CONTRASTS = {"contextual_vs_static": "the best contextual against the best static embedding",
             "preprocessing": "the best against the worst preprocessing of the winning family",
             "subwords": "fastText's subword vectors against word2vec's whole words (the best of each)",
             "pooling": "MTEB's protocol (mean-pooled features, logistic regression) against the "
                        "CNN over the same features (the best of each)"}
CONTRASTS["asked"] = "a contrast asked for (--contrast)"
IN_HEADLINE = ("contextual_vs_static", "preprocessing")  # the others have their sections only


def _interval(row: dict) -> str:
    return f"{row['mean']:.3f} [{row['low']:.3f}, {row['high']:.3f}]"


def _p(p: float) -> str:
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def _diff(c: dict) -> str:
    return (f"{c['diff']:+.3f} [{c['low']:+.3f}, {c['high']:+.3f}], P(A > B) {c['p_a_better']:.2f}, "
            f"p {_p(c['p_holm'])} after Holm")


def seeds(row: dict) -> str:
    """The TF-IDF baseline does not depend on the seed: its runs (one a seed) are one model."""
    return "no seed" if row["model"] == "baseline" else str(row["runs"])


def _tied_text(keys: list[str]) -> str:
    return ", ".join(f"`{k}`" for k in keys) if keys else "none"


def headline(s: dict) -> list[str]:
    """The answer in a few sentences."""
    best = s["best"]["jaccard"]
    seeds = ("no seed (the baseline does not depend on one)" if best["model"] == "baseline"
             else f"{best['runs']} seed{'s' if best['runs'] > 1 else ''}")
    lines = [f"On {s['dataset']}, **`{best['key']}`** works best: Jaccard {_interval(best)} over "
             f"{seeds} and {best['texts']} test texts (rule `{best['rule']}`; configuration and rule "
             f"chosen on validation); tied with it on test: {_tied_text(s['tied']['jaccard'][1:])}."]
    if s["above_best"]["jaccard"]:
        lines.append(f"Validation and test disagree: {_tied_text(s['above_best']['jaccard'])} "
                     f"score significantly higher on test than validation's choice.")
    for metric in ("f1_macro", "f1_micro"):
        row, tied = s["best"][metric], s["tied"][metric]
        same = "the same configuration" if row["key"] == best["key"] else f"`{row['key']}`"
        lines.append(f"On {NAMES[metric]} the best is {same} ({_interval(row)}, rule `{row['rule']}`); tied "
                     f"with it: {_tied_text(tied[1:])}.")
    if s["best"]["f1_macro"]["key"] != best["key"]:
        lines.append("The metrics disagree: " + s["disagreement"])
    for c in (c for c in s["contrasts"] if c["kind"] in IN_HEADLINE):
        jac = next(v for v in c["verdicts"] if v["metric"] == "jaccard")
        verdict = ("a tie" if not jac["significant"] else "a real difference" if min(jac["runs"].values()) > 1
                   else "a difference over these test texts (one seed a side: not over seeds)")
        lines.append(f"{CONTRASTS[c['kind']].capitalize()}: `{c['a']}` against `{c['b']}`, Jaccard "
                     f"{_diff(jac)}: {verdict}. " + (c["sentences"][0] if c["sentences"] else ""))
    return lines


def board_table(result_rows: list[dict], comparisons: list[dict], metric: str, tied: list[str]) -> list[str]:
    vs = {c["b"]: c for c in comparisons if c["kind"] == "best" and c["metric"] == metric}
    lines = [f"| configuration | rule (validation {NAMES[metric]}) | test {NAMES[metric]} [95%] | "
             f"seeds | the best − this | tied |", "|---|---|---|---|---|---|"]
    for row in result_rows:
        c = vs.get(row["key"])
        lines.append(f"| `{row['key']}` | {row['rule']} ({row['validation']:.3f}) | {_interval(row)} | "
                     f"{seeds(row)} | {_diff(c) if c else 'best'} | {'yes' if row['key'] in tied else 'no'} |")
    return lines


def contrast_section(c: dict) -> list[str]:
    lines = [f"### Why: {CONTRASTS[c['kind']]}", "", f"A = `{c['a']}`, B = `{c['b']}`.", ""]
    lines += [f"- {NAMES[v['metric']]}: A − B = {_diff(v)}" for v in c["verdicts"]]
    lines += [""] + [f"- {s}" for s in c["sentences"]]
    lines += ["", "| slice | texts | Jaccard A − B |", "|---|---:|---:|"]
    lines += [f"| {r['slice']} | {r['texts']} | " + (f"{r['diff']:+.3f}" if r["diff"] is not None else r["note"]) + " |"
              for r in c["slices"]]
    lines += ["", "| label | F1 A | F1 B | test support |", "|---|---:|---:|---:|"]
    lines += [f"| {r['label']} | {r['a']:.3f} | {r['b']:.3f} | {r['support']} |" for r in c["per_label"]]
    return lines + [""]


def markdown(s: dict, images: list[str]) -> str:
    lines = [f"# Which embedding works best on {s['dataset']}, and why", ""] + headline(s) + [""]
    if s["warnings"]:
        lines += ["## Warnings", ""] + [f"- {w}" for w in s["warnings"]] + [""]
    for metric in METRICS:
        lines += [f"## {NAMES[metric]}", ""] + board_table(s["rows"][metric], s["comparisons"], metric,
                                                           s["tied"][metric]) + [""]
    for c in s["contrasts"]:
        lines += contrast_section(c)
    if s["failed"]:
        lines += ["## Runs that failed (left out)", ""] + [f"- {f}" for f in s["failed"]] + [""]
    lines += ["## How this was made", ""] + [f"- {m}" for m in s["method"]] + [""]
    lines += images
    return "\n".join(lines) + "\n"


def chart_specs(s: dict) -> list[tuple[str, dict]]:
    specs = []
    for metric in METRICS:
        rows = [{"label": r["key"] + (" (tied with best)" if r["key"] in s["tied"][metric] else ""),
                 "model": r["model"], "metric": metric, "seeds": r["runs"], "mean": round(r["mean"], 4),
                 "low": round(r["low"], 4), "high": round(r["high"], 4)} for r in s["rows"][metric]]
        specs.append((f"test {NAMES[metric]}: mean and 95% interval over seeds and texts",
                      charts.intervals(rows, metric, over="seeds and texts")))
    for c in s["contrasts"]:
        rows = [r for r in c["slices"] if r["diff"] is not None]
        if rows:
            specs.append((f"why ({c['kind']}): Jaccard A − B per slice of at least 20 texts",
                          charts.slice_deltas(rows, c["a"], c["b"])))
        specs.append((f"why ({c['kind']}): per-label F1", charts.paired_bars(c["per_label"], c["a"], c["b"])))
    return specs


def write(out: Path, s: dict) -> None:
    """answer.md with its charts as SVG beside it, answer.html, answer.json in the folder `out`."""
    out.mkdir(parents=True, exist_ok=True)
    specs = chart_specs(s)
    images = []
    for i, (heading, spec) in enumerate(specs, start=1):
        (out / f"answer_chart{i}.svg").write_text(charts.svg(spec), encoding="utf-8")
        images.append(f"![{heading}](answer_chart{i}.svg)")
    text = markdown(s, images)
    (out / "answer.md").write_text(text, encoding="utf-8")
    (out / "answer.json").write_text(json.dumps(s, indent=2, default=str) + "\n", encoding="utf-8")
    body = "<pre style='white-space:pre-wrap'>" + html.escape(text.split("\n![")[0]) + "</pre>"
    (out / "answer.html").write_text(charts.page(f"The answer: {s['dataset']}", body, specs), encoding="utf-8")
