"""`embedding-bench <command>` (or `python -m embedding_bench <command>`): the tools that are not
pipeline stages.

    embedding-bench compare [--all-commits] [--out PATH] [--pair A B]   the leaderboard
"""

import sys

COMMANDS = {"compare": "the leaderboard and the paired test over `dvc exp show`"}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print(__doc__.strip() + "\n\ncommands:\n" +
              "\n".join(f"  {name:10} {what}" for name, what in COMMANDS.items()))
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    from embedding_bench import compare  # imported only when asked: it pulls in scipy and dvc

    return compare.main(argv[1:], prog=f"embedding-bench {argv[0]}")


if __name__ == "__main__":
    sys.exit(main())
