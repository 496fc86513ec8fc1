# Frozen features, linear probe and kNN, and t-SNE, for every variant and random reference.


rule features:
    message:
        "Extracting features of trained variant {wildcards.variant}"
    input:
        model="models/{variant}/encoder.pt",
        data="data/prepared",
        code=source("features.py", "model.py", "config.py"),
    params:
        features=config["features"],
    output:
        directory("features/{variant}"),
    resources:
        gpu=1,
    shell:
        "python -m tinyclr features --model {input.model} --data {input.data} --out {output}"


rule features_random:
    message:
        "Extracting features of untrained reference {wildcards.reference}"
    input:
        data="data/prepared",
        code=source("features.py", "model.py", "config.py"),
    params:
        features=config["features"],
        seed=config["train"]["seed"],
        stem=config["train"]["stem"],
        reference=lambda wildcards: config["references"][wildcards.reference],
    output:
        directory("features/{reference}"),
    resources:
        gpu=1,
    shell:
        "python -m tinyclr features --reference {wildcards.reference} --data {input.data}"
        " --out {output}"


rule evaluate:
    message:
        "Linear probe and kNN on the features of {wildcards.name}"
    input:
        features="features/{name}",
        code=source("evaluate.py", "probe.py", "features.py", "config.py"),
    params:
        evaluate=config["evaluate"],
    output:
        "results/{name}/eval.json",
    shell:
        "python -m tinyclr evaluate --features {input.features} --out {output}"


rule tsne:
    message:
        "t-SNE of the val features of {wildcards.name}"
    input:
        features="features/{name}",
        data="data/prepared",
        code=source("tsne.py", "features.py", "config.py"),
    params:
        tsne=config["tsne"],
    output:
        csv="results/{name}/tsne.csv",
        metrics="results/{name}/tsne.json",
    shell:
        "python -m tinyclr tsne --features {input.features} --data {input.data}"
        " --out-csv {output.csv} --out-metrics {output.metrics}"
