"""`embedding-bench <command>` (or `python -m embedding_bench <command>`): the tools that are not
pipeline stages.

    embedding-bench compare [--all-commits] [--out PATH] [--pair A B]   the leaderboard
    embedding-bench review --base BASE_HEADLINE                         PR review: change vs noise
    embedding-bench grid run|gather --worker i/N -S ...                 a grid over several machines
    embedding-bench charts dvc-template PATH | plots-md DIR            charts that draw offline
"""

import sys

COMMANDS = {"compare": "the leaderboard and the paired test over `dvc exp show`",
            "review": "headline metrics against the base branch's, judged against seed spread",
            "grid": "a grid of experiments split over workers (run), then one leaderboard (gather)",
            "charts": "offline charts: DVC's plots template, `dvc plots diff --json` as SVG + Markdown"}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(__doc__.strip() + "\n\ncommands:\n" +
              "\n".join(f"  {name:10} {what}" for name, what in COMMANDS.items()))
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    import importlib  # a command's module is imported only when asked: they pull in scipy and dvc

    command = importlib.import_module(f"embedding_bench.{argv[0]}")
    return command.main(argv[1:], prog=f"embedding-bench {argv[0]}")


if __name__ == "__main__":
    sys.exit(main())
