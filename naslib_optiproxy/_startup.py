"""Ctrl-C while the command line starts: one line and exit code 130, never an import traceback.

Importing the package (torch above all) takes a second or more, before any of the command's own
``KeyboardInterrupt`` handling exists. When this process is ``naslib-optiproxy`` or ``python -m
naslib_optiproxy``, :func:`guard` (the package's first statement) makes SIGINT end it at once
with ``interrupted while starting up; nothing was written`` (true: nothing is written before the
command runs); :func:`release` (the command line's first step) puts Python's handler back, so
the commands report an interruption as they always do; :func:`finish` (its last step) ignores
SIGINT while the finished process shuts down, so its exit code stays the command's. Imported as
a library, nothing changes. (A Ctrl-C in the interpreter's own first tenth of a second, before
the package is imported at all, is Python's to report.) :func:`end` exits ``python -m
naslib_optiproxy`` with the command's code.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any, NoReturn, Optional

PROGRAM = "naslib-optiproxy"
PACKAGE = "naslib_optiproxy"
MESSAGE = b"\ninterrupted while starting up; nothing was written\n"


def _is_our_program() -> bool:
    """Whether this process runs the ``naslib-optiproxy`` script or ``python -m naslib_optiproxy[...]``."""
    argv = list(getattr(sys, "orig_argv", None) or sys.argv)
    if any(os.path.basename(word) == PROGRAM for word in argv[:2]):
        return True
    if "-m" in argv:
        index = argv.index("-m")
        return index + 1 < len(argv) and argv[index + 1].split(".")[0] == PACKAGE
    return False


def _interrupted(signum: int, frame: Any) -> None:
    os.write(2, MESSAGE)
    os._exit(130)


def guard() -> None:
    """Exit with one line on SIGINT until :func:`release` (only in our own program, only over Python's default)."""
    if _is_our_program() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)


def release() -> None:
    """Put Python's SIGINT handler back (``KeyboardInterrupt``), if :func:`guard` replaced it."""
    if signal.getsignal(signal.SIGINT) is _interrupted:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def finish() -> None:
    """The command has finished: in our own program, ignore SIGINT while the process shuts down."""
    if _is_our_program():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def end(code: int) -> NoReturn:
    """Exit with the command's ``code``, 130 staying 130 after a reported Ctrl-C.

    CPython ends a ``python -m`` process by SIGINT (exit status -2), whatever code it exits with,
    once a ``KeyboardInterrupt`` was raised in code run from a string (``exec``, which dataclasses
    and named tuples use), even one the command caught and reported: it keeps a flag that says so.
    A 130 means the command has reported the interruption, so the flag is cleared where CPython
    exposes it (3.9 to 3.11; later versions keep it out of reach and may still end by SIGINT).
    """
    flag = caught_interrupt_flag() if code == 130 else None
    if flag is not None:
        flag.value = 0
    sys.exit(code)


def caught_interrupt_flag() -> Optional[Any]:
    """CPython's flag of a ``KeyboardInterrupt`` raised in code run from a string (a ``ctypes.c_int``), or
    ``None`` where it is out of reach (not CPython, or a version that keeps it internal)."""
    try:
        import ctypes

        return ctypes.c_int.in_dll(ctypes.pythonapi, "_Py_UnhandledKeyboardInterrupt")
    except (ImportError, AttributeError, ValueError, OSError):
        return None


__all__ = ["MESSAGE", "caught_interrupt_flag", "end", "finish", "guard", "release"]
