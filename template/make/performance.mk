# The performance check (included by the Makefile). Once true outcomes arrive, `make performance
# OUTCOMES=path/to/outcomes.csv` joins them with the served predictions (by default the
# performance_predictions_path setting; PREDICTIONS=path names another file or directory), scores
# them with the training metrics and compares the primary metric with the promotion gate. Add
# `PERFORMANCE_FLAGS=--retrain` to trigger the retraining pipeline when the model fails the gate,
# or `PERFORMANCE_FLAGS=--fail-on-degradation` to exit with code 3.

OUTCOMES ?=
PREDICTIONS ?=
PERFORMANCE_FLAGS ?=

.PHONY: performance

performance: ## Score served predictions on OUTCOMES (CSV or Parquet) against the promotion gate
	@test -n "$(OUTCOMES)" || { echo "usage: make performance OUTCOMES=path/to/outcomes.csv" >&2; exit 2; }
	$(RUN) python -m $(PACKAGE) performance --outcomes "$(OUTCOMES)" $(if $(PREDICTIONS),--predictions "$(PREDICTIONS)") $(PERFORMANCE_FLAGS)
