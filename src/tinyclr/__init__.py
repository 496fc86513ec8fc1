"""tinyclr: SimCLR experiments on Tiny ImageNet as one reproducible pipeline."""

__version__ = "0.1.0"
