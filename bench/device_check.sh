#!/usr/bin/env bash
# GPU checks, for a machine with CUDA where python3 already has torch, torchvision, numpy,
# PyYAML, Pillow, tqdm and pytest (no DVC needed, nothing is installed):
#   1. tests/test_cuda.py: augmentation on the GPU against the CPU, bf16 autocast,
#      channels_last, the dataset in device memory, a CUDA checkpoint, torch.compile;
#   2. bench/bench_train.py on the GPU alone: images/s and model FLOP utilisation of the batched
#      pipeline, the per-image DataLoader (2 workers) and the model step, ResNet18 and ResNet50.
# Run from the repository root:  bash bench/device_check.sh [OUT_DIR]
# Logs and JSON go to OUT_DIR (default: $OUT, else bench/results/device). About 5 minutes on one
# H100-class GPU (estimate: the script has not run on a GPU yet). Exits non-zero if a step failed.
set -uo pipefail

out="${1:-${OUT:-bench/results/device}}"
mkdir -p "$out"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
python="${PYTHON:-python3}"
status=0

{
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
    nproc
    # The per-image DataLoader passes batches through shared memory.
    df -h /dev/shm
    "$python" -c 'import torch, torchvision; print("torch", torch.__version__, "cuda",
torch.version.cuda, "torchvision", torchvision.__version__)'
} >"$out/machine.txt" 2>&1
cat "$out/machine.txt"

"$python" -m pytest -q -p no:cacheprovider -rs tests/test_cuda.py 2>&1 |
    tee "$out/test_cuda.log" || status=1

"$python" bench/bench_train.py --devices cuda --steps 20 \
    --out "$out/bench_train_resnet18.json" 2>&1 | tee "$out/bench_train_resnet18.log" || status=1

"$python" bench/bench_train.py --devices cuda --arch resnet50 --steps 10 \
    --out "$out/bench_train_resnet50.json" 2>&1 | tee "$out/bench_train_resnet50.log" || status=1

exit "$status"
