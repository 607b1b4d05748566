"""`embedding-bench <command>` (or `python -m embedding_bench <command>`): the tools that are not
pipeline stages.

    embedding-bench answer [--quick | --full] [--jobs N]                the answer: which embedding, and why
    embedding-bench compare [--all-commits] [--out PATH] [--pair A B]   the leaderboard
    embedding-bench review --base BASE_HEADLINE                         PR review: change vs noise
    embedding-bench grid run|gather --worker i/N -S ...                 a grid over several machines
    embedding-bench charts dvc-template PATH | plots-md DIR            charts that draw offline
    embedding-bench params-doc [--check] docs/params.md                the params reference
"""

import importlib
import os
import sys
from pathlib import Path
from typing import Optional

# command: (module whose main() runs it, what it does); a module is imported only when its
# command is asked for: they pull in scipy and dvc
COMMANDS = {"answer": ("answer.cli", "which embedding works best on this dataset, and why: runs, verdicts, report"),
            "compare": ("compare.cli", "the leaderboard and the paired test over `dvc exp show`"),
            "review": ("review", "headline metrics against the base branch's, judged against seed spread"),
            "grid": ("grid", "a grid of experiments split over workers (run), then one leaderboard (gather)"),
            "charts": ("charts", "offline charts: DVC's plots template, `dvc plots diff --json` as SVG + Markdown"),
            "params-doc": ("params_doc", "the params reference page, generated from the schema")}


def use_this_environment() -> None:
    """This interpreter's scripts folder first on PATH, where it holds dvc: the commands call
    `dvc`, whose stages call `python -m stages...`; `.venv/bin/embedding-bench` run without the
    venv activated would otherwise find no dvc (a traceback) or another environment's python."""
    scripts = Path(sys.executable).parent
    if (scripts / "dvc").exists() and os.environ.get("PATH", "").split(os.pathsep)[0] != str(scripts):
        os.environ["PATH"] = f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(__doc__.strip() + "\n\ncommands:\n" +
              "\n".join(f"  {name:10} {what}" for name, (_, what) in COMMANDS.items()))
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    use_this_environment()
    command = importlib.import_module(f"embedding_bench.{COMMANDS[argv[0]][0]}")
    return command.main(argv[1:], prog=f"embedding-bench {argv[0]}")


if __name__ == "__main__":
    sys.exit(main())
