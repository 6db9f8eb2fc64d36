"""Layer 6: the real validators of delivery artifacts, run on rendered projects.

Each validator is the tool its users' platforms run: hadolint for Dockerfiles, check-jsonschema with
its bundled schemas for GitHub workflows, Dependabot, GitLab CI and compose files, actionlint (with
shellcheck on every `run:` script) for GitHub workflows, `docker-compose
config` (the Compose v2 CLI) for the compose stack, `kubectl kustomize` of every overlay piped into
kubernetes-validate --strict, shellcheck for scripts, yamllint for every YAML file, and promtool
(Debian's prometheus package) for the Prometheus alert rules: `promtool check rules` on every rule
file and `promtool test rules` on every unit test of them. Any finding, warnings included, fails.

Thousands of combinations share their artifacts byte for byte, and a validator's verdict depends
only on the bytes it reads: `ArtifactValidators` runs each validator once per distinct input (a
file, or the whole directory a tool reads, such as a kustomize tree) and counts what it validated.

`secret_findings` is the secret scan of the generated `make audit` (detect-secrets), run by
tests/test_artifact_validators.py on the covering set of combinations rather than on every one.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tests.helpers import parse_yaml

YAMLLINT_CONFIG = (
    "{extends: default, rules: {line-length: {max: 120}, document-start: disable,"
    " truthy: {check-keys: false}}}"
)
# For names of the longest allowed length (63 characters): a comment or a URL that names the
# project twice cannot stay within 120 columns. Every other rule still applies.
YAMLLINT_CONFIG_LONG_NAMES = (
    "{extends: default, rules: {line-length: disable, document-start: disable,"
    " truthy: {check-keys: false}}}"
)
# The Kubernetes release whose API schemas the manifests are validated against.
KUBERNETES_VERSION = "1.33.0"
K8S_OVERLAYS = ("staging", "production")


def tool(name: str) -> str:
    """Path of a validator installed in the generator's environment (a dev dependency)."""
    # The venv's bin/ first: `.venv/bin/pytest` does not put it on PATH.
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert path, f"{name} is a dev dependency of the generator: run `uv sync`"
    return path


def promtool() -> str:
    """Path of promtool: a system package (Debian's prometheus), not a Python dependency."""
    path = shutil.which("promtool")
    assert path, "promtool is not installed: apt-get install prometheus (.ci/run installs it)"
    return path


def run(
    *args: str,
    cwd: Path | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run a validator; its non-zero exit fails the test with everything it printed."""
    result = subprocess.run(
        args, cwd=cwd, input=stdin, capture_output=True, text=True, check=False, env=env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(args)} (in {cwd}):\n{output}"
    return output


def digest(paths: Iterable[Path], root: Path) -> str:
    """One hash of the relative paths and bytes of `paths`: the input a validator reads."""
    sha = hashlib.sha256()
    for path in sorted(paths):
        sha.update(path.relative_to(root).as_posix().encode())
        sha.update(b"\0")
        sha.update(_validated_bytes(path))
        sha.update(b"\0")
    return sha.hexdigest()


_ENV_VALUE = re.compile(rb"^([A-Za-z_][A-Za-z0-9_]*)=.*$", re.MULTILINE)


def _validated_bytes(path: Path) -> bytes:
    """What of `path` can change a validator's verdict.

    A kustomize env file (`config.env`) becomes the data of a ConfigMap: its values are opaque
    strings that neither kustomize nor the Kubernetes schemas look into, so only its keys count.
    Without this, every primary metric and threshold would validate the same manifests again.
    """
    data = path.read_bytes()
    if path.suffix == ".env":
        return _ENV_VALUE.sub(rb"\1=", data)
    return data


def files_under(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


class ArtifactValidators:
    """Validate every artifact of rendered projects, each distinct input once."""

    def __init__(self, yamllint_config: str = YAMLLINT_CONFIG) -> None:
        self.yamllint_config = yamllint_config
        self._yamllint_rules: Any = None
        self._seen: set[tuple[str, str]] = set()
        # validator name -> number of distinct inputs it validated.
        self.validated: collections.Counter[str] = collections.Counter()

    def validate(self, project: Path) -> None:
        """Run every validator that applies to `project` on what it has not seen yet."""
        per_file: list[tuple[str, list[Path], Callable[[Path, list[Path]], None]]] = [
            ("hadolint", sorted(project.glob("**/Dockerfile")), self._hadolint),
            ("yamllint", self._yaml_files(project), self._yamllint),
            ("shellcheck", sorted(project.rglob("*.sh")), self._shellcheck),
        ]
        for schema, files in self._schema_groups(project):
            per_file.append((f"check-jsonschema {schema}", files, self._jsonschema(schema)))
        # After the schema: a workflow the schema accepts can still be wrong in ways only
        # actionlint sees (a missing job in `needs`, an unknown input of an action).
        workflows = sorted(project.glob(".github/workflows/*.yml"))
        per_file.append(("actionlint", workflows, self._actionlint))
        # Each check reads groups of files: one file each, or all the files a tool reads at once.
        checks = [(name, [[f] for f in files], check) for name, files, check in per_file]
        # The whole-tree tools, keyed by the files they read (not the READMEs beside them).
        compose = project / "deploy" / "compose"
        if compose.is_dir():
            compose_inputs = [compose / "compose.yaml", compose / ".env.example"]
            checks.append(("docker-compose config", [compose_inputs], self._compose_config))
        k8s = project / "deploy" / "k8s"
        if k8s.is_dir():
            # The base also loads monitoring/ (its kustomization turns the alert rules and the
            # dashboards into ConfigMaps).
            monitoring = project / "monitoring"
            inputs = files_under(k8s) + (files_under(monitoring) if monitoring.is_dir() else [])
            manifests = [p for p in inputs if p.suffix in {".yaml", ".yml", ".env", ".json"}]
            checks.append(("kustomize + kubernetes-validate", [manifests], self._kubernetes))
        rules, rule_tests = self._prometheus_files(project)
        checks.append(("promtool check rules", [[f] for f in rules], self._promtool_check))
        # A unit test's verdict depends on the rule files it loads too.
        tests = [[test, *self._rules_under_test(test)] for test in rule_tests]
        checks.append(("promtool test rules", tests, self._promtool_test))
        for name, groups, check in checks:
            self._once(name, project, groups, check)

    # -- bookkeeping --------------------------------------------------------------------------

    def _once(
        self,
        name: str,
        project: Path,
        groups: list[list[Path]],
        check: Callable[[Path, list[Path]], None],
    ) -> None:
        """Run `check` on the groups of files whose (validator, content) is new; count them."""
        fresh: list[list[Path]] = []
        for group in groups:
            key = (name, digest(group, project))
            if group and key not in self._seen:
                self._seen.add(key)
                fresh.append(group)
        if fresh:
            check(project, [path for group in fresh for path in group])
            self.validated[name] += len(fresh)

    @staticmethod
    def _yaml_files(project: Path) -> list[Path]:
        return sorted(
            p
            for p in project.rglob("*")
            if p.suffix in {".yml", ".yaml"} and p.is_file() and ".git" not in p.parts
        )

    @staticmethod
    def _prometheus_files(project: Path) -> tuple[list[Path], list[Path]]:
        """The alert rule files and the promtool unit tests (`*.test.yml`) of `monitoring/`."""
        files = sorted((project / "monitoring" / "prometheus").glob("*.yml"))
        tests = [p for p in files if p.name.endswith(".test.yml")]
        return [p for p in files if p not in tests], tests

    @staticmethod
    def _rules_under_test(test: Path) -> list[Path]:
        """The rule files a promtool test loads (`rule_files`, relative to the test's folder)."""
        names = parse_yaml(test.read_text(encoding="utf-8")).get("rule_files", [])
        return sorted(test.parent / name for name in names)

    @staticmethod
    def _schema_groups(project: Path) -> list[tuple[str, list[Path]]]:
        """(check-jsonschema builtin schema, files) for each kind of CI or compose file."""
        groups = [
            ("vendor.github-workflows", sorted(project.glob(".github/workflows/*.yml"))),
            ("vendor.dependabot", sorted(project.glob(".github/dependabot.yml"))),
            (
                "vendor.gitlab-ci",
                sorted([*project.glob(".gitlab-ci.yml"), *project.glob(".gitlab/ci/*.yml")]),
            ),
            ("vendor.compose-spec", sorted(project.glob("deploy/compose/compose.yaml"))),
        ]
        return [group for group in groups if group[1]]

    # -- the validators -----------------------------------------------------------------------

    @staticmethod
    def _hadolint(project: Path, files: list[Path]) -> None:
        run(tool("hadolint"), "--failure-threshold", "style", *map(str, files))

    def _yamllint(self, project: Path, files: list[Path]) -> None:
        # yamllint's own linter, in this process: the same rules and verdicts as `yamllint
        # --strict -d CONFIG` (any warning fails), without a Python start per combination (the
        # answers file differs in every one: thousands of runs).
        from yamllint import linter
        from yamllint.config import YamlLintConfig

        if self._yamllint_rules is None:
            self._yamllint_rules = YamlLintConfig(self.yamllint_config)
        problems = [
            f"{path}:{problem.line}:{problem.column}: [{problem.level}] {problem.desc} "
            f"({problem.rule})"
            for path in files
            for problem in linter.run(
                path.read_text(encoding="utf-8"), self._yamllint_rules, str(path)
            )
        ]
        assert problems == [], "yamllint --strict:\n" + "\n".join(problems)

    @staticmethod
    def _shellcheck(project: Path, files: list[Path]) -> None:
        run(tool("shellcheck"), "--severity=style", *map(str, files))

    @staticmethod
    def _actionlint(project: Path, files: list[Path]) -> None:
        # actionlint checks each `run:` script with the shellcheck it finds on PATH: the venv's.
        env_path = f"{Path(tool('shellcheck')).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        run(tool("actionlint"), *map(str, files), cwd=project, env={**os.environ, "PATH": env_path})

    @staticmethod
    def _jsonschema(schema: str) -> Callable[[Path, list[Path]], None]:
        def check(project: Path, files: list[Path]) -> None:
            run(tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files))

        return check

    @staticmethod
    def _promtool_check(project: Path, files: list[Path]) -> None:
        """Rule files parse, their expressions and templates are valid, no rule is duplicated."""
        run(promtool(), "check", "rules", "--lint-fatal", *map(str, files))

    @staticmethod
    def _promtool_test(project: Path, files: list[Path]) -> None:
        """The unit tests of the rules pass: each alert fires, and stays silent, as tested."""
        tests = sorted({p for p in files if p.name.endswith(".test.yml")})
        run(promtool(), "test", "rules", *map(str, tests))

    @staticmethod
    def _compose_config(project: Path, files: list[Path]) -> None:
        """`docker-compose config` resolves the stack as Docker would: variables, files, profiles.

        It reads the variables of `.env.example` (what a user copies to `.env`), with every
        profile enabled, so the on-demand services are checked too.
        """
        compose = project / "deploy" / "compose"
        with tempfile.TemporaryDirectory() as scratch:
            env_file = Path(scratch) / ".env"
            shutil.copy(compose / ".env.example", env_file)
            args = [tool("docker-compose"), "--env-file", str(env_file), "-f", "compose.yaml"]
            profiles = run(*args, "config", "--profiles", cwd=compose).split()
            for profile in profiles:
                args += ["--profile", profile]
            output = run(*args, "config", "--quiet", cwd=compose)
            assert output.strip() == "", f"docker-compose config warned:\n{output}"

    @staticmethod
    def _kubernetes(project: Path, files: list[Path]) -> None:
        """Every overlay builds with kustomize and validates strictly against the API schemas."""
        overlays = project / "deploy" / "k8s" / "overlays"
        with tempfile.TemporaryDirectory() as scratch:
            for overlay in K8S_OVERLAYS:
                manifests = run(tool("kubectl"), "kustomize", str(overlays / overlay))
                assert "kind: Deployment" in manifests or "kind: CronJob" in manifests
                rendered = Path(scratch) / f"{overlay}.yaml"
                rendered.write_text(manifests, encoding="utf-8")
                output = run(
                    tool("kubernetes-validate"),
                    "--strict",
                    "--kubernetes-version",
                    KUBERNETES_VERSION,
                    str(rendered),
                )
                findings = [
                    line for line in output.splitlines() if line and not line.startswith("INFO")
                ]
                assert findings == [], f"kubernetes-validate on {overlay}:\n{output}"


# -- the secret scan of `make audit` ----------------------------------------------------------

_AUDIT_SETTING = re.compile(r"^(?P<name>[A-Z_]+) := (?P<value>.*)$", re.MULTILINE)


def audit_setting(project: Path, name: str) -> str:
    """A setting of the project's make/audit.mk, as the shell receives it (`$$` is `$`)."""
    text = (project / "make" / "audit.mk").read_text()
    settings = {match["name"]: match["value"] for match in _AUDIT_SETTING.finditer(text)}
    return settings[name].replace("$$", "$")


def secret_findings(files: list[Path], cwd: Path, processes: int = 2) -> list[str]:
    """`path:line: type` of every secret detect-secrets finds in `files`, as `make audit` runs it.

    The generator's detect-secrets (a dev dependency, the version make/audit.mk pins), offline
    (`--no-verify`), with every plugin and filter at its default; the files (named relative to
    `cwd` in the findings) split over `processes` runs side by side: one file takes 30 ms, most of
    it in the plugins' regular expressions.
    """
    names = [str(path.relative_to(cwd)) for path in files]
    chunks = [names[start::processes] for start in range(processes)]
    runs = [
        subprocess.Popen(
            [tool("detect-secrets-hook"), "--no-verify", "--json", *chunk],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for chunk in chunks
        if chunk
    ]
    findings: list[str] = []
    for process in runs:
        stdout, stderr = process.communicate()
        # 0: nothing found; 1: findings, as JSON on stdout; anything else: the scan failed.
        assert process.returncode in {0, 1}, f"detect-secrets-hook failed:\n{stdout}{stderr}"
        if process.returncode == 1:
            results = json.loads(stdout)["results"]
            findings += [
                f"{name}:{secret['line_number']}: {secret['type']}"
                for name, secrets in results.items()
                for secret in secrets
            ]
    return sorted(findings)
