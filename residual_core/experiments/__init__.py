"""The experiments, one module per concept: each builds its models, measures, and returns a JSON-ready dict, plus
the long-format rows its charts draw (``*_rows``). Declared for the command line and the pages in
:mod:`residual_core.catalog`.

* :mod:`~residual_core.experiments.vanishing` -- products ``f ** L`` and a real network's gradients (/vanishing);
* :mod:`~residual_core.experiments.residual_math`, :mod:`~residual_core.experiments.preservation`,
  :mod:`~residual_core.experiments.jacobian` -- y = x + R(x), the unrolled sum, x ⊙ F(x); section 3.5; the
  Jacobian's singular values (/residual-math);
* :mod:`~residual_core.experiments.gradient_flow` -- section 3.8 over seeds, activations, depth × α
  (/gradient-flow);
* :mod:`~residual_core.experiments.highway` -- highway against residual stacks, at initialisation and trained
  (/highway);
* :mod:`~residual_core.experiments.add_norm` -- Post-LN, Pre-LN and no residual at initialisation, dropout, shapes
  (/add-norm);
* :mod:`~residual_core.experiments.training_lab` -- transformers, depth, scaling α and gates, trained (/training);
* :mod:`~residual_core.experiments.lesion`, :mod:`~residual_core.experiments.landscape`,
  :mod:`~residual_core.experiments.shattered` -- delete and swap blocks of trained MLPs, the loss landscape, shattered
  gradients (/why).
"""
