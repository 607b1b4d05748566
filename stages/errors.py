"""One way for every stage to fail: a clear message, a non-zero exit, no traceback for user errors."""

import functools
import sys


class UserError(Exception):
    """Bad input or params: the message says which file, row/column, and what to do."""


EXIT_USER_ERROR = 2


def stage_main(func):
    """Run a stage's main(); turn a UserError into `error: ...` on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except UserError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(EXIT_USER_ERROR)

    return wrapper
