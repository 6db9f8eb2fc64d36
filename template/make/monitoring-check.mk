# Alert rules and dashboards (included by the Makefile): `make monitoring-check` is what CI runs on
# monitoring/. promtool is Prometheus's own checker, not a Python package (monitoring/README.md).

PROMTOOL ?= promtool
# The rule files Prometheus loads (*-alerts.yml), their promtool unit tests, the Grafana dashboards.
ALERT_RULES = $(wildcard monitoring/prometheus/*-alerts.yml)
ALERT_TESTS = $(wildcard monitoring/prometheus/*.test.yml)
DASHBOARDS = $(wildcard monitoring/grafana/dashboards/*.json)
# Grafana skips a dashboard file that is not valid JSON, with only a line in its log.
PARSE_JSON = import json, sys; [json.load(open(p, encoding="utf-8")) for p in sys.argv[1:]]; \
	print(len(sys.argv) - 1, "dashboards parse as JSON")

.PHONY: monitoring-check

monitoring-check: ## Check the alert rules, run their unit tests (promtool), parse the dashboards
	@command -v $(PROMTOOL) >/dev/null 2>&1 || { \
		echo "error: promtool not found. Install it with Prometheus: sudo apt-get install prometheus" >&2; \
		echo "(Debian, Ubuntu), or take promtool from a release archive on" >&2; \
		echo "https://github.com/prometheus/prometheus/releases and put it on PATH or pass PROMTOOL=path." >&2; \
		exit 1; }
	$(PROMTOOL) check rules --lint-fatal $(ALERT_RULES)
	$(PROMTOOL) test rules $(ALERT_TESTS)
	@python3 -c '$(PARSE_JSON)' $(DASHBOARDS)
