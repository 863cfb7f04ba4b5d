"""The shipped configs in naslib_configs/ parse and match the measured presets."""

from pathlib import Path

import pytest

from naslib_optiproxy.cli.run_config import RunConfig
from naslib_optiproxy.presets import preset_settings

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "naslib_configs").rglob("optiproxy.yaml"))  # our run format; the NASLib-format baselines are tested in tests/naslib


def test_configs_exist() -> None:
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_config_matches_presets(path: Path) -> None:
    cfg = RunConfig.from_yaml(path)
    assert cfg.search == preset_settings(cfg.search_space, cfg.resolved_dataset())
    assert path.parent.name == cfg.resolved_dataset()
