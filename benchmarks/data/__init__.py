"""The tables bundled in ``naslib_optiproxy/data/``, converted from the original benchmark files."""
