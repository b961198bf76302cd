"""The `podium.cli` package's layering: commands on top of `common`, no cycle, a light --help."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit.test_imports import SRC, modules_after, podium_imports

CLI = SRC / "cli"


def module_name(path: Path) -> str:
    """`podium.cli.common` for src/podium/cli/common.py, `podium.cli` for its __init__.py."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def cli_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(CLI.glob("*.py"))}


def cli_imports(path: Path, known: set[str]) -> set[str]:
    """The podium.cli modules `path` imports anywhere (functions and TYPE_CHECKING included).

    `from podium.cli import common` counts as an import of `podium.cli.common`, not of the
    package: importing a submodule runs no more of the package than any submodule import.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module or "")
    return found & known


def test_common_imports_no_command_module():
    known = set(cli_modules())
    assert cli_imports(CLI / "common.py", known) == set()


def test_cli_import_graph_is_acyclic():
    modules = cli_modules()
    graph = {name: cli_imports(path, set(modules)) for name, path in modules.items()}
    done: set[str] = set()

    def visit(name: str, stack: tuple[str, ...]) -> None:
        assert name not in stack, f"import cycle: {' -> '.join((*stack, name))}"
        if name not in done:
            for target in sorted(graph[name]):
                visit(target, (*stack, name))
            done.add(name)

    for name in graph:
        visit(name, ())


def test_only_the_entry_points_import_the_cli():
    importers = sorted(
        module_name(path)
        for path in SRC.rglob("*.py")
        if CLI not in path.parents
        and any(m == "podium.cli" or m.startswith("podium.cli.") for m in podium_imports(path))
    )
    assert importers == ["podium.__main__"]


def test_podium_help_loads_no_server_or_asl_code():
    loaded = modules_after("import podium.cli\npodium.cli.build_parser()")
    heavy = sorted(
        m for m in loaded if m.split(".")[0] in ("fastapi", "uvicorn", "starlette", "rich")
    )
    assert heavy == []
    assert not any(
        m == "podium.asl" or m.startswith(("podium.asl.", "podium.server.")) for m in loaded
    )
