"""The shipped configs in naslib_configs/ parse and match the measured defaults."""

from pathlib import Path

import pytest

from naslib_optiproxy.defaults import default_search_config
from naslib_optiproxy.run_config import RunConfig

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "naslib_configs").rglob("optiproxy.yaml"))  # our run format; the NASLib-format baselines are tested in tests/naslib


def test_configs_exist() -> None:
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_config_matches_defaults(path: Path) -> None:
    cfg = RunConfig.from_yaml(path)
    assert cfg.search == default_search_config(cfg.search_space, cfg.resolved_dataset())
    assert path.parent.name == cfg.resolved_dataset()
