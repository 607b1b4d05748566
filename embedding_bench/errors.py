"""The one exception for a user's mistake (bad input or params)."""


class UserError(Exception):
    """Bad input or params: the message says which file, row/column, and what to do."""
