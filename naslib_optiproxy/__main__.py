"""``python -m naslib_optiproxy``: the ``naslib-optiproxy`` command line."""

from . import _startup
from .cli import main

if __name__ == "__main__":
    _startup.end(main())
