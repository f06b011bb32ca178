"""A command whose reader goes away (``graphsvc derived | head``) ends quietly, as other command-line tools do.

Python raises BrokenPipeError on the next write to the closed pipe, and again when it flushes standard output at
exit; this catches the first and points standard output at /dev/null so that the second has nowhere to fail
(the recipe of the Python documentation, "Note on SIGPIPE"). The exit status is 141, what a shell reports for
``cat`` or ``grep`` ended by SIGPIPE (128 + 13): under ``set -o pipefail`` graphsvc reads like them, and a cut
output is not reported as a whole one.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import TextIO

CLOSED_PIPE_EXIT = 128 + int(signal.SIGPIPE)


def quiet_on_closed_pipe(run: Callable[[], int], out: TextIO) -> int:
    """``run()``'s exit status, its output flushed; CLOSED_PIPE_EXIT, silently, if the output's reader left."""
    try:
        status = run()
        out.flush()
        return status
    except BrokenPipeError:
        if out is sys.stdout or out is sys.__stdout__:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        return CLOSED_PIPE_EXIT


__all__ = ["CLOSED_PIPE_EXIT", "quiet_on_closed_pipe"]
