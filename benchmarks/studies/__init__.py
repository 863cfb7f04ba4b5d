"""The measurements behind the presets and the design choices (each quoted in ``docs/``).

* :mod:`.settings_sweep`: OptiProxy on NAS-Bench-201 with settings overridden on top of the preset.
* :mod:`.proxy_tau`, :mod:`.predictor_tau`: Kendall tau of the proxy families and of the predictors.
* :mod:`.validity`: how many candidate draws are valid cells on the spaces with rules.
* :mod:`.low_fidelity`: the paper's Table 4, full- against low-fidelity search.
* :mod:`.graph_diagnose`, :mod:`.graph_proxy_fit`, :mod:`.baseline_margin`: the NAS-Bench-Graph study.
* :mod:`.naslib_head_to_head`: OptiProxy against NASLib's optimizers through NASLib's Trainer.
* :mod:`.multiobjective`: fronts (accuracy against latency, energy, parameters): OptiProxy-MO and its peers.
"""
