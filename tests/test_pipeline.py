"""The whole pipeline on a tiny synthetic zip, through both drivers, in throwaway git repos.

Real ``dvc repro``, ``dvc push``/``pull`` against a local-folder remote, and real Snakemake runs
with its between-workflow output cache. Each project is a copy of this repository's tracked
files with a params.yaml shrunk to seconds-long stages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from synthetic import make_zip

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def environment() -> dict[str, str]:
    env = dict(os.environ)
    # The stage commands call plain `python`, which must be this interpreter.
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["TQDM_DISABLE"] = "1"
    env.pop("DVC_NO_ANALYTICS", None)
    env["DVC_NO_ANALYTICS"] = "1"
    return env


def run(command: list[str], cwd: Path, check: bool = True, **extra) -> subprocess.CompletedProcess:
    env = environment()
    env.update(extra.pop("env", {}))
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, **extra)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def tiny_params(zip_path: Path) -> dict:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["data"].update(url=str(zip_path), md5=None)
    params["prepare"]["classes"] = None
    params["train"].update(epochs=1, warmup_epochs=0.0)
    # Two ResNet18 variants and one reference exercise every stage kind; more would only add
    # minutes of fixed start-up cost per stage.
    params["variants"] = {
        name: dict(params["variants"][name], batch_size=8) for name in ("baseline", "head3")
    }
    params["references"] = {"random-resnet18": params["references"]["random-resnet18"]}
    params["features"]["batch_size"] = 64
    params["evaluate"].update(knn_k=[3, 10])
    params["tsne"].update(classes=4, perplexity=5.0)
    return params


def make_project(folder: Path, zip_path: Path) -> Path:
    """Copy the tracked files of this repository into a new git repo with tiny params."""
    folder.mkdir(parents=True)
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source = REPO / name
        if source.is_file() and not name.startswith(("tests/", "bench/")):
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (folder / "params.yaml").write_text(yaml.safe_dump(tiny_params(zip_path), sort_keys=False))
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "tiny project")
    return folder


def git(folder: Path, *arguments: str) -> None:
    run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *arguments],
        folder,
    )


def edit_params(folder: Path, change) -> None:
    path = folder / "params.yaml"
    params = yaml.safe_load(path.read_text())
    change(params)
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


def repro(folder: Path) -> set[str]:
    result = run([str(BIN / "dvc"), "repro"], folder)
    return stages_run(result.stdout + result.stderr)


def status_clean(folder: Path) -> bool:
    result = run([str(BIN / "dvc"), "status"], folder)
    return "Data and pipelines are up to date" in result.stdout


@pytest.fixture(scope="module")
def tiny_zip(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("zip")
    return make_zip(folder / "tiny-imagenet.zip", classes=4, train_per_class=12, val_per_class=4)


@pytest.fixture(scope="module")
def dvc_project(tmp_path_factory, tiny_zip) -> Path:
    folder = make_project(tmp_path_factory.mktemp("dvc") / "project", tiny_zip)
    repro(folder)
    return folder


def all_names(folder: Path) -> tuple[list[str], list[str]]:
    params = yaml.safe_load((folder / "params.yaml").read_text())
    return list(params["variants"]), list(params["references"])


def test_repro_builds_everything(dvc_project):
    variants, references = all_names(dvc_project)
    for name in variants:
        assert (dvc_project / "models" / name / "encoder.pt").is_file()
        assert (dvc_project / "results" / name / "train.json").is_file()
    for name in variants + references:
        assert (dvc_project / "results" / name / "eval.json").is_file()
        assert (dvc_project / "results" / name / "tsne.csv").is_file()
    assert (dvc_project / "report" / "report-en.pdf").is_file()
    assert (dvc_project / "report" / "report-id.pdf").is_file()


@pytest.mark.parametrize("lang, table", [("en", "TABLE II"), ("id", "TABEL II")])
def test_report_numbers_match_metrics(dvc_project, lang, table):
    from test_report import expected_rows, pdf_text, printed_rows

    variants, references = all_names(dvc_project)
    names = variants + references
    text = pdf_text(dvc_project / "report" / f"report-{lang}.pdf")
    assert printed_rows(text, table, names) == expected_rows(dvc_project / "results", lang, names)


def test_second_repro_runs_nothing(dvc_project):
    assert repro(dvc_project) == set()
    assert status_clean(dvc_project)


def test_variant_edit_reruns_its_chain(dvc_project):
    edit_params(dvc_project, lambda p: p["variants"]["head3"].update(temperature=0.2))
    expected = {"train@head3", "features@head3", "evaluate@head3", "tsne@head3", "figures", "report"}
    assert repro(dvc_project) == expected
    assert status_clean(dvc_project)


def test_title_edit_reruns_report_only(dvc_project):
    edit_params(dvc_project, lambda p: p["report"].update(title="Another title"))
    assert repro(dvc_project) == {"report"}


def test_perplexity_edit_reruns_tsne(dvc_project):
    variants, references = all_names(dvc_project)
    edit_params(dvc_project, lambda p: p["tsne"].update(perplexity=4.0))
    expected = {f"tsne@{n}" for n in variants} | {f"tsne-random@{n}" for n in references}
    assert repro(dvc_project) == expected | {"figures", "report"}


def test_remote_pull_needs_no_rerun(dvc_project, tmp_path):
    remote = tmp_path / "remote"
    run([str(BIN / "dvc"), "remote", "add", "-d", "shared", str(remote)], dvc_project)
    run([str(BIN / "dvc"), "push"], dvc_project)
    git(dvc_project, "add", "-A")
    git(dvc_project, "commit", "-qm", "results")

    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(dvc_project), str(clone)], tmp_path)
    run([str(BIN / "dvc"), "pull"], clone)
    assert status_clean(clone)
    assert repro(clone) == set()
    for language in ("en", "id"):
        name = f"report/report-{language}.pdf"
        assert (clone / name).read_bytes() == (dvc_project / name).read_bytes()


def test_snakemake_touch_agrees_with_dvc(dvc_project):
    """After DVC has built everything, one Snakemake --touch --forceall leaves both tools with
    nothing to do, and Snakemake still reruns what a later params edit changes."""
    command = [str(BIN / "snakemake"), "--profile", "workflow/profiles/local", "--cores", "1"]
    # New timestamps on the results, as a DVC checkout gives them, make Snakemake see the figures
    # and the report as outdated.
    for path in (dvc_project / "results").rglob("*"):
        os.utime(path)
    run([*command, "--touch", "--forceall"], dvc_project)
    assert (dvc_project / "figures" / ".snakemake_timestamp").is_file()
    dry_run = run([*command, "-n"], dvc_project).stdout
    assert "Nothing to be done" in dry_run
    assert "missing provenance" not in dry_run
    assert status_clean(dvc_project)
    assert repro(dvc_project) == set()
    assert "Nothing to be done" in run([*command, "-n"], dvc_project).stdout

    perplexity = yaml.safe_load((dvc_project / "params.yaml").read_text())["tsne"]["perplexity"]
    edit_params(dvc_project, lambda p: p["tsne"].update(perplexity=perplexity / 2))
    planned = run([*command, "-n"], dvc_project).stdout
    edit_params(dvc_project, lambda p: p["tsne"].update(perplexity=perplexity))
    assert re.search(r"^tsne\s+\d+", planned, re.MULTILINE)
    assert not re.search(r"^train\s+\d+", planned, re.MULTILINE)


@pytest.fixture(scope="module")
def snakemake_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("snakemake-cache")


def snakemake(folder: Path, cache: Path, *targets: str) -> subprocess.CompletedProcess:
    return run(
        # --cache takes several rule names, so the targets must come before it.
        [str(BIN / "snakemake"), *targets, "--profile", "workflow/profiles/local",
         "--cores", "2", "--cache", "train"],
        folder,
        env={"SNAKEMAKE_OUTPUT_CACHE": str(cache)},
    )


@pytest.fixture(scope="module")
def snakemake_project(tmp_path_factory, tiny_zip, snakemake_cache) -> Path:
    folder = make_project(tmp_path_factory.mktemp("snakemake") / "project", tiny_zip)
    snakemake(folder, snakemake_cache)
    return folder


def test_snakemake_builds_everything(snakemake_project):
    variants, references = all_names(snakemake_project)
    for name in variants + references:
        assert (snakemake_project / "results" / name / "eval.json").is_file()
    assert (snakemake_project / "report" / "report-en.pdf").is_file()
    assert (snakemake_project / "report" / "report-id.pdf").is_file()


def test_dvc_commit_after_snakemake(snakemake_project, tmp_path):
    run([str(BIN / "dvc"), "commit", "--force"], snakemake_project)
    assert status_clean(snakemake_project)
    assert repro(snakemake_project) == set()
    run([str(BIN / "dvc"), "remote", "add", "-d", "shared", str(tmp_path / "remote")], snakemake_project)
    pushed = run([str(BIN / "dvc"), "push"], snakemake_project)
    assert re.search(r"\d+ files? pushed", pushed.stdout + pushed.stderr)


def test_snakemake_cache_reused(snakemake_project, snakemake_cache, tmp_path, tiny_zip):
    """A second work folder takes the trained model from the cache instead of training."""
    second = make_project(tmp_path / "second", tiny_zip)
    result = snakemake(second, snakemake_cache, "results/baseline/train.json")
    log = result.stdout + result.stderr
    assert "tinyclr train:" not in log
    first_model = (snakemake_project / "models/baseline/encoder.pt").read_bytes()
    assert (second / "models/baseline/encoder.pt").read_bytes() == first_model
    assert not (second / "checkpoints").exists()
