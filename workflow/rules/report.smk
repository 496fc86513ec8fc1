# Figures and the report, from every variant's and reference's results.

import glob


def all_results():
    return (
        expand("results/{name}/train.json", name=VARIANTS)
        + expand("results/{name}/live", name=VARIANTS)
        + expand("results/{name}/eval.json", name=NAMES)
        + expand("results/{name}/tsne.csv", name=NAMES)
        + expand("results/{name}/tsne.json", name=NAMES)
    )


rule figures:
    message:
        "Drawing the figures"
    input:
        results=all_results(),
        data="data/prepared",
        code=source("figures.py", "results.py", "config.py"),
    params:
        figures=config["figures"],
        variants=config["variants"],
        references=config.get("references") or {},
    output:
        directory("figures"),
    shell:
        "python -m tinyclr figures --results results --data {input.data} --out {output}"


rule report:
    message:
        "Writing the report PDFs"
    input:
        results=all_results(),
        figures="figures",
        data="data/prepared",
        code=source("figures.py", "results.py", "config.py"),
        report_code=glob.glob("src/tinyclr/report/*.py") + glob.glob("src/tinyclr/report/*.typ"),
    params:
        report=config["report"],
        variants=config["variants"],
        references=config.get("references") or {},
    output:
        directory("report"),
    shell:
        "python -m tinyclr report --results results --data {input.data} --figures {input.figures}"
        " --out {output}"
