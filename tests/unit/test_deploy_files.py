"""The deploy files agree with each other, checked offline: the Procfile is the one list of
processes; app.json (Heroku, Dokku), render.yaml (Render) and docs/deploy.md's Dokku section start
the same commands; runtime.txt and .python-version name the same Python; and what the runtime
imports is declared in requirements.txt, not left to a dependency of a dependency."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from localdev.procfile import read_procfile

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = read_procfile(ROOT / "Procfile")
STANDARD = ("web", "rq_worker", "timer_worker")  # the formation every platform runs


def _app_json() -> dict[str, Any]:
    return dict(json.loads((ROOT / "app.json").read_text(encoding="utf-8")))


def _render() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "render.yaml").read_text(encoding="utf-8")))


def _readme() -> str:
    return (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(path: Path) -> set[str]:
    names = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_normalized(re.split(r"[\s;=<>!~\[]", line, maxsplit=1)[0]))
    return names


# -- Python version ------------------------------------------------------------------------


def test_runtime_txt_and_python_version_name_the_same_python() -> None:
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    pinned = (ROOT / ".python-version").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.\d+(\.\d+)?", runtime), runtime
    assert re.fullmatch(r"3\.\d+(\.\d+)?", pinned), pinned
    assert runtime == f"python-{pinned}"


# -- app.json (Heroku, Dokku) --------------------------------------------------------------


def test_app_json_formation_is_the_procfiles_process_types() -> None:
    formation = _app_json()["formation"]
    assert set(formation) == set(PROCFILE)
    running = {name for name, spec in formation.items() if spec["quantity"] > 0}
    assert running == set(STANDARD)


# -- render.yaml (Render) ------------------------------------------------------------------


def _render_services() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    services = _render()["services"]
    stores = [s for s in services if s["type"] == "keyvalue"]
    assert len(stores) == 1, "one Key Value instance"
    return [s for s in services if s["type"] != "keyvalue"], stores[0]


def test_render_runs_the_procfiles_commands() -> None:
    processes, _ = _render_services()
    web = [s for s in processes if s["type"] == "web"]
    workers = [s for s in processes if s["type"] == "worker"]
    assert len(web) == 1
    assert len(processes) == len(web) + len(workers)
    assert web[0]["startCommand"] == PROCFILE["web"]
    assert sorted(s["startCommand"] for s in workers) == sorted(
        PROCFILE[name] for name in STANDARD if name != "web"
    )
    names = [s["name"] for s in _render()["services"]]
    assert len(set(names)) == len(names)
    for service in processes:
        assert service["runtime"] == "python"
        assert service["buildCommand"] == "pip install -r requirements.txt"
        # SIGTERM → SIGKILL after this: the workers hand back what they hold within 25 s.
        assert service.get("maxShutdownDelaySeconds", 30) >= 30


def test_render_key_value_never_evicts_and_is_internal() -> None:
    processes, store = _render_services()
    assert store["maxmemoryPolicy"] == "noeviction"
    assert store["ipAllowList"] == []
    assert {s.get("region") for s in [*processes, store]} == {store.get("region")}


def test_render_env_is_app_jsons_plus_redis_from_the_key_value() -> None:
    app_env = _app_json()["env"]
    processes, store = _render_services()
    for service in processes:
        env = {e["key"]: e for e in service["envVars"]}
        assert set(env) == {*app_env, "REDIS_URL"}, service["name"]
        for key, spec in app_env.items():
            if "value" in spec:
                assert env[key] == {"key": key, "value": spec["value"]}
            else:
                assert spec["required"]
                assert env[key] == {"key": key, "sync": False}  # asked for, never committed
        assert env["REDIS_URL"]["fromService"] == {
            "type": "keyvalue",
            "name": store["name"],
            "property": "connectionString",
        }


# -- README ----------------------------------------------------------------------------------


def test_readme_deploys_on_heroku_render_and_dokku() -> None:
    section = _readme()  # docs/deploy.md, linked from the README
    assert section.startswith("# Deploy")
    for platform in ("## Heroku", "## Render", "## Dokku"):
        assert platform in section
    for command in ("dokku redis:create", "dokku redis:link", "dokku ps:scale"):
        assert command in section
    assert "render.yaml" in section


@pytest.mark.parametrize("tool", ["heroku", "dokku"])
def test_readmes_scale_commands_are_app_jsons_formation(tool: str) -> None:
    formation = {name: spec["quantity"] for name, spec in _app_json()["formation"].items()}
    lines = [line for line in _readme().splitlines() if line.startswith(f"{tool} ps:scale ")]
    assert lines, f"no `{tool} ps:scale` line in docs/deploy.md"
    for line in lines:
        counts = dict(re.findall(r"\b([a-z_]+)=(\d+)", line.split("#", 1)[0]))
        assert {name: int(n) for name, n in counts.items()} == formation, line


# -- requirements ----------------------------------------------------------------------------


def _imported_top_levels(package: str, leave_out: tuple[str, ...] = ()) -> set[str]:
    spec = importlib.util.find_spec(package)
    assert spec is not None
    assert spec.submodule_search_locations is not None
    names: set[str] = set()
    for location in spec.submodule_search_locations:
        for path in Path(location).rglob("*.py"):
            if path.name in leave_out:
                continue
            for node in ast.walk(ast.parse(path.read_bytes())):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def test_what_rq_dashboard_imports_is_declared_by_it_or_by_requirements_txt() -> None:
    """rq-dashboard 0.9.0 imports six without declaring it; python-dateutil 4 no longer pulls
    six in, so a fresh install broke /rq. Every import must come from the standard library, a
    dependency rq-dashboard declares, or a line of requirements.txt."""
    declared = _requirements(ROOT / "requirements.txt")
    assert "rq-dashboard" in declared
    declared |= {
        _normalized(re.split(r"[\s;=<>!~\[(]", req, maxsplit=1)[0])
        for req in importlib.metadata.requires("rq-dashboard") or ()
        if "extra ==" not in req
    }
    providers = importlib.metadata.packages_distributions()
    undeclared = {
        name: providers.get(name, ["?"])
        # cli.py is rq-dashboard's own command line (click, through Flask): never run here.
        for name in _imported_top_levels("rq_dashboard", leave_out=("cli.py",))
        if name not in sys.stdlib_module_names
        and name != "rq_dashboard"
        and not {_normalized(d) for d in providers.get(name, [])} & declared
    }
    assert undeclared == {}
