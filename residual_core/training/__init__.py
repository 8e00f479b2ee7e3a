"""Training: the task set (:mod:`~residual_core.training.tasks`), the one training loop
(:mod:`~residual_core.training.loop`) and shared live runs (:mod:`~residual_core.training.jobs`)."""
