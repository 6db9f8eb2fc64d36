"""Train, register and serve the project's model.

The package is split by concern: ``data`` (ingestion and schema), ``features``, ``training``
(fit, evaluate, promotion gate), ``registry`` (model versions and the champion), ``tasks`` (what the
problem type decides) and ``pipeline`` (the steps above as plain functions). The command line in
``cli`` and the serving code call the same functions.
"""
