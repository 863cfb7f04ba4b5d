"""Peer optimizers: Optuna, SMAC3 and HEBO as strategies, by name (``pip install 'naslib-optiproxy[peers]'``).

Each drives the library through its own ask/tell on the space's categorical encoding
(:mod:`.encoding`); invalid and repeated proposals, seeds and constraints are handled as
:mod:`.base` describes. The libraries are imported when a strategy is built, never by
``import naslib_optiproxy``.
"""

from __future__ import annotations

from typing import Dict

from .base import MAX_RETRIES, MissingLibraryError, PeerStrategy, PeerType, library_seed, penalised_value
from .encoding import Encoding, Param, encoding_for
from .hebo_optimizer import HEBO_HINT, HeboStrategy
from .optuna_samplers import OptunaGP, OptunaRandom, OptunaStrategy, OptunaTPE, OptunaTPEMultivariate
from .smac_facades import SmacGaussianProcess, SmacRandomForest, SmacStrategy

PEERS: Dict[str, PeerType] = {
    "optuna:tpe": OptunaTPE,
    "optuna:tpe-mv": OptunaTPEMultivariate,
    "optuna:gp": OptunaGP,
    "optuna:random": OptunaRandom,
    "smac": SmacRandomForest,
    "smac:bo": SmacGaussianProcess,
    "hebo": HeboStrategy,
}

__all__ = [
    "Encoding", "HEBO_HINT", "HeboStrategy", "MAX_RETRIES", "MissingLibraryError", "OptunaGP", "OptunaRandom",
    "OptunaStrategy", "OptunaTPE", "OptunaTPEMultivariate", "PEERS", "Param", "PeerStrategy", "SmacGaussianProcess",
    "SmacRandomForest", "SmacStrategy", "encoding_for", "library_seed", "penalised_value",
]
