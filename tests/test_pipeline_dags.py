"""dvc.yaml and the Snakemake workflow must define the same stages, commands and outputs."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from dvc.repo import Repo

REPO = Path(__file__).resolve().parents[1]
STAGE_MODULES = {
    "download": "data/download.py",
    "prepare": "data/prepare.py",
    "train": "train.py",
    "features": "features.py",
    "evaluate": "evaluate.py",
    "tsne": "tsne.py",
    "figures": "figures.py",
    "report": "report/__init__.py",
}


def normalize(command: str) -> str:
    return " ".join(command.split())


def dvc_stages() -> dict[str, tuple[str, set[str], set[str]]]:
    """Return {command: (stage name, output paths, dependency paths)} for every DVC stage."""
    stages = {}
    with Repo(str(REPO)) as repo:
        for stage in repo.index.stages:
            outs = {str(Path(out.def_path)) for out in stage.outs}
            deps = {str(Path(dep.def_path)) for dep in stage.deps}
            stages[normalize(stage.cmd)] = (stage.addressing, outs, deps)
    return stages


def source_files(paths: set[str]) -> set[str]:
    """Expand package source paths (files or folders) to .py and .typ files."""
    files = set()
    for path in paths:
        if not path.startswith("src/"):
            continue
        full = REPO / path
        if full.is_dir():
            files |= {str(p.relative_to(REPO)) for p in full.iterdir() if p.suffix in (".py", ".typ")}
        else:
            files.add(path)
    return files


# Modules that route commands, raise errors or write files atomically never change what a stage
# computes. Leaving them out keeps an edit there from rerunning every stage.
INFRASTRUCTURE = {"cli.py", "errors.py", "files.py", "__init__.py", "__main__.py"}


def imported_sources(module: Path, seen: set[Path] | None = None) -> set[str]:
    """Return the package files that ``module`` imports, directly or through other modules.

    All imports of the stage's own module count. Of the modules it imports, only the top-level
    imports count, because a function-level import there serves a function the stage may not call.
    """
    entry = seen is None
    seen = set() if seen is None else seen
    if module in seen:
        return set()
    seen.add(module)
    found = {str(module.relative_to(REPO))}
    package = REPO / "src"
    tree = ast.parse(module.read_text())
    for node in ast.walk(tree) if entry else tree.body:
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tinyclr"):
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("tinyclr")]
        for name in names:
            base = package / name.replace(".", "/")
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file():
                    found |= imported_sources(candidate, seen)
    return found


# Snakemake has no command that lists each job's outputs and shell command together, so a
# child process builds the DAG through its Python API and prints them.
# NOTE: `_workflow`, `_prepare_dag` and `_build_dag` are private; checked with Snakemake 9.27 only.
LIST_JOBS = """
import json
from pathlib import Path
from snakemake.api import SnakemakeApi
from snakemake.settings.types import DAGSettings, OutputSettings, Quietness, ResourceSettings

with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
    workflow_api = api.workflow(
        resource_settings=ResourceSettings(cores=1),
        snakefile=Path("workflow/Snakefile"),
        workdir=Path("."),
    )
    workflow_api.dag(dag_settings=DAGSettings(forceall=True))
    workflow = workflow_api._workflow
    workflow._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True, nolock=True)
    workflow._build_dag()
    jobs = [
        [job.rule.name, [str(path) for path in job.output], job.shellcmd,
         [str(path) for path in job.input]]
        for job in workflow.dag.jobs
        if job.shellcmd
    ]
print("JOBS " + json.dumps(jobs))
"""


def snakemake_jobs() -> dict[str, tuple[str, set[str], set[str]]]:
    """Return {command: (rule name, output paths, input paths)} for every job of the DAG."""
    result = subprocess.run(
        [sys.executable, "-c", LIST_JOBS], cwd=REPO, capture_output=True, text=True, check=True
    )
    line = next(l for l in result.stdout.splitlines() if l.startswith("JOBS "))
    return {
        normalize(command): (rule, set(outputs), set(inputs))
        for rule, outputs, command, inputs in json.loads(line[len("JOBS "):])
    }


@pytest.fixture(scope="module")
def both():
    return dvc_stages(), snakemake_jobs()


def test_same_commands(both):
    dvc, snakemake = both
    assert sorted(snakemake) == sorted(dvc)


def test_same_outputs(both):
    dvc, snakemake = both
    for command, (stage, outs, _) in dvc.items():
        rule, outputs, _ = snakemake[command]
        assert outputs == outs, f"{stage} (dvc) and {rule} (snakemake) differ"


def test_same_code_inputs(both):
    dvc, snakemake = both
    for command, (stage, _, deps) in dvc.items():
        rule, _, inputs = snakemake[command]
        assert source_files(inputs) == source_files(deps), f"{stage} and {rule} differ"


def test_code_deps_cover_imports(both):
    """Every package module a stage imports is a declared dependency, so edits rerun it."""
    dvc, _ = both
    for command, (stage, _, deps) in dvc.items():
        module = command.split()[3]
        entry = REPO / "src" / "tinyclr" / STAGE_MODULES[module]
        imported = {
            path for path in imported_sources(entry) if Path(path).name not in INFRASTRUCTURE
            or path.count("/") > 2
        }
        missing = imported - source_files(deps)
        assert not missing, f"{stage} imports {sorted(missing)} without declaring them"


def test_stage_count_follows_params(both):
    """One train, features, evaluate and tsne job per variant; references skip training."""
    dvc, _ = both
    import yaml

    params = yaml.safe_load((REPO / "params.yaml").read_text())
    variants, references = len(params["variants"]), len(params["references"])
    names = [stage for stage, _, _ in dvc.values()]
    assert sum(n.startswith("train@") for n in names) == variants
    assert sum(n.startswith(("features@", "features-random@")) for n in names) == variants + references
    assert sum(n.startswith(("evaluate@", "evaluate-random@")) for n in names) == variants + references
    assert len(names) == 4 + 4 * variants + 3 * references
