"""The hot loops' torch policy: thread count and oneDNN, restored afterwards."""

import pytest
import torch

from naslib_optiproxy.threads import ENV_VAR, policy_threads, set_torch_threads, torch_threads


def test_one_thread_and_no_onednn_inside_then_restored():
    threads, onednn = torch.get_num_threads(), torch.backends.mkldnn.enabled
    with torch_threads(1) as used:
        assert used == 1 and torch.get_num_threads() == 1
        assert torch.backends.mkldnn.enabled is False
    assert torch.get_num_threads() == threads and torch.backends.mkldnn.enabled == onednn


def test_restored_after_an_exception():
    onednn = torch.backends.mkldnn.enabled
    with pytest.raises(RuntimeError):
        with torch_threads(1):
            raise RuntimeError("boom")
    assert torch.backends.mkldnn.enabled == onednn


def test_policy_order_override_then_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "2")
    assert policy_threads() == 2
    set_torch_threads(3)
    try:
        assert policy_threads() == 3
    finally:
        set_torch_threads(None)
    monkeypatch.setenv(ENV_VAR, "zero")
    with pytest.raises(ValueError, match=ENV_VAR):
        policy_threads()
