"""dvc.yaml and the Snakemake workflow must define the same stages, commands and outputs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from dvc.repo import Repo

REPO = Path(__file__).resolve().parents[1]


def normalize(command: str) -> str:
    return " ".join(command.split())


def dvc_stages() -> dict[str, tuple[str, set[str]]]:
    """Return {command: (stage name, output paths)} for every stage of dvc.yaml."""
    stages = {}
    with Repo(str(REPO)) as repo:
        for stage in repo.index.stages:
            outs = {str(Path(out.def_path)) for out in stage.outs}
            stages[normalize(stage.cmd)] = (stage.addressing, outs)
    return stages


# Snakemake has no command that lists each job's outputs and shell command together, so a
# child process builds the DAG through its Python API (Snakemake 8 and 9) and prints them.
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
        [job.rule.name, [str(path) for path in job.output], job.shellcmd]
        for job in workflow.dag.jobs
        if job.shellcmd
    ]
print("JOBS " + json.dumps(jobs))
"""


def snakemake_jobs() -> dict[str, tuple[str, set[str]]]:
    """Return {command: (rule name, output paths)} for every job of the full DAG."""
    result = subprocess.run(
        [sys.executable, "-c", LIST_JOBS], cwd=REPO, capture_output=True, text=True, check=True
    )
    line = next(l for l in result.stdout.splitlines() if l.startswith("JOBS "))
    return {
        normalize(command): (rule, set(outputs))
        for rule, outputs, command in json.loads(line[len("JOBS "):])
    }


@pytest.fixture(scope="module")
def both():
    return dvc_stages(), snakemake_jobs()


def test_same_commands(both):
    dvc, snakemake = both
    assert sorted(snakemake) == sorted(dvc)


def test_same_outputs(both):
    dvc, snakemake = both
    for command, (stage, outs) in dvc.items():
        rule, outputs = snakemake[command]
        assert outputs == outs, f"{stage} (dvc) and {rule} (snakemake) differ"


def test_stage_count_follows_params(both):
    """One train, features, evaluate and tsne job per variant; references skip training."""
    dvc, _ = both
    import yaml

    params = yaml.safe_load((REPO / "params.yaml").read_text())
    variants, references = len(params["variants"]), len(params["references"])
    names = [stage for stage, _ in dvc.values()]
    assert sum(n.startswith("train@") for n in names) == variants
    assert sum(n.startswith(("features@", "features-random@")) for n in names) == variants + references
    assert sum(n.startswith(("evaluate@", "evaluate-random@")) for n in names) == variants + references
    assert len(names) == 4 + 4 * variants + 3 * references
