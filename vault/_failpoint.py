"""The crash tests' failpoints: a leaf module (os only), so that a write on the runtime
path (``resolve --output-dir``) can reach one without importing :mod:`vault.atomic`."""

from __future__ import annotations

import os

_FAILPOINT_ENV = "CIPHERTOOL_FAILPOINT"
_failpoints_reached = 0


def failpoint() -> None:
    """Fault injection for the crash tests: with ``CIPHERTOOL_FAILPOINT=N`` in the
    environment, the process kills itself with SIGKILL at the Nth failpoint reached
    (``CIPHERTOOL_FAILPOINT_ACTION=stop``: stops itself with SIGSTOP instead, so that a
    test can change the folder at that instant and let it go on with SIGCONT).

    Failpoints sit between the steps of every multi-file write sequence
    (rotation), so the tests can stop it at each instant and check what is left.
    """
    global _failpoints_reached
    target = os.environ.get(_FAILPOINT_ENV)
    if not target:
        return
    _failpoints_reached += 1
    if _failpoints_reached == int(target):
        import signal

        stop = os.environ.get(f"{_FAILPOINT_ENV}_ACTION") == "stop"
        os.kill(os.getpid(), signal.SIGSTOP if stop else signal.SIGKILL)
