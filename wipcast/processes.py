"""Child processes that die with the step that started them.

dbt and the Streamlit server are started with `preexec_fn=die_with_parent`: the kernel sends them
SIGKILL when their parent ends (Linux PR_SET_PDEATHSIG), so a killed `wipcast transform` never
leaves dbt writing the warehouse behind the next writer's lock, and a killed `wipcast app` never
leaves a server running. Elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
from typing import Any

PR_SET_PDEATHSIG = 1


def _load_prctl() -> Any:
    # Resolved in the parent: after fork, only the C call itself runs (no imports, no dlopen).
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def die_with_parent() -> None:
    """In the child before exec: ask the kernel for SIGKILL when the parent dies (Linux only)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)
