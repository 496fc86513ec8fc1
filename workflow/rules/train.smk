# SimCLR training, one job per variant, on one GPU where the cluster has them.


rule train:
    message:
        "Training SimCLR variant {wildcards.variant}"
    input:
        data="data/prepared",
        code=source(
            "train.py", "model.py", "loss.py", "augment.py", "schedule.py", "checkpoint.py",
            "config.py",
        ),
    params:
        train=config["train"],
        variant=lambda wildcards: config["variants"][wildcards.variant],
    output:
        model="models/{variant}/encoder.pt",
        live=directory("results/{variant}/live"),
        metrics="results/{variant}/train.json",
    resources:
        gpu=1,
    threads: 4
    # Content-hashed between-workflow cache: a second work folder with the same data, code and
    # params reuses the trained model instead of training again (needs --cache and
    # SNAKEMAKE_OUTPUT_CACHE).
    cache: "omit-software"
    shell:
        "python -m tinyclr train --variant {wildcards.variant} --data {input.data}"
        " --model-dir models/{wildcards.variant} --results-dir results/{wildcards.variant}"
        " --checkpoint-dir checkpoints/{wildcards.variant}"
