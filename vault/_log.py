"""Loggers on demand.

The runtime path imports :mod:`logging` only when it has something to say,
and the command line gets to format the first message all the same: it
registers its set-up with :func:`before_first_use` instead of importing
logging at every start.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

_pending: list[Callable[[], None]] = []


def before_first_use(setup: Callable[[], None]) -> None:
    """Run ``setup`` before the first logger is handed out (replacing any pending one)."""
    _pending[:] = [setup]


def logger(name: str) -> logging.Logger:
    import logging

    while _pending:
        _pending.pop()()
    return logging.getLogger(name)


def debug(name: str, message: str, *args: object) -> None:
    """A DEBUG line, when logging is in use and wants it (``-v``); free otherwise: a
    runtime start that logs nothing never imports :mod:`logging` for this."""
    if "logging" not in sys.modules:
        return
    log = logger(name)
    if log.isEnabledFor(10):  # logging.DEBUG
        log.debug(message, *args)
