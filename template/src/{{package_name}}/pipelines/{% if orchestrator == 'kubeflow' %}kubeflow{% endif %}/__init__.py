"""The training pipeline on Kubeflow Pipelines (KFP v2): one component per step of ``steps``.

``components`` holds the components, thin wrappers that each call one function of ``steps`` in
the project's container image; ``training`` wires them into the training pipeline (and, when the
project scores batches, ``scoring`` adds batch scoring after registration). Files travel between
components as KFP artifacts, so the pipeline runs the same way in ``kfp.local`` subprocesses and
in the pods of a cluster. ``python -m <package>.pipelines.kubeflow`` compiles and runs them.
"""
