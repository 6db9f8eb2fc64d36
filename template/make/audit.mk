# Security audit (included by the Makefile): `make audit` is what CI's audit job runs.
#
# `make audit-deps` looks every locked dependency (uv.lock, all groups; those whose markers exclude
# this platform and the project's Python, such as Windows-only ones, are skipped) up in PyPI's
# advisory database with pip-audit, so it needs the network. A finding names the package, the
# advisory and the versions that fix it: raise the lower bound in pyproject.toml (or run
# `uv lock --upgrade-package NAME`). An advisory that cannot affect this project may be accepted in
# PIP_AUDIT_IGNORE below, with the reason beside it.
#
# `make audit-leaks` scans the files a commit can hold (tracked, or new and not git-ignored; every
# file outside a git repository) for passwords, keys and tokens with detect-secrets, offline. Mark a
# false positive where it is, with a comment `# pragma: allowlist secret` on its line and the
# reason; never exclude a whole folder.
#
# Both tools run pinned, with `uv tool run`, outside the project's environment.

PIP_AUDIT := pip-audit==2.10.1
DETECT_SECRETS := detect-secrets==1.5.0
# Advisories accepted after review: one line `PIP_AUDIT_IGNORE += --ignore-vuln ID` each, under a
# comment that says why it cannot affect this project.
PIP_AUDIT_IGNORE :=
# Never scanned for secrets (a regular expression on the path): the environment and the caches,
# what the pipeline writes (data, models, runs, reports: git-ignored), uv.lock (its hashes look like
# secrets) and the local .env files (git-ignored; .env.example is scanned).
SECRETS_EXCLUDE := ^(\./)?(\.git|\.venv|\.uv-cache|\.[a-z]+_cache|build|dist|data|models|mlruns|mlartifacts|runs|reports)/|(^|/)(__pycache__/|uv\.lock$$|mlflow\.db$$|\.env$$|\.env\.(?!example$$))

.PHONY: audit audit-deps audit-leaks

audit: ## Known vulnerabilities of the locked dependencies (pip-audit), secrets in the files
	@$(MAKE) --no-print-directory --keep-going audit-deps audit-leaks

# uv.lock exported as what it is, every package pinned with its hashes: pip-audit then resolves and
# installs nothing (--disable-pip), and --strict fails on any package it could not look up.
audit-deps: ## Look the locked dependencies up in PyPI's advisories (pip-audit; needs the network)
	@requirements=$$(mktemp) && trap 'rm -f "$$requirements"' EXIT && \
	$(UV) export --frozen --all-groups --no-emit-project --format requirements-txt --quiet \
		--output-file "$$requirements" && \
	$(UV) tool run $(PIP_AUDIT) --strict --disable-pip --require-hashes --progress-spinner off \
		$(PIP_AUDIT_IGNORE) --requirement "$$requirements"

audit-leaks: ## Scan the files a commit can hold for secrets (detect-secrets, offline)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard; \
	else \
		find . \( -name .git -o -name .venv -o -name .uv-cache \) -prune -o -type f -print0; \
	fi | xargs -0 $(UV) tool run --from $(DETECT_SECRETS) detect-secrets-hook --no-verify \
		--exclude-files '$(SECRETS_EXCLUDE)'
	@echo "detect-secrets: no secret found"
