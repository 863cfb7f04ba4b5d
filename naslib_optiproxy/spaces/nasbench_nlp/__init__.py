"""NAS-Bench-NLP (Klyuchnikov et al., 2022): recurrent cells, one module per job.

* :mod:`.cells`: the benchmark's vocabulary; cells as graphs, pruned and ordered.
* :mod:`.codec`: :class:`NasBenchNLP`, the encoding, its validity rules and graph layout.
* :mod:`.compact`: NASLib's compact ``(edges, ops, hiddens)`` and the benchmark's cell strings.
* :mod:`.canonical`: the canonical compact of a cell (the codec's key).
* :mod:`.proposal`: the ancestral proposal that importance resampling weighs.
* :mod:`.generator`: random cells, as the benchmark's generator draws them.
"""

from __future__ import annotations

from .cells import TOKENS
from .codec import NasBenchNLP
from .compact import NASLIB_OPS

__all__ = ["NASLIB_OPS", "NasBenchNLP", "TOKENS"]
