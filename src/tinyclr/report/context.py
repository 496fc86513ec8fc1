"""Everything a language's text builder needs, gathered once per report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinyclr.figures import FIGURE_NAMES
from tinyclr.report.analysis import Findings
from tinyclr.results import Results, RunResult

REFERENCES = [
    "T. Chen, S. Kornblith, M. Norouzi, and G. Hinton, \u201cA simple framework for contrastive "
    "learning of visual representations,\u201d in Proc. 37th Int. Conf. Machine Learning (ICML), "
    "2020, pp. 1597\u20131607.",
    "K. He, H. Fan, Y. Wu, S. Xie, and R. Girshick, \u201cMomentum contrast for unsupervised "
    "visual representation learning,\u201d in Proc. IEEE/CVF Conf. Computer Vision and Pattern "
    "Recognition (CVPR), 2020, pp. 9729\u20139738.",
    "J.-B. Grill et al., \u201cBootstrap your own latent: A new approach to self-supervised "
    "learning,\u201d in Advances in Neural Information Processing Systems (NeurIPS), vol. 33, "
    "2020, pp. 21271\u201321284.",
    "A. van den Oord, Y. Li, and O. Vinyals, \u201cRepresentation learning with contrastive "
    "predictive coding,\u201d arXiv:1807.03748, 2018.",
    "Y. Le and X. Yang, \u201cTiny ImageNet visual recognition challenge,\u201d CS231N course "
    "report, Stanford University, 2015.",
    "K. He, X. Zhang, S. Ren, and J. Sun, \u201cDeep residual learning for image recognition,\u201d "
    "in Proc. IEEE Conf. Computer Vision and Pattern Recognition (CVPR), 2016, pp. 770\u2013778.",
    "K. Simonyan and A. Zisserman, \u201cVery deep convolutional networks for large-scale image "
    "recognition,\u201d in Proc. Int. Conf. Learning Representations (ICLR), 2015.",
    "L. van der Maaten and G. Hinton, \u201cVisualizing data using t-SNE,\u201d J. Machine "
    "Learning Research, vol. 9, pp. 2579\u20132605, 2008.",
]
# IEEE numbers references in order of first citation. Both languages first cite them in the
# introduction, in this order; a test checks it on the compiled PDFs.
CITE = {
    "simclr": "[1]",
    "moco": "[2]",
    "byol": "[3]",
    "cpc": "[4]",
    "tiny": "[5]",
    "resnet": "[6]",
    "vgg": "[7]",
    "tsne": "[8]",
}

# The figures stage writes its files in the order the report shows them, which fixes their numbers.
FIGURE_ORDER = FIGURE_NAMES

INFONCE = (
    'ell_(i,j) = -log frac(exp("sim"(bold(z)_i, bold(z)_j) \\/ tau), '
    'sum_(k=1)^(2N) bb(1)_([k != i]) exp("sim"(bold(z)_i, bold(z)_k) \\/ tau))'
)


@dataclass(frozen=True)
class Context:
    results: Results
    findings: Findings
    figures: dict[str, str]

    @property
    def baseline(self) -> RunResult:
        return self.results.baseline

    def setting(self, key: str, run: RunResult | None = None) -> Any:
        """Return a key of a variant's resolved train config (the baseline's by default)."""
        run = run or self.baseline
        return run.train.setting(key, run.folder / "train.json")

    def augment(self) -> dict[str, Any]:
        """Return the baseline's augmentation settings, empty when train.json records none."""
        augment = self.baseline.train.config.get("augment")
        return augment if isinstance(augment, dict) else {}

    @property
    def devices(self) -> list[str]:
        return sorted({run.train.device for run in self.results.variants})

    @property
    def tsne_classes(self) -> int:
        return int(self.baseline.tsne.points["label"].nunique())

    @property
    def variant_names(self) -> list[str]:
        return [run.name for run in self.results.variants[1:]]


def figure_number(name: str) -> int:
    return FIGURE_ORDER.index(name) + 1
