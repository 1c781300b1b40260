"""The demo data stays outside the running portal: only the seed-demo command imports it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
DEMO = "portal.demo"
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class DemoImport(NamedTuple):
    path: str  # of the importing module, from the project root
    function: str | None  # the function the import sits in; None at module level
    module: str  # what it imports


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The absolute names an import statement loads, relative imports resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    # `from portal import demo` loads portal.demo: count each imported name as a module too.
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _is_demo(name: str) -> bool:
    return name == DEMO or name.startswith(DEMO + ".")


def demo_imports(path: Path, root: Path = ROOT) -> list[DemoImport]:
    module = _module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[DemoImport] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, FUNCTIONS) else None
            names = _imported_modules(child, module, path.name == "__init__.py")
            # importlib.import_module("portal.demo...") and __import__ say it in a string.
            if isinstance(child, ast.Call) and child.args:
                first = child.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names = [first.value]
            for name in names:
                if _is_demo(name):
                    found.append(DemoImport(str(path.relative_to(root)), function, name))
                    break
            visit(child, inner or function)

    visit(tree, None)
    return found


def test_only_the_seed_demo_command_imports_the_demo_package():
    outside_demo = [
        path for path in sorted(PORTAL.rglob("*.py")) if (PORTAL / "demo") not in path.parents
    ]
    assert PORTAL / "cli.py" in outside_demo and len(outside_demo) > 20
    found = [imp for path in outside_demo for imp in demo_imports(path)]
    # Exactly one: the command's own, made when it runs (not when the CLI module loads).
    assert found == [DemoImport("portal/cli.py", "seed_demo_command", "portal.demo.seed")]


def test_the_walk_sees_every_way_of_importing_the_demo(tmp_path):
    """The rule above is only as good as this walk: each form of import is caught."""
    package = tmp_path / "portal" / "clients"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .. import demo\n")
    (package / "views.py").write_text(
        "import portal.demo.bulk\n"
        "from portal.demo.data import COUNTRIES\n"
        "from portal import demo as d\n"
        "from ..demo import seed\n"
        "import importlib\n"
        "def later():\n"
        "    importlib.import_module('portal.demo.drafts')\n"
        "from portal import models\n"  # not the demo
        "import portal.demographics\n"  # nor a module that merely starts alike
    )
    assert [i.module for i in demo_imports(package / "__init__.py", tmp_path)] == ["portal.demo"]
    assert [(i.function, i.module) for i in demo_imports(package / "views.py", tmp_path)] == [
        (None, "portal.demo.bulk"),
        (None, "portal.demo.data"),
        (None, "portal.demo"),
        (None, "portal.demo"),
        ("later", "portal.demo.drafts"),
    ]


def test_the_running_portal_never_loads_the_demo():
    """Serving requests, and loading every CLI command, leaves portal.demo unimported."""
    script = (
        "import sys\n"
        "from portal import create_app\n"
        "app = create_app({'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': 'sqlite://',\n"
        "                  'REQUEST_LOG': False})\n"  # stdout is for the list below
        "assert app.test_client().get('/healthz').status_code == 200\n"
        "assert 'seed-demo' in app.cli.commands\n"
        "print(sorted(m for m in sys.modules if m.startswith('portal.')))\n"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = ast.literal_eval(result.stdout)
    assert {"portal.cli", "portal.admin.views", "portal.clients.views"} <= set(loaded)
    assert [name for name in loaded if _is_demo(name)] == []
