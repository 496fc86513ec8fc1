"""Wall time of the figures stage and of both report PDFs, each run as its own CLI process.

The inputs are synthetic results of full-length size laid out as docs/outputs.md describes
(written by tests/fake_results.py): four variants and two random-init references, 50 epochs of
390 optimizer steps per variant (Tiny ImageNet's 100,000 images at batch size 256) and 300 t-SNE
points per run. Each command is timed from process start, imports included, as the pipeline runs
it. Goal: figures plus both PDFs in at most 20 s on 2 cores.

Prints a table and writes bench/results/bench_report.json.
Run from the repository root: ``.venv/bin/python bench/bench_report.py``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "bench_report.json"
GOAL_S = 20.0

sys.path.insert(0, str(ROOT / "tests"))
import fake_results  # noqa: E402


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        scratch = Path(scratch)
        params = fake_results.write_params(scratch / "params.yaml")
        data = fake_results.write_data(scratch / "data")
        results = fake_results.write_results(
            scratch / "results", epochs=50, steps_per_epoch=390, points_per_class=50,
            use_dvclive=False,
        )
        # The fake params use a low dpi for fast tests; the benchmark uses the pipeline's 300.
        params.write_text(params.read_text().replace("dpi: 100", "dpi: 300"))
        python = [sys.executable, "-m", "tinyclr"]
        figures_s = timed(
            [*python, "figures", "--params", str(params), "--results", str(results),
             "--data", str(data), "--out", str(scratch / "figures")]
        )
        report_s = timed(
            [*python, "report", "--params", str(params), "--results", str(results),
             "--data", str(data), "--figures", str(scratch / "figures"),
             "--out", str(scratch / "report")]
        )

    rows = [
        ("figures (5 figures in en and id, PDF + PNG at 300 dpi)", figures_s),
        ("report (report-en.pdf + report-id.pdf)", report_s),
        ("total", figures_s + report_s),
    ]
    print(f"{'step':<45} {'seconds':>8}")
    for name, seconds in rows:
        print(f"{name:<45} {seconds:>8.2f}")
    total = figures_s + report_s
    print(f"goal <= {GOAL_S:.0f} s: {'met' if total <= GOAL_S else 'missed'}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "figures_s": figures_s,
        "report_s": report_s,
        "total_s": total,
        "goal_s": GOAL_S,
    }
    RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
