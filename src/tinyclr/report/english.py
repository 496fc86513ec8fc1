"""English text of the report, written from the findings; every number comes from the results."""

from __future__ import annotations

from tinyclr.report.analysis import Best, Change, Convergence
from tinyclr.report.context import CITE, Context, change_value, count, figure_number, number
from tinyclr.report.document import Labels
from tinyclr.report.tables import arch_name

LABELS = Labels(
    lang="en",
    abstract="Abstract",
    index_terms="Index Terms",
    table="TABLE",
    figure="Fig.",
    references="References",
)
HEADINGS = {
    "introduction": "Introduction",
    "method": "Method",
    "augmentation": "Augmentation Module",
    "encoder": "Backbone Encoder",
    "head": "Projection Head",
    "loss": "InfoNCE Loss",
    "modifications": "Modifications",
    "setup": "Experimental Setup",
    "results": "Results and Analysis",
    "conclusion": "Conclusion",
}
COLUMNS = {
    "variant": "Variant",
    "backbone": "Backbone",
    "head_layers": "Head layers",
    "batch_size": "Batch size",
    "temperature": "\u03c4",
    "epochs": "Epochs",
    "steps": "Steps",
    "loss": "Loss",
    "contrastive_top1": "Contr. top-1",
    "contrastive_top5": "Contr. top-5",
    "linear_top1": "Linear top-1",
    "linear_top5": "Linear top-5",
    "silhouette": "Silhouette",
    "time": "Time (min)",
    "images_per_s": "Images/s",
}
STEM_NOTES = {
    "imagenet": ", whose 7\u00d77 convolution with stride 2 and max pooling reduce a 64\u00d764 "
    "input to 16\u00d716 before the first residual stage.",
    "small": ", a 3\u00d73 convolution with stride 1 and no max pooling, which keeps the "
    "resolution of 64\u00d764 inputs.",
}
INDEX_TERMS = (
    "Self-supervised learning, contrastive learning, SimCLR, InfoNCE, ResNet, Tiny ImageNet, t-SNE"
)
METRIC_NAMES = {
    "linear_top1": "linear-probe top-1 accuracy",
    "linear_top5": "linear-probe top-5 accuracy",
    "silhouette": "feature-space silhouette score",
    "contrastive_top1": "final contrastive top-1 accuracy",
    "images_per_s": "training throughput",
}


def metric_name(key: str) -> str:
    if key.startswith("knn_top1_"):
        return f"kNN top-1 accuracy with k = {key.removeprefix('knn_top1_')}"
    return METRIC_NAMES[key]


def unit(key: str) -> str:
    return {"silhouette": "", "images_per_s": " images/s"}.get(key, "%")


def best_sentence(best: Best, baseline: str) -> str:
    name = metric_name(best.metric)
    if best.is_baseline:
        return f"No modification improves the {name} of the baseline ({best.baseline}{unit(best.metric)})."
    points = " percentage points" if unit(best.metric) == "%" else ""
    return (
        f"The highest {name}, {best.value}{unit(best.metric)}, comes from {best.name}, "
        f"{best.difference}{points} from {baseline_phrase(baseline)} "
        f"({best.baseline}{unit(best.metric)})."
    )


def baseline_phrase(name: str) -> str:
    return "the baseline" if name == "baseline" else f"the baseline {name}"


def describe_changes(changes: list[Change]) -> str:
    parts = []
    for change in changes:
        after = change_value(change, "after")
        if change.key == "arch":
            parts.append(f"a {after} backbone")
        elif change.key == "head_layers":
            parts.append(f"a {after}-layer projection head")
        elif change.key == "batch_size":
            parts.append(f"batch size {after}")
        elif change.key == "temperature":
            parts.append(f"temperature {after}")
        else:
            parts.append(f"{change.key} {after}")
    return _join(parts) if parts else "the baseline settings"


def short_run_sentence(ctx: Context) -> str:
    findings = ctx.findings
    sentences = []
    if findings.short_run:
        sentences.append(
            f"The run is short: {findings.epochs} epochs, against the 100 to 800 epochs of "
            f"Chen et al. {CITE['simclr']}."
        )
    if findings.subset:
        manifest = ctx.results.dataset.manifest
        sentences.append(
            f"It also uses a subset of Tiny ImageNet ({count(manifest['train_images'])} training "
            f"images instead of 100,000)."
        )
    if sentences:
        sentences.append(
            "The differences below therefore describe the start of training, not the accuracy "
            "each modification reaches at convergence."
        )
    return " ".join(sentences)


def abstract(ctx: Context) -> str:
    findings = ctx.findings
    variants = ctx.results.variants
    baseline = ctx.baseline
    listed = _join(
        f"{run.name} ({describe_changes(findings.changes[run.name])})" for run in variants[1:]
    )
    text = [
        f"We train SimCLR on Tiny ImageNet with a {arch_name(ctx.setting('arch'))} baseline"
        + (f" and compare it with {len(variants) - 1} modifications: {listed}." if listed else "."),
        f"Every model is trained for {findings.epochs} epochs and evaluated with a linear probe "
        "and a kNN classifier on frozen features.",
        best_sentence(findings.best["linear_top1"], baseline.name),
    ]
    ks = ctx.results.knn_ks
    if ks:
        text.append(best_sentence(findings.best[f"knn_top1_{ks[0]}"], baseline.name))
    text += [_reference_sentence(ctx)]
    if findings.short_run or findings.subset:
        text.append(
            f"Because the run is short ({findings.epochs} epochs"
            + (f" on {count(ctx.results.dataset.manifest['train_images'])} training images" if findings.subset else "")
            + "), these results show early-training trends only."
        )
    return " ".join(t for t in text if t)


def introduction(ctx: Context) -> list[str]:
    return [
        "Self-supervised contrastive learning trains an image encoder without labels by pulling "
        "together two augmented views of the same image and pushing apart views of different "
        f"images. SimCLR {CITE['simclr']} showed that this simple recipe, with strong "
        "augmentation, a non-linear projection head and large batches, learns representations "
        "that rival supervised pre-training under a linear probe. MoCo "
        f"{CITE['moco']} keeps negatives in a momentum-updated queue instead of the batch, and "
        f"BYOL {CITE['byol']} removes negatives altogether. The InfoNCE loss that SimCLR "
        f"optimises goes back to contrastive predictive coding {CITE['cpc']}.",
        "This report rebuilds SimCLR as one reproducible pipeline and studies three changes to "
        f"it on Tiny ImageNet {CITE['tiny']}: a deeper backbone (ResNet50 {CITE['resnet']} "
        f"instead of ResNet18; both descend from the deep plain networks of VGG {CITE['vgg']}), "
        "a deeper projection head, and a larger batch with a higher temperature. Every number, "
        "table and figure below is produced by the pipeline from the run's own outputs, and the "
        f"feature spaces are compared with t-SNE {CITE['tsne']}.",
    ]


def method_overview(ctx: Context) -> str:
    return (
        "SimCLR draws two random augmentations of each image in a batch of N images, encodes "
        "all 2N views with a backbone f, maps the features h = f(x) through a projection head "
        "g to z = g(h), and trains f and g so that the two views of one image identify each "
        "other among the 2N \u2212 1 other views. After training, the head is discarded and h is "
        "the representation."
    )


def augmentation(ctx: Context) -> str:
    augment = ctx.augment()
    clauses = []
    if "crop_scale" in augment:
        low, high = augment["crop_scale"]
        clauses.append(f"a random resized crop covering {number(low)} to {number(high)} of the image area")
    if "flip_p" in augment:
        clauses.append(f"a horizontal flip with probability {number(augment['flip_p'])}")
    if "jitter_strength" in augment:
        b, c, s, h = augment["jitter_strength"]
        chance = f" applied with probability {number(augment['jitter_p'])}" if "jitter_p" in augment else ""
        clauses.append(
            f"colour jitter of brightness {number(b)}, contrast {number(c)}, saturation "
            f"{number(s)} and hue {number(h)}{chance}"
        )
    if "grayscale_p" in augment:
        clauses.append(f"conversion to grayscale with probability {number(augment['grayscale_p'])}")
    if "blur_p" in augment:
        sigma = augment.get("blur_sigma")
        spread = f" with \u03c3 drawn from [{number(sigma[0])}, {number(sigma[1])}]" if sigma else ""
        clauses.append(f"Gaussian blur with probability {number(augment['blur_p'])}{spread}")
    if not clauses:
        return (
            "Each view is a random crop of the image with colour distortion, as in SimCLR "
            f"{CITE['simclr']}; the run's train.json records no further augmentation settings."
        )
    return (
        f"The augmentation module draws each view with {_join(clauses)}. These follow the SimCLR recipe {CITE['simclr']}, whose "
        "ablation found cropping combined with colour distortion to matter most."
    )


def encoder(ctx: Context) -> str:
    stem = ctx.baseline.train.config.get("stem")
    stem_text = ""
    if stem is not None:
        stem_text = (
            f" The network keeps the {stem} stem"
            + (STEM_NOTES.get(stem, "."))
        )
    return (
        f"The backbone f is a ResNet {CITE['resnet']} without its classification layer; the "
        "global-average-pooled output of the last stage is the representation h, with 512 "
        f"dimensions for ResNet18 and 2048 for ResNet50.{stem_text}"
    )


def head(ctx: Context) -> str:
    layers = ctx.setting("head_layers")
    return (
        f"The projection head g is a multilayer perceptron of {layers} linear layers with ReLU "
        f"between them, mapping h to a {ctx.setting('proj_dim')}-dimensional z. SimCLR "
        f"{CITE['simclr']} found that computing the loss on z rather than h improves the linear "
        "probe on h, because the head can discard information that the loss makes the "
        "representation invariant to."
    )


def loss_before(ctx: Context) -> str:
    return (
        "For a positive pair (i, j) of views of the same image, the InfoNCE (NT-Xent) loss "
        f"{CITE['cpc']}, {CITE['simclr']} is"
    )


def loss_after(ctx: Context) -> str:
    return (
        "where sim is the cosine similarity, \u03c4 is the temperature and the sum runs over the "
        "2N \u2212 1 views other than i, so the other 2N \u2212 2 views act as negatives. The loss "
        "is averaged over all 2N positive pairs (i, j) and (j, i). Contrastive top-1 and top-5 "
        "are the fractions of views whose positive ranks first or among the first five."
    )


def modifications_intro(ctx: Context) -> str:
    if not ctx.variant_names:
        return "This run trains the baseline only, so no modification is compared."
    return (
        f"Each modification changes the {ctx.baseline.name} configuration in one respect and "
        "keeps every other setting, including the seed, so that a difference in the results "
        "can be traced to that change."
    )


def modification(ctx: Context, name: str, changes: list[Change]) -> str:
    reasons = []
    keys = {change.key for change in changes}
    for change in changes:
        before, after = change_value(change, "before"), change_value(change, "after")
        if change.key == "arch":
            reasons.append(
                f"{name} replaces {before} with {after}. A deeper and wider backbone has more "
                "capacity, and SimCLR gains more from larger models than supervised training does "
                f"{CITE['simclr']}."
            )
        elif change.key == "head_layers":
            reasons.append(
                f"{name} uses {after} instead of {before} head layers. A deeper non-linear head "
                "can absorb more of the invariance that the loss imposes, leaving more "
                "information in h for the linear probe."
            )
        elif change.key == "batch_size":
            reasons.append(
                f"{name} raises the batch size from {before} to {after}, which gives each view "
                f"{2 * int(after) - 2} negatives instead of {2 * int(before) - 2}; SimCLR "
                f"{CITE['simclr']} reports that larger batches help most when training is short."
            )
        elif change.key == "temperature" and "batch_size" in keys:
            reasons.append(
                f"With more negatives the temperature rises from {before} to {after}, the value "
                f"SimCLR found best among those it tested, while {before} is the value of MoCo "
                f"{CITE['moco']}; a higher \u03c4 softens the weighting of hard negatives."
            )
        elif change.key == "temperature":
            reasons.append(f"{name} sets the temperature to {after} instead of {before}.")
        else:
            reasons.append(f"{name} sets {change.key} to {after} instead of {before}.")
    return " ".join(reasons) if reasons else f"{name} uses the baseline settings."


def dataset(ctx: Context) -> str:
    manifest = ctx.results.dataset.manifest
    size = manifest["image_size"]
    text = (
        f"Tiny ImageNet {CITE['tiny']} has 200 classes of {size}\u00d7{size} colour images, with "
        "500 training and 50 validation images per class in the official release. This run "
        f"uses {manifest['num_classes']} classes, {count(manifest['train_images'])} training "
        f"images and {count(manifest['val_images'])} validation images"
    )
    if ctx.findings.subset:
        text += ", a subset of the official split."
    else:
        text += "."
    return text + " Training uses the images only; the labels serve the evaluation."


def training(ctx: Context) -> str:
    devices = _join(ctx.devices)
    warmup = ctx.baseline.train.config.get("warmup_epochs")
    warmup_text = f" after a linear warm-up of {number(warmup)} epochs" if warmup else ""
    return (
        f"Every variant trains for {ctx.findings.epochs} epochs with the "
        f"{ctx.setting('optimizer')} optimizer, learning rate {number(ctx.setting('lr'))}, weight "
        f"decay {number(ctx.setting('weight_decay'))} and a {ctx.setting('schedule')} schedule"
        f"{warmup_text}, updated every step, with seed {ctx.setting('seed')}, on {devices}. "
        "Table I lists the settings that differ between variants."
    )


def evaluation(ctx: Context) -> str:
    ks = ", ".join(str(k) for k in ctx.results.knn_ks)
    return (
        "The trained backbones are frozen and their features h of the training images fit a "
        "linear classifier (the linear probe) and a kNN classifier "
        f"(k \u2208 {{{ks}}}); both are scored on the validation images. Randomly initialised "
        "backbones of the same architectures, evaluated the same way, show how much of the "
        f"accuracy comes from training. t-SNE {CITE['tsne']} embeds the validation features of "
        f"{ctx.tsne_classes} classes (perplexity {number(ctx.baseline.tsne.perplexity)}), and "
        "the silhouette score of those features, with the class as cluster, measures how well "
        "they separate."
    )


def results_intro(ctx: Context) -> str:
    return (
        "Table II lists the final epoch-mean loss and contrastive accuracy, the accuracies of "
        "the frozen features, the silhouette score, the training time and the throughput. "
        "Accuracies are percentages with one decimal, loss and silhouette have three decimals; "
        f"chance is {ctx.findings.chance}%."
    )


def analysis(ctx: Context) -> list[str]:
    findings = ctx.findings
    baseline = ctx.baseline.name
    accuracy = [best_sentence(findings.best["linear_top1"], baseline)]
    accuracy.append(best_sentence(findings.best["linear_top5"], baseline))
    for k in ctx.results.knn_ks:
        accuracy.append(best_sentence(findings.best[f"knn_top1_{k}"], baseline))
    accuracy.append(_reference_sentence(ctx, every=True))

    separation = [
        best_sentence(findings.best["silhouette"], baseline),
        f"Fig. {figure_number('tsne_grid')} shows the t-SNE embeddings, with one colour per class in every panel.",
    ]

    training = [_convergence_sentence(c) for c in findings.convergence]
    training.append(best_sentence(findings.best["contrastive_top1"], baseline))
    training.append(
        "Contrastive accuracy and loss depend on the batch size, since a larger batch adds "
        "candidates for the positive to compete with."
    )
    training.append(best_sentence(findings.best["images_per_s"], baseline))
    paragraphs = [" ".join(accuracy), " ".join(separation), " ".join(training)]
    caution = short_run_sentence(ctx)
    if caution:
        paragraphs.append(caution)
    return paragraphs


def figure_captions(ctx: Context) -> dict[str, str]:
    return {
        "loss_per_step": "Training loss per optimizer step; the x axis is in epochs so that "
        "variants with different batch sizes line up.",
        "top1_per_epoch": "Contrastive top-1 accuracy, epoch mean.",
        "lr_schedule": "Learning rate per optimizer step.",
        "tsne_grid": f"t-SNE of the validation features of {ctx.tsne_classes} classes, one panel "
        "per variant and random-init reference; each class has the same colour in every panel.",
        "accuracy": "Linear-probe and kNN top-1 accuracy on the validation images, with the "
        "random-init references and chance level.",
    }


def table_captions() -> dict[str, str]:
    return {"config": "Configuration of each variant", "results": "Results of each variant"}


def conclusion(ctx: Context) -> list[str]:
    findings = ctx.findings
    baseline = ctx.baseline.name
    text = [best_sentence(findings.best["linear_top1"], baseline)]
    faster = [c.name for c in findings.convergence if c.faster]
    if faster:
        text.append(f"{_join(faster)} converged faster than the baseline at equal epochs.")
    elif findings.convergence:
        text.append("No variant with a comparable loss converged faster than the baseline.")
    text.append(_reference_sentence(ctx))
    if findings.short_run or findings.subset:
        text.append(
            "A longer run on the full training set is needed before these differences can be "
            "attributed to the modifications rather than to the early phase of training."
        )
    return [" ".join(t for t in text if t)]


def _reference_sentence(ctx: Context, every: bool = False) -> str:
    gaps = ctx.findings.reference_gaps if every else ctx.findings.reference_gaps[:1]
    sentences = []
    for gap in gaps:
        if gap.difference.startswith("+"):
            sentences.append(
                f"{gap.name} exceeds its random-init reference {gap.reference} by "
                f"{gap.difference} points of linear top-1 ({gap.value}% against "
                f"{gap.reference_value}%)."
            )
        else:
            sentences.append(
                f"{gap.name} does not exceed its random-init reference {gap.reference} in "
                f"linear top-1 ({gap.value}% against {gap.reference_value}%)."
            )
    return " ".join(sentences)


def _convergence_sentence(c: Convergence) -> str:
    if not c.comparable:
        return (
            f"The loss of {c.name} is not comparable with the baseline's, because a different "
            "batch size or temperature changes the scale of the InfoNCE loss."
        )
    if c.faster:
        return (
            f"{c.name} converges faster than the baseline: its epoch-mean loss is lower at each "
            f"of the {c.epochs} epochs."
        )
    if c.lower_at_end and c.epochs < 2:
        return f"{c.name} ends its single epoch with a lower loss than the baseline, too few epochs to judge convergence."
    if c.lower_at_end:
        return (
            f"{c.name} ends with a lower loss than the baseline but is not lower at every epoch, "
            "so the curves do not show faster convergence."
        )
    return f"{c.name} does not reach a lower loss than the baseline by the last epoch."


def _join(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"
