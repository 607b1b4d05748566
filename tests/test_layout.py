"""The layout holds: stages/ has only the thin scripts dvc.yaml runs, each stage's code deps are
exactly the package modules it imports (so caching is exact), the package has no import cycles,
the package's layers go one way, and every python/bench command the README and docs/ show still
runs (with --help)."""

import ast
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import BIN, ROOT

PACKAGE = "embedding_bench"
STAGES = ROOT / "stages"


def module_file(dotted):
    """The repository path of a package module or subpackage."""
    path = ROOT.joinpath(*dotted.split("."))
    return str((path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(ROOT))


def package_imports(path):
    """The package modules (as repository paths) that a file imports directly; the package's
    __init__, which holds no code, is none of them."""
    found = set()
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            for alias in node.names:  # `from pkg import module` or `from pkg.module import name`
                sub = f"{node.module}.{alias.name}"
                is_module = ROOT.joinpath(*sub.split(".")).with_suffix(".py").is_file() or \
                    ROOT.joinpath(*sub.split(".")).is_dir()
                found.add(module_file(sub if is_module else node.module))
        elif isinstance(node, ast.Import):
            found |= {module_file(a.name) for a in node.names if a.name.startswith(PACKAGE + ".")}
    return found - {f"{PACKAGE}/__init__.py"}


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


def test_package_inits_hold_no_code():
    """An __init__.py runs on every import but is no stage dep: it holds nothing but its docstring."""
    for init in (ROOT / PACKAGE).rglob("__init__.py"):
        tree = ast.parse(init.read_text())
        assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr), init


def test_package_layers_go_one_way_and_never_import_stages():
    """The layers contract of pyproject.toml (import-linter), which names every module once."""
    result = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and "broken" not in result.stdout.replace("0 broken", ""), result.stdout
    listed = {m.strip() for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "importlinter"]["contracts"] for layer in contract["layers"] for m in layer.split(":")}
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / PACKAGE).rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")}
    packages = {f"{PACKAGE}.{p.parent.name}" for p in (ROOT / PACKAGE).glob("*/__init__.py")}
    top = {m for m in listed if m.count(".") == 1}
    assert {m for m in modules if m.count(".") == 1} | packages == top  # every module, every package
    assert {m for m in modules if m.count(".") == 2} == listed - top  # and every package's modules
    for module in (ROOT / PACKAGE).rglob("*.py"):
        assert not re.search(r"^\s*(from|import) stages\b", module.read_text(), re.M), module


def test_modules_and_functions_stay_small():
    """One concern per module: no module over 300 lines, no function over 60."""
    for path in (ROOT / PACKAGE).rglob("*.py"):
        source = path.read_text()
        assert source.count("\n") <= 300, f"{path.relative_to(ROOT)}: {source.count(chr(10))} lines"
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 60, f"{path.relative_to(ROOT)}: {node.name} has {length} lines"


def readme_commands():
    """Commands the README and docs/ show, in code blocks (indented or fenced) and inline code
    spans, that run python, a bench script or the package's command; continuation lines joined,
    `&&` split."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
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


def test_params_reference_is_generated_from_the_schema(tmp_path):
    """docs/params.md is what `embedding-bench params-doc` writes; --check fails where it differs."""
    check = [str(BIN / "embedding-bench"), "params-doc", "--check"]
    result = subprocess.run([*check, "docs/params.md"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    stale = tmp_path / "params.md"
    stale.write_text((ROOT / "docs" / "params.md").read_text().replace("texts per batch", "texts a batch"))
    result = subprocess.run([*check, str(stale)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "differs from the schema; regenerate it" in result.stderr
    text = (ROOT / "docs" / "params.md").read_text()
    for section in ("ingest.labels", "bert", "evaluate", "preprocess.variants.NAME (Variant)"):
        assert f"## {section}\n" in text
    assert "| `optimizer` | `adadelta` \\| `adam` \\| `adamw` |" in text  # the schema's values, all of them


def test_the_console_command_finds_its_own_dvc_without_the_venv_activated(tmp_path):
    """`.venv/bin/embedding-bench compare` from a shell whose PATH lacks the venv: DVC of this
    environment answers (here: no DVC repository), not a FileNotFoundError traceback."""
    env = {"HOME": os.environ.get("HOME", str(tmp_path)), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(BIN / "embedding-bench"), "compare"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "dvc exp show --json failed: ERROR: you are not inside of a DVC repository" in result.stderr
