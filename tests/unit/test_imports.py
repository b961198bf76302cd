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


def test_engine_imports_nothing_from_app_cli_or_server():
    engine = engine_sources()
    assert engine, "no engine modules found"
    upper = ("podium.app", "podium.cli", "podium.server")
    bad = [
        f"{path.relative_to(SRC)} imports {module}"
        for path in engine
        for module in sorted(podium_imports(path))
        if module.startswith(upper)
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
        ("serialization.py", ("podium.types", "podium.errors")),
        ("clock.py", ("podium.types", "podium.errors")),
        ("config.py", ("podium.types", "podium.errors")),
        ("patterns/retry.py", ("podium.types", "podium.errors")),
        (
            "store/base.py",
            ("podium.types", "podium.errors", "podium.serialization", "podium.clock"),
        ),
    ],
)
def test_lower_layers_import_only_lower_layers(module: str, allowed: tuple[str, ...]):
    found = sorted(
        m
        for m in podium_imports(SRC / module)
        if not any(m == a or m.startswith(f"{a}.") for a in allowed)
    )
    assert found == [], f"{module} imports {found}, above its layer"
