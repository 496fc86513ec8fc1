"""Errors that the CLI reports as one line with a non-zero exit, without a traceback."""


class StageError(RuntimeError):
    """A stage cannot go on: bad input data, an unreachable source, a failed check.

    The message states what failed, on which file or value, and what to do next.
    """
