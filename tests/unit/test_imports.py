"""A light `import podium`, and the dependency rule of STYLE.md, checked on the source."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import podium

SRC = Path(podium.__file__).parent
HEAVY = [
    "rich",
    "pydantic",
    "fastapi",
    "starlette",
    "uvicorn",
    "psycopg",
    "psycopg_pool",
    "prometheus_client",
    "opentelemetry",
    "numpy",
    "pandas",
    "cryptography",
]


def modules_after(code: str) -> set[str]:
    """The names in sys.modules after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return set(json.loads(output))


def test_import_podium_is_light():
    loaded = modules_after("import podium")
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == [], f"`import podium` loads {heavy}; import them lazily where used"


def test_dialect_modules_load_only_when_a_store_opens():
    loaded = modules_after("import podium")
    assert "podium.store.sqlite" not in loaded
    assert "podium.store.postgres" not in loaded
    opened = modules_after(
        "import podium\nwith podium.App('x', database_url='sqlite:///:memory:') as a: a.list()"
    )
    assert "podium.store.sqlite" in opened


def imported_modules(source: str, package: str) -> set[str]:
    """Every module `source` (a module of `package`) imports, anywhere in it.

    TYPE_CHECKING blocks and imports inside functions count too.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def podium_imports(path: Path) -> set[str]:
    """The podium modules (or names in them) that the source file `path` imports."""
    package = ".".join(("podium", *path.relative_to(SRC).parent.parts))
    modules = imported_modules(path.read_text(), package)
    return {m for m in modules if m.startswith("podium.")}


def module_name(path: Path) -> str:
    """The dotted name of the podium source file `path`."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in SRC.rglob("*.py")}


def owning_module(name: str) -> str:
    """The module an imported name lives in (`podium.store.base.Fence` -> podium.store.base)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imported_podium_modules(path: Path) -> set[str]:
    """The podium modules `path` imports: `from podium.store import base` is podium.store.base.

    A package counts as imported only when a name that is not a module is taken from it.
    """
    package = ".".join(("podium", *path.relative_to(SRC).parent.parts))
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
    return {owning_module(m) for m in found if m == "podium" or m.startswith("podium.")}


def import_graph() -> dict[str, set[str]]:
    """Every podium module and the podium modules it imports, every kind of import counted."""
    return {name: imported_podium_modules(path) - {name} for name, path in MODULES.items()}


def engine_sources() -> list[Path]:
    return sorted((SRC / "engine").rglob("*.py"))


def test_import_scanner_resolves_relative_and_nested_imports():
    source = (
        "from . import history\n"
        "from ..store import base\n"
        "def later():\n"
        "    import podium.app\n"
        "if TYPE_CHECKING:\n"
        "    from podium.cli import main\n"
    )
    found = imported_modules(source, "podium.engine")
    assert {"podium.engine.history", "podium.store.base", "podium.app", "podium.cli"} <= found


# -- the dependency rule ----------------------------------------------------------------------

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("leaves", ("podium.types", "podium.errors")),
    (
        "policies and values",
        (
            "podium.serialization",
            "podium.redaction",
            "podium.validation",
            "podium.codecs",
            "podium.clock",
            "podium.config",
            "podium.arguments",
            "podium.definitions",
            "podium.registry",
            "podium.patterns.retry",
            "podium.patterns.machinedef",
        ),
    ),
    ("analytics models", ("podium.intelligence",)),
    ("store", ("podium.store",)),
    ("engine", ("podium.engine", "podium.context")),
    ("patterns", ("podium.patterns", "podium.workflow", "podium.step", "podium.asl")),
    ("observability", ("podium.observability",)),
    (
        "app",
        ("podium.app", "podium.application", "podium.governance", "podium.inline", "podium.demo"),
    ),
    ("testing aids", ("podium.testing",)),
    ("server and cli", ("podium.server", "podium.cli")),
    ("package", ("podium.__main__", "podium")),
]
"""types -> policies -> store -> engine -> patterns -> app -> testing -> server/cli, lowest first.

A module may import its own layer and the layers below it. Observability enters the engine
through its hooks and sits below the app, which never imports it; the server wires it in.
"""


def layer_of(module: str) -> int:
    """The index in LAYERS of `module`: the layer of its longest matching prefix."""
    best, length = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(f"{prefix}.")
            if matches and len(prefix) > length:
                best, length = index, len(prefix)
    return best


def test_every_module_has_a_layer():
    assert [m for m in MODULES if layer_of(m) < 0] == []


def test_imports_point_down_the_layers():
    """No module imports a layer above its own, lazily or for type checking either."""
    bad = [
        f"{source} ({LAYERS[layer_of(source)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for source, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer_of(target) > layer_of(source)
    ]
    assert bad == []


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph` as a list of modules, or None when it is acyclic."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for target in sorted(graph.get(node, ())):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                found = visit(target)
                if found is not None:
                    return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for node in sorted(graph):
        if node not in done:
            found = visit(node)
            if found is not None:
                return found
    return None


def test_no_import_cycles_not_even_hidden_in_functions():
    """Counting imports inside functions and TYPE_CHECKING blocks, the modules form no cycle.

    So no import sits inside a function to break a cycle; the lazy imports that remain keep
    `import podium` light (drivers, FastAPI, the ASL package) and point down.
    """
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


ENGINE_MAY_IMPORT = {
    "podium.types",
    "podium.errors",
    "podium.serialization",
    "podium.redaction",
    "podium.validation",
    "podium.clock",
    "podium.config",
    "podium.definitions",
    "podium.registry",
    "podium.context",
    "podium.store.base",
    "podium.patterns.retry",
}
"""The engine's imports outside itself: the Store protocol, a pure retry policy, lower layers."""


def test_engine_imports_only_store_base_a_policy_and_lower_layers():
    outside = {
        target
        for source, targets in import_graph().items()
        if source.startswith("podium.engine")
        for target in targets
        if not target.startswith("podium.engine")
    }
    assert outside <= ENGINE_MAY_IMPORT, sorted(outside - ENGINE_MAY_IMPORT)


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("podium.engine", ("podium.app", "podium.cli", "podium.server", "podium.observability")),
        ("podium.patterns", ("podium.app", "podium.inline", "podium.server", "podium.cli")),
        ("podium.asl", ("podium.app", "podium.inline", "podium.server", "podium.cli")),
        ("podium.observability", ("podium.app", "podium.server", "podium.cli")),
    ],
)
def test_package_imports_nothing_above_it(package: str, forbidden: tuple[str, ...]):
    bad = [
        f"{source} imports {target}"
        for source, targets in sorted(import_graph().items())
        if source.startswith(package)
        for target in sorted(targets)
        if target.startswith(forbidden)
    ]
    assert bad == []


def test_engine_knows_only_store_base():
    """Not a dialect, not the named queries, not the factory: only the Store protocol."""
    bad = [
        f"{path.relative_to(SRC)} imports {module}"
        for path in engine_sources()
        for module in sorted(podium_imports(path))
        if module.startswith("podium.store.") and not module.startswith("podium.store.base")
    ]
    assert bad == []


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("types.py", ()),
        ("errors.py", ("podium.types",)),
        ("redaction.py", ("podium.types", "podium.errors")),
        ("serialization.py", ("podium.types", "podium.errors", "podium.redaction")),
        ("clock.py", ("podium.types", "podium.errors")),
        ("config.py", ("podium.types", "podium.errors")),
        ("patterns/retry.py", ("podium.types", "podium.errors")),
        ("definitions.py", ("podium.types", "podium.errors", "podium.patterns.retry")),
        (
            "store/base.py",
            ("podium.types", "podium.errors", "podium.serialization", "podium.clock"),
        ),
    ],
)
def test_lower_layers_import_only_lower_layers(module: str, allowed: tuple[str, ...]):
    found = sorted(
        m
        for m in imported_podium_modules(SRC / module)
        if not any(m == a or m.startswith(f"{a}.") for a in allowed)
    )
    assert found == [], f"{module} imports {found}, above its layer"
