"""Imports flow one way: ingest, forecasting and app never import one another (app may use
forecasting only to run a scenario); the wipcast core imports none of them; only the CLI ties them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("ingest", "forecasting", "app")
CLI_MODULES = {"cli.py", "cli_scenario.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _python_files(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


def test_layers_do_not_import_each_other():
    problems = []
    for layer in LAYERS:
        for path in _python_files(layer):
            others = _imports(path) & (set(LAYERS) - {layer})
            rel = path.relative_to(ROOT)
            if layer == "app" and others == {"forecasting"} and "scenario" in path.name:
                continue  # the scenarios page runs a scenario through the forecasting engine
            if others:
                problems.append(f"{rel} imports {sorted(others)}")
    assert problems == []


def test_core_imports_no_layer():
    problems = []
    for path in _python_files("wipcast"):
        if path.name in CLI_MODULES:
            continue
        layers = _imports(path) & set(LAYERS)
        if layers:
            problems.append(f"{path.relative_to(ROOT)} imports {sorted(layers)}")
    assert problems == []


def test_the_check_itself_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import ingest.files\nfrom forecasting.engine import prepare\nfrom . import local\n")
    assert _imports(sample) == {"ingest", "forecasting"}
