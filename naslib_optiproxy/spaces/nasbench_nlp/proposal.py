"""NAS-Bench-NLP's ancestral proposal: cells drawn from the slot probabilities under the local rules.

Importance resampling (:func:`~naslib_optiproxy.conditional.importance_resampling`) weighs these
proposals by ``p(x) / q(x)``; the codec's :meth:`~naslib_optiproxy.spaces.nasbench_nlp.NasBenchNLP.propose`
zeroes the weight of a proposal that breaks a global rule.
"""

from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np

from ..base import Architecture
from .cells import TOKENS

_ACT_TOKENS = np.array([token.startswith("linear_") for token in TOKENS])
_LINEAR, _BLEND, _PAIR = 0, 1, 2
_TOKEN_KIND = np.array([_LINEAR if t.startswith("linear") else _BLEND if t == "blend" else _PAIR for t in TOKENS])


def legal_inputs(nodes: int, linear: np.ndarray, no_h_prev: np.ndarray) -> np.ndarray:
    """Input candidates ``[rows, nodes]`` a live unit may read: a linear reads x, h_prev and
    activation nodes; blend/prod/sum read h_prev and every node but x; an output reads no h_prev."""
    legal = np.ones((len(linear), nodes), dtype=bool)
    legal[:, 0] = linear
    legal[:, 1:3] = ~no_h_prev[:, None]
    legal[:, 3::2] = ~linear[:, None]  # main nodes M_j
    return legal


def masked_draw(probs: np.ndarray, allowed: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """One draw per row of ``probs [rows, C]`` restricted to ``allowed``, and ``log(kept mass / mass)``.

    A row with nothing allowed is drawn unrestricted and gets ``-inf``.
    """
    kept = probs * allowed
    mass, total = kept.sum(1), probs.sum(1)
    empty = mass <= 0
    kept[empty], mass[empty] = probs[empty], total[empty]
    index = (rng.random(len(probs))[:, None] * mass[:, None] >= np.cumsum(kept, 1)).sum(1)
    with np.errstate(divide="ignore"):
        log_mass = np.where(empty, -np.inf, np.log(mass / total))
    return np.minimum(index, probs.shape[1] - 1), log_mass


def propose(max_nodes: int, probs: Any, rng: np.random.Generator) -> Tuple[List[Architecture], np.ndarray]:
    """Ancestral proposals that obey the local rules, with ``log(p / q)`` (``-inf`` where no value was allowed).

    ``probs``: :class:`~naslib_optiproxy.conditional.SlotProbabilities` of ``len(probs)`` draws.
    Drawn backwards from the outputs, so that a unit's liveness is known when it is drawn:
    the two outputs (distinct), then units ``max_nodes - 1 .. 0``. A dead unit is drawn
    from ``p`` as is. A live unit's token and inputs are drawn from ``p`` restricted to the
    values its consumers and the rules allow: a linear whose activation is read must carry
    one; a linear reads distinct ``x``/``h_prev``/activation nodes (``in2`` may be none), a
    blend 3 and a prod/sum 2 distinct non-``x`` nodes; an output never reads an ``h_prev``.
    Each restricted draw multiplies the weight ``p(x) / q(x)`` by the mass it kept. The
    global rules (at most ``max_nodes`` live nodes, every input used) are left to the codec's
    ``is_valid``. Every valid cell can be proposed.
    """
    n, rows = max_nodes, len(probs)
    tokens = np.zeros((rows, n), dtype=np.int64)
    topo = np.zeros((rows, 3 * n + 2), dtype=np.int64)
    log_w = np.zeros(rows)
    read_main, read_act, is_output = (np.zeros((rows, n), dtype=bool) for _ in range(3))
    everything = np.ones((rows, probs.topology.shape[-1]), dtype=bool)
    all_rows = np.arange(rows)

    def draw(slot_probs: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        index, log_mass = masked_draw(slot_probs, allowed, rng)
        log_w[:] += log_mass
        return index

    outs = 3 * n
    topo[:, outs] = draw(probs.topology[:, outs, : 2 * n], everything[:, : 2 * n])
    others = everything[:, : 2 * n].copy()
    others[all_rows, topo[:, outs]] = False
    topo[:, outs + 1] = draw(probs.topology[:, outs + 1, : 2 * n], others)
    for column in (outs, outs + 1):
        unit, act = np.divmod(topo[:, column], 2)
        read_main[all_rows, unit] = True
        read_act[all_rows, unit] |= act.astype(bool)
        is_output[all_rows, unit] |= act == 0
    for unit in reversed(range(n)):
        live = read_main[:, unit]
        nodes = 3 + 2 * unit  # candidates that are nodes; index `nodes` of in2 is 'none'
        token_ok = np.where(read_act[:, unit, None], _ACT_TOKENS, True)
        tokens[:, unit] = draw(probs.ops[:, unit], token_ok | ~live[:, None])
        kind = _TOKEN_KIND[tokens[:, unit]]
        legal = legal_inputs(nodes, kind == _LINEAR, is_output[:, unit]) | ~live[:, None]
        slots = probs.topology[:, 3 * unit : 3 * unit + 3]
        in0 = draw(slots[:, 0, :nodes], legal)
        legal[all_rows, in0] &= ~live
        in1 = draw(slots[:, 1, :nodes], legal)
        legal[all_rows, in1] &= ~live
        with_none = np.concatenate([legal, ((kind == _LINEAR) | ~live | (kind == _PAIR))[:, None]], axis=1)
        with_none[:, :nodes] |= (kind == _PAIR)[:, None]  # prod / sum ignore in2
        in2 = draw(slots[:, 2, : nodes + 1], with_none)
        topo[:, 3 * unit : 3 * unit + 3] = np.stack([in0, in1, in2], axis=1)
        reads_in2 = live & (kind != _PAIR)
        for choice, reads in ((in0, live), (in1, live), (in2, reads_in2)):
            node = reads & (choice >= 3) & (choice < nodes)
            source, act = np.divmod(choice[node] - 3, 2)
            read_main[all_rows[node], source] = True
            read_act[all_rows[node], source] |= act.astype(bool)
    archs = [Architecture(tuple(map(int, t)), tuple(map(int, c))) for t, c in zip(tokens, topo)]
    return archs, log_w


__all__ = ["legal_inputs", "masked_draw", "propose"]
