"""The one exception for a user's mistake (bad input or params), and the one channel for what a
run has to tell without stopping: warnings and notes, through `logging`, on stderr."""

import logging
import sys


class UserError(Exception):
    """Bad input or params: the message says which file, row/column, and what to do."""


class _Stderr(logging.Handler):
    """`warning: ...` / `note: ...` lines on the stderr of the moment (not the one at import:
    pytest's capsys and redirections replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        level = "note" if record.levelno < logging.WARNING else record.levelname.lower()
        print(f"{level}: {record.getMessage()}", file=sys.stderr)


log = logging.getLogger("embedding_bench")
log.setLevel(logging.INFO)
log.addHandler(_Stderr())
log.propagate = False  # one line each, whatever the root logger of a host program does


def warn(message: str) -> None:
    """Something that may make a result misleading: the user should act on it."""
    log.warning(message)


def note(message: str) -> None:
    """Something the input held that was handled (skipped, counted): for the record."""
    log.info(message)
