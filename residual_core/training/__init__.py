"""Training: the task set (:mod:`~residual_core.training.tasks`, and MNIST-1D in
:mod:`~residual_core.training.mnist1d`), the one training loop (:mod:`~residual_core.training.loop`) and shared live
runs (:mod:`~residual_core.training.jobs`)."""
