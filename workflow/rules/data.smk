# Download and prepare Tiny ImageNet.


rule download:
    message:
        "Downloading and verifying Tiny ImageNet from {params.data[url]}"
    input:
        source("data/download.py", "config.py"),
    params:
        data=config["data"],
    output:
        "data/raw/tiny-imagenet-200.zip",
    shell:
        "python -m tinyclr download --out {output}"


rule prepare:
    message:
        "Decoding the zip into uint8 arrays"
    input:
        zip="data/raw/tiny-imagenet-200.zip",
        code=source("data/prepare.py", "data/layout.py", "config.py"),
    params:
        prepare=config["prepare"],
    output:
        directory("data/prepared"),
    shell:
        "python -m tinyclr prepare --zip {input.zip} --out {output}"
