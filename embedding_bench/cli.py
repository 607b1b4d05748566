"""What every stage command shares: its arguments (paths, passed by dvc.yaml) and its failure
mode (a clear message, exit status 2, no traceback for a user's mistake)."""

import argparse
import functools
import os
import sys

from embedding_bench.errors import UserError

EXIT_USER_ERROR = 2


def arguments(doc, *names):
    """Parse the required `--name` options (paths from dvc.yaml) of a stage."""
    parser = argparse.ArgumentParser(description=doc)
    for name in names:
        parser.add_argument(f"--{name}", required=True)
    return parser.parse_args()


def _restore_hint() -> str:
    """For a stage DVC runs (DVC sets DVC_STAGE): DVC removed its outputs, git-tracked metrics
    included, before it ran. A stage run by hand removed nothing."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is None or not (spec.name or "").startswith("stages.") or "DVC_STAGE" not in os.environ:
        return ""
    return (" (DVC removed this stage's outputs before running it: `git checkout -- metrics plots` "
            "brings back the committed metrics, `dvc checkout` the rest)")


def stage_main(func):
    """Run a stage's main(); turn a UserError into `error: ...` on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except UserError as e:
            print(f"error: {e}{_restore_hint()}", file=sys.stderr)
            sys.exit(EXIT_USER_ERROR)

    return wrapper
