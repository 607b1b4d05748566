"""The layout holds: stages/ has only the thin scripts dvc.yaml runs, each stage's code deps are
exactly the package modules it imports (so caching is exact), the package has no import cycles,
and every python/bench command the README shows still runs (with --help)."""

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import BIN, ROOT

PACKAGE = "embedding_bench"
STAGES = ROOT / "stages"


def package_imports(path):
    """The package modules (as repository paths) that a file imports directly."""
    found = set()
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE:
            found |= {f"{PACKAGE}/{alias.name}.py" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE + "."):
            found.add(node.module.replace(".", "/") + ".py")
        elif isinstance(node, ast.Import):
            found |= {a.name.replace(".", "/") + ".py" for a in node.names
                      if a.name.startswith(PACKAGE + ".")}
    return found


def closure(path):
    seen, todo = set(), [path]
    while todo:
        for module in package_imports(ROOT / todo.pop()) - seen:
            seen.add(module)
            todo.append(module)
    return seen


def dvc_stages():
    return YAML(typ="safe").load((ROOT / "dvc.yaml").read_text())["stages"]


def stage_body(stage):
    return stage.get("do", stage)  # a foreach stage's definition is under `do`


def test_stages_folder_holds_only_the_scripts_dvc_runs():
    run = {re.search(r"python -m stages\.(\w+)", stage_body(s)["cmd"]).group(1)
           for s in dvc_stages().values()}
    present = {p.stem for p in STAGES.iterdir() if p.name != "__pycache__"}
    assert present == run, "stages/ must hold exactly the stage scripts dvc.yaml runs"
    for name in run:
        lines = (STAGES / f"{name}.py").read_text().splitlines()
        assert len(lines) <= 80, f"stages/{name}.py has {len(lines)} lines: move logic into {PACKAGE}"


def test_each_stage_depends_on_exactly_the_code_it_imports():
    """The rule for code deps: a stage's script plus every package module it imports, directly or
    not. A change to any of them re-runs the stage; a change to any other module does not."""
    for name, stage in dvc_stages().items():
        body = stage_body(stage)
        script = re.search(r"python -m (stages\.\w+)", body["cmd"]).group(1).replace(".", "/") + ".py"
        code_deps = {d for d in body["deps"] if d.endswith(".py")}
        assert code_deps == {script} | closure(script), f"dvc.yaml deps of stage {name!r}"


def test_package_init_holds_no_code():
    """__init__.py runs on every import but is no stage dep: it must hold nothing but its docstring."""
    tree = ast.parse((ROOT / PACKAGE / "__init__.py").read_text())
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)


def readme_layers():
    """The layers the README's Layout lists ("    1 errors", ...): the one place they are written.
    A module may import only modules of earlier layers."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"The layers go one way.*?\n\n((?: {4}\d+ [^\n]*\n)+)", text, re.S)
    assert block, "README, Layout: the numbered list of layers is missing"
    rows = [line.split() for line in block.group(1).splitlines()]
    assert [int(row[0]) for row in rows] == list(range(1, len(rows) + 1))
    return [row[1:] for row in rows]


def test_package_layers_go_one_way_and_never_import_stages():
    layer = {f"{PACKAGE}/{name}.py": i for i, names in enumerate(readme_layers()) for name in names}
    modules = {f"{PACKAGE}/{p.name}" for p in (ROOT / PACKAGE).glob("*.py")} - {
        f"{PACKAGE}/__init__.py", f"{PACKAGE}/__main__.py"}
    assert modules == set(layer), "every module belongs to one layer (README, Layout)"
    for module in modules:
        for imported in package_imports(ROOT / module):
            assert layer[imported] < layer[module], f"{module} imports {imported} (same or higher layer)"
        source = (ROOT / module).read_text()
        assert not re.search(r"^\s*(from|import) stages\b", source, re.M), f"{module} imports stages"


def readme_commands():
    """Commands the README shows, in code blocks (indented or fenced) and inline code spans, that
    run python, a bench script or the package's command; continuation lines joined, `&&` split."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced or line.startswith("    "):
            lines.append(line.strip())
    lines = "\n".join(lines).replace("\\\n", " ").splitlines() + re.findall(r"`([^`\n]+)`", text)
    commands = []
    for line in lines:
        for part in line.split("&&"):
            first = part.split()[:1]
            if not first or not (first[0].endswith("python") or first[0] in ("embedding-bench", "bash")):
                continue  # prose or another tool: not parsed as a command
            words = shlex.split(part, comments=True)
            if any("<" in w for w in words[:3]):
                continue  # a placeholder such as `python -m stages.<name>`, not a command
            if words and (words[0].endswith("python") or words[0] == "embedding-bench"
                          or words[0] == "bash" and words[1].startswith("bench/")):
                commands.append(words)
    return commands


def cheapest(words):
    """The command with --help in place of its arguments: the program and its script, module or
    subcommand."""
    if words[0] == "embedding-bench":
        keep = 2 if len(words) > 1 and not words[1].startswith("-") else 1
    else:
        keep = 3 if words[1] == "-m" else 2
    return words[:keep] + ["--help"]


def test_readme_commands_run():
    commands = {tuple(cheapest(words)) for words in readme_commands()}
    assert len(commands) >= 6, f"too few README commands found: {commands}"
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    for command in sorted(commands):
        if command[0] == ".venv/bin/python" and not (ROOT / ".venv").is_dir():
            command = (sys.executable, *command[1:])  # tests run from another environment
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, f"README command {' '.join(command)}:\n{result.stderr[-2000:]}"
        assert "usage" in result.stdout.lower() or len(result.stdout) > 40, command


@pytest.mark.parametrize("argv", [["embedding-bench", "--help"], ["embedding-bench", "compare", "--help"]])
def test_console_command_installed(argv):
    result = subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True)
    assert result.returncode == 0 and "compare" in result.stdout
