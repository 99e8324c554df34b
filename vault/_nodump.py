"""Make this process non-dumpable, first thing at every start of ``ciphertool``.

A core file, or another process of the same user attaching with ptrace or reading
``/proc/PID/mem``, would see every plaintext and the keystore password this process
holds. ``prctl(PR_SET_DUMPABLE, 0)`` stops all three on Linux (and makes the process's
``/proc`` files root's); ``RLIMIT_CORE`` 0 stops core files wherever it exists. What
this does not stop is in SECURITY.md (root, the kernel, swap, a command ``exec`` runs).

``ciphertool resolve`` runs at every service start and is benchmarked: ``ctypes`` costs
about ten times what this does, so the two calls go through ``_ctypes`` directly (about
1.5 million instructions, a few per cent of a start), with ``resource`` as the fallback.
"""

from __future__ import annotations

from typing import Any

_PR_SET_DUMPABLE = 4
_RLIMIT_CORE = 4


def make_non_dumpable() -> None:
    """No core file, no same-user ptrace; silently as much as the platform allows."""
    try:
        import _ctypes

        class _Libc:
            _handle = _ctypes.dlopen(None)  # type: ignore[arg-type]

        class _Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL

        libc: Any = _Libc()
        function: Any = _Function
        if function(("prctl", libc))(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0:
            # struct rlimit {0, 0}: no core file, and no raising the limit again
            if function(("setrlimit", libc))(_RLIMIT_CORE, bytes(16)) == 0:
                return
    except (ImportError, AttributeError, OSError, TypeError):
        pass
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
