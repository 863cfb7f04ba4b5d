"""Seconds, measured as a user sees them (``docs/performance.md``).

* :mod:`.goals`: whole CLI runs against a fixed reference workload (the speed goals).
* :mod:`.doors`: the README's Python example against the CLI, and the shell's per-query overhead.
* :mod:`.load_time`: the first NAS-Bench-201 query in a fresh process.
* :mod:`.profile_run`: where one CLI run's seconds go.
* :mod:`.fit_cost`: one proxy-fit epoch, and what the levers left would save.
"""
