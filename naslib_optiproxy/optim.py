"""AdamW on one flat buffer: the proxy fit's and the gradient search's optimizer.

:class:`FlatAdamW` performs the update of ``torch.optim.AdamW`` (decoupled weight decay,
no AMSGrad), elementwise in the same order of operations, so a run gives the same numbers.
It packs the parameters and their gradients into one contiguous buffer each (the parameters
become views into it), so a step is eight tensor operations whatever the number of
parameters, instead of the ``torch.optim`` machinery around each step. On the tiny tensors of
a proxy fit that machinery cost more than the update itself, and the first ``torch.optim``
step imports ``torch._dynamo`` (about 2.4 s on our 2-core machine, against 1.8 s for
``import torch``); see ``docs/performance.md``.

Gradients accumulate into the buffer: :meth:`FlatAdamW.zero_grad` zeroes it (there is no
``set_to_none``). Every parameter is updated at every step, including one that received no
gradient (the torch optimizer skips those; every parameter of our proxies gets one).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Tuple

import torch


class FlatAdamW:
    """AdamW over ``params`` packed into one flat buffer (their values are kept).

    Args:
        params: Leaf tensors of one dtype and device (e.g. ``model.parameters()``). From now on
            each is a view into the buffer: change their values in place (``copy_``,
            ``load_state_dict``), never by assigning ``.data``.
        lr: Learning rate; the attribute :attr:`lr` may be changed between steps (schedules).
        betas, eps, weight_decay: As in ``torch.optim.AdamW``.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float, betas: Tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01) -> None:
        self.params: List[torch.Tensor] = list(params)
        if not self.params:
            raise ValueError("FlatAdamW got no parameters")
        first = self.params[0]
        if any(p.dtype != first.dtype or p.device != first.device for p in self.params):
            raise ValueError("FlatAdamW needs parameters of one dtype and device")
        self.lr, self.betas, self.eps, self.weight_decay = float(lr), betas, float(eps), float(weight_decay)
        numel = sum(p.numel() for p in self.params)
        self.flat = torch.empty(numel, dtype=first.dtype, device=first.device)
        self.flat_grad = torch.zeros_like(self.flat)
        self._grads: List[torch.Tensor] = []
        offset = 0
        with torch.no_grad():
            for p in self.params:
                n = p.numel()
                self.flat[offset : offset + n].copy_(p.reshape(-1))
                p.data = self.flat[offset : offset + n].view_as(p)
                p.grad = self.flat_grad[offset : offset + n].view_as(p)
                self._grads.append(p.grad)
                offset += n
        self.steps = 0
        self.exp_avg = torch.zeros_like(self.flat)
        self.exp_avg_sq = torch.zeros_like(self.flat)

    def zero_grad(self) -> None:
        """Zero every gradient (one operation on the buffer)."""
        self._rebind_grads()
        self.flat_grad.zero_()

    def _rebind_grads(self) -> None:
        """Take back a gradient that something replaced or set to ``None`` (e.g. ``module.zero_grad()``)."""
        for p, g in zip(self.params, self._grads):
            if p.grad is not g:
                if p.grad is not None:
                    g.copy_(p.grad)
                p.grad = g

    @torch.no_grad()
    def step(self) -> None:
        """One AdamW update of every parameter from the accumulated gradients."""
        self._rebind_grads()
        beta1, beta2 = self.betas
        self.steps += 1
        self.flat.mul_(1 - self.lr * self.weight_decay)
        self.exp_avg.lerp_(self.flat_grad, 1 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(self.flat_grad, self.flat_grad, value=1 - beta2)
        step = float(self.steps)
        step_size = (self.lr / (1 - beta1 ** step)) * -1
        denom = self.exp_avg_sq.sqrt().div_((1 - beta2 ** step) ** 0.5).add_(self.eps)
        self.flat.addcdiv_(self.exp_avg, denom, value=step_size)

    @torch.no_grad()
    def forget(self, start: int, stop: int) -> None:
        """Zero the moments of flat entries ``[start, stop)`` (those parameters restart their averages)."""
        self.exp_avg[start:stop] = 0
        self.exp_avg_sq[start:stop] = 0

    def state_dict(self) -> Dict[str, Any]:
        """Step count, moments and hyperparameters (clones)."""
        return {"steps": self.steps, "exp_avg": self.exp_avg.clone(), "exp_avg_sq": self.exp_avg_sq.clone(),
                "lr": self.lr, "betas": tuple(self.betas), "eps": self.eps, "weight_decay": self.weight_decay}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output (the parameters themselves are the model's)."""
        if state["exp_avg"].shape != self.exp_avg.shape:
            raise ValueError(f"optimizer state holds {state['exp_avg'].numel()} values, these parameters "
                             f"{self.exp_avg.numel()}: it was saved for another model")
        self.steps = int(state["steps"])
        self.exp_avg.copy_(state["exp_avg"])
        self.exp_avg_sq.copy_(state["exp_avg_sq"])
        self.lr, self.betas = float(state["lr"]), tuple(state["betas"])
        self.eps, self.weight_decay = float(state["eps"]), float(state["weight_decay"])


__all__ = ["FlatAdamW"]
