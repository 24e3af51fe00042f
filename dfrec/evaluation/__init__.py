"""Evaluation over the test identities: metrics table, JSON and a figure grid.

`run_evaluation(EvalOptions(...))` is what `dfrec evaluate` calls.
"""

from dfrec.evaluation.runner import EvalOptions, run_evaluation

__all__ = ["EvalOptions", "run_evaluation"]
