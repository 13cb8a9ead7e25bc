"""Imports flow one way, as the data does:

    simulator -> (files) -> ingest -> warehouse -> dbt -> forecasting -> app

The core `wipcast/` stands under everything and imports none of the rooms above it; ingest,
forecasting, app and simulator never import one another (app may use forecasting only to run a
scenario); only `cli/` ties the steps together, and nothing imports `cli/`.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = "wipcast"
LAYERS = ("simulator", "ingest", "forecasting", "app")
CLI = "cli"
ROOMS = (CORE, *LAYERS, CLI)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_every_room_exists():
    assert all((ROOT / room / "__init__.py").exists() for room in ROOMS)


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


def test_core_imports_no_room_above_it():
    problems = []
    for path in _python_files(CORE):
        above = _imports(path) & (set(ROOMS) - {CORE})
        if above:
            problems.append(f"{path.relative_to(ROOT)} imports {sorted(above)}")
    assert problems == []


def test_nothing_imports_the_cli():
    problems = []
    for room in (CORE, *LAYERS):
        for path in _python_files(room):
            if CLI in _imports(path):
                problems.append(str(path.relative_to(ROOT)))
    assert problems == []


def test_cli_modules_form_no_cycle():
    graph: dict[str, set[str]] = {}
    for path in _python_files(CLI):
        tree = ast.parse(path.read_text())
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cli"):
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                deps.update(n for n in names if (ROOT / (n.replace(".", "/") + ".py")).exists())
        graph[f"cli.{path.stem}" if path.stem != "__init__" else "cli"] = deps

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for dep in graph.get(start, ()):
            if dep == target or (dep not in seen and reaches(dep, target, seen | {dep})):
                return True
        return False

    assert [m for m in graph if reaches(m, m, set())] == []


def test_no_private_imports_of_third_party_modules():
    problems = []
    for room in ROOMS:
        for path in _python_files(room):
            for name in _full_imports(path):
                top, *rest = name.split(".")
                if top not in ROOMS and any(part.startswith("_") and not part.startswith("__") for part in rest):
                    problems.append(f"{path.relative_to(ROOT)} imports {name}")
    assert problems == []


def _full_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_check_itself_sees_imports(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import ingest.files\nfrom forecasting.engine import prepare\nfrom . import local\n")
    assert _imports(sample) == {"ingest", "forecasting"}
    private = tmp_path / "y.py"
    private.write_text("from typer._click.exceptions import ClickException\n")
    assert _full_imports(private) == {"typer._click.exceptions"}
