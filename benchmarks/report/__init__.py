"""``docs/results.md`` and what stands behind it.

* ``python -m benchmarks.report``: run every suite's missing jobs, write the report (:mod:`.__main__`).
* :mod:`.cost`: what regenerating the report costs, from two versions of it.
* :mod:`.check_trajectories`: a comparison's trajectories against the published ones.
* ``python -m benchmarks.report.peers_table``: ``docs/peers.md``'s tables and plots, OptiProxy against
  the peer optimizers, from ``compare`` output folders (:mod:`.peers_table`).
"""
