"""The shape of the code: features import one way, shared modules import no feature."""

import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# The application factory and the command line put the features together.
COMPOSITION_ROOTS = {"portal", "portal.cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every portal module a file imports, at the top or inside a function."""
    found = set()
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    )
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + [base]
                )
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "portal" or name.startswith("portal.")}


def features() -> set[str]:
    """The feature packages: every package under portal/ but the models."""
    return {p.name for p in PORTAL.iterdir() if (p / "__init__.py").exists()} - {"models"}


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in features() else None


def feature_graph() -> dict[str, set[str]]:
    graph = {name: set() for name in features()}
    for path in PORTAL.rglob("*.py"):
        source = feature_of(module_name(path))
        if source is None:
            continue
        for target in map(feature_of, imports_of(path)):
            if target and target != source:
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found = []

    def visit(node, trail):
        for target in sorted(graph[node]):
            if target in trail:
                found.append(trail[trail.index(target) :] + [target])
            elif len(trail) < len(graph):
                visit(target, trail + [target])

    for start in sorted(graph):
        visit(start, [start])
    return found


def test_the_feature_packages_are_the_expected_ones():
    assert {"auth", "clients", "admin", "brand_migration", "outbox", "demo"} <= features()


def test_no_two_features_import_each_other_even_through_a_third():
    assert cycles(feature_graph()) == []


def test_the_known_arrows_run_one_way():
    graph = feature_graph()
    assert "clients" in graph["brand_migration"]  # migration builds on the client rules
    assert "brand_migration" not in graph["clients"]
    assert "auth" in graph["admin"] and "admin" not in graph["auth"]


def test_shared_modules_import_no_feature():
    offenders = {}
    for path in PORTAL.rglob("*.py"):
        module = module_name(path)
        if feature_of(module) or module in COMPOSITION_ROOTS:
            continue
        features_used = {f for f in map(feature_of, imports_of(path)) if f}
        if features_used:
            offenders[module] = sorted(features_used)
    assert offenders == {}


def test_the_walk_sees_every_kind_of_import():
    sample = PORTAL / "clients" / "views.py"
    names = imports_of(sample)
    assert "portal.clients" in names and "portal.permissions" in names
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [
        ["a", "b", "c", "a"],
        ["b", "c", "a", "b"],
        ["c", "a", "b", "c"],
    ]
