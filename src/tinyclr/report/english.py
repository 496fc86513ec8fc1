"""English wording of the report: whole-sentence templates that tinyclr.report.prose fills.

Fields in braces are filled with the run's numbers; ``{simclr}`` and the other citation keys
become reference numbers such as [1].
"""

from __future__ import annotations

from tinyclr.report.document import Labels

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
TABLE_CAPTIONS = {"config": "Configuration of each variant", "results": "Results of each variant"}
FIGURE_CAPTIONS = {
    "loss_per_step": "Training loss per optimizer step; the x axis is in epochs so that "
    "variants with different batch sizes line up.",
    "top1_per_epoch": "Contrastive top-1 accuracy, epoch mean.",
    "lr_schedule": "Learning rate per optimizer step.",
    "tsne_grid": "t-SNE of the validation features of {classes} classes, one panel per variant "
    "and random-init reference; each class has the same colour in every panel.",
    "accuracy": "Linear-probe and kNN top-1 accuracy on the validation images, with the "
    "random-init references and chance level.",
}
INDEX_TERMS = (
    "Self-supervised learning, contrastive learning, SimCLR, InfoNCE, ResNet, Tiny ImageNet, t-SNE"
)
METRIC_NAMES = {
    "linear_top1": "linear-probe top-1 accuracy",
    "linear_top5": "linear-probe top-5 accuracy",
    "knn": "kNN top-1 accuracy with k = {k}",
    "silhouette": "feature-space silhouette score",
    "contrastive_top1": "final contrastive top-1 accuracy",
    "images_per_s": "training throughput",
}
UNITS = {"silhouette": "", "images_per_s": " images/s"}
POINTS = " percentage points"
AND = "and"
# Joins the last item of a list after a negation ("no modification improves a, b, or c").
OR = "or"
# Counts of modifications in words, as in "three modifications"; larger counts use numerals.
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
MODIFICATION = ("modification", "modifications")
# Joins the items of a list whose items may contain commas.
ITEM_SEPARATOR = "; "
# English sets no term in italics.
ITALIC_TERMS: tuple[str, ...] = ()
LIST_SEPARATOR = ", "
CHANGES = {
    "arch": "a {value} backbone",
    "head_layers": "a {value}-layer projection head",
    "batch_size": "batch size {value}",
    "temperature": "temperature {value}",
    "other": "{key} {value}",
}
# torch device types as train.json records them, in words.
DEVICES = {"cpu": "the CPU", "cuda": "a CUDA GPU", "mps": "an Apple GPU (MPS)"}
STEM_NOTES = {
    "imagenet": ", whose 7\u00d77 convolution with stride 2 and max pooling reduce a 64\u00d764 "
    "input to 16\u00d716 before the first residual stage.",
    "small": ", a 3\u00d73 convolution with stride 1 and no max pooling, which keeps the "
    "resolution of 64\u00d764 inputs.",
}

SENTENCES = {
    # Comparisons with the baseline and the random-init references.
    "the_baseline": "the baseline",
    "the_baseline_named": "the baseline {name}",
    "best": "The highest {metric}, {value}{unit}, comes from {name}, {difference}{points} from "
    "{baseline} ({baseline_value}{unit}).",
    "best_is_baseline": "No modification improves on {baseline} in {metrics}.",
    "metric_value": "{metric} ({value}{unit})",
    "no_change": "the baseline settings",
    "above_reference": "The {name} variant exceeds its random-init reference {reference} by {difference} "
    "points of linear top-1 ({value}% against {reference_value}%).",
    "below_reference": "The {name} variant does not exceed its random-init reference {reference} in linear "
    "top-1 ({value}% against {reference_value}%).",
    "above_reference_many": "The {names} variants exceed their random-init references in linear "
    "top-1: {items}.",
    "above_item": "{name} by {difference} points ({value}% against {reference_value}% for "
    "{reference})",
    "below_reference_many": "The {names} variants do not exceed their random-init references in "
    "linear top-1: {items}.",
    "below_item": "{name} {value}% against {reference_value}% for {reference}",
    "loss_incomparable": "The loss of {name} is not comparable with the baseline's, because a "
    "different batch size or temperature changes the scale of the InfoNCE loss.",
    "converges_faster": "The {name} variant converges faster than the baseline: its epoch-mean loss is lower "
    "at each of the {epochs} epochs.",
    "lower_after_one_epoch": "The {name} variant ends its single epoch with a lower loss than the baseline, "
    "too few epochs to judge convergence.",
    "lower_at_end_only": "The {name} variant ends with a lower loss than the baseline but is not lower at "
    "every epoch, so the curves do not show faster convergence.",
    "not_lower": "The {name} variant does not reach a lower loss than the baseline by the last epoch.",
    "loss_incomparable_many": "The losses of {names} are not comparable with the baseline's, "
    "because a different batch size or temperature changes the scale of the InfoNCE loss.",
    "converges_faster_many": "The {names} variants converge faster than the baseline: their "
    "epoch-mean loss is lower at each of the {epochs} epochs.",
    "lower_after_one_epoch_many": "The {names} variants end their single epoch with a lower loss "
    "than the baseline, too few epochs to judge convergence.",
    "lower_at_end_only_many": "The {names} variants end with a lower loss than the baseline but "
    "are not lower at every epoch, so the curves do not show faster convergence.",
    "not_lower_many": "The {names} variants do not reach a lower loss than the baseline by the "
    "last epoch.",
    "short_run": "The run is short: {epochs} epochs, against the 100 to 800 epochs of Chen et al. "
    "{simclr}.",
    "subset": "It also uses a subset of Tiny ImageNet ({images} training images instead of "
    "{official}).",
    "early_training": "The differences therefore describe the start of training, not the "
    "accuracy each modification reaches at convergence.",
    # Abstract.
    "abstract_compare": "We train SimCLR on Tiny ImageNet with a {arch} baseline and compare it "
    "with {modifications}: {listed}.",
    "abstract_baseline_only": "We train SimCLR on Tiny ImageNet with a {arch} baseline.",
    "abstract_evaluation": "Every model is trained for {epochs} epochs and evaluated with a "
    "linear probe and a kNN classifier on frozen features.",
    "on_images": " on {images} training images",
    "abstract_short": "Because the run is short ({epochs} epochs{images}), these results show "
    "early-training trends only.",
    # Introduction and method.
    "introduction_1": "Self-supervised contrastive learning trains an image encoder without "
    "labels by pulling together two augmented views of the same image and pushing apart views "
    "of different images. SimCLR {simclr} showed that this simple recipe, with strong "
    "augmentation, a non-linear projection head and large batches, learns representations that "
    "rival supervised pre-training under a linear probe. MoCo {moco} keeps negatives in a "
    "momentum-updated queue instead of the batch, and BYOL {byol} removes negatives altogether. "
    "The InfoNCE loss that SimCLR optimises goes back to contrastive predictive coding {cpc}.",
    "introduction_2": "This report rebuilds SimCLR as one reproducible pipeline and studies "
    "three changes to it on Tiny ImageNet {tiny}: a deeper backbone (ResNet50 {resnet} instead "
    "of ResNet18; both descend from the deep plain networks of VGG {vgg}), a deeper projection "
    "head, and a larger batch with a higher temperature. Every number, table and figure below "
    "is produced by the pipeline from the run's own outputs, and the feature spaces are "
    "compared with t-SNE {tsne}.",
    "method_overview": "SimCLR draws two random augmentations of each image in a batch of N "
    "images, encodes all 2N views with a backbone f, maps the features h = f(x) through a "
    "projection head g to z = g(h), and trains f and g so that the two views of one image "
    "identify each other among the 2N \u2212 1 other views. After training, the head is "
    "discarded and h is the representation.",
    "crop": "a random resized crop covering {low} to {high} of the image area",
    "flip": "a horizontal flip with probability {p}",
    "with_probability": " applied with probability {p}",
    "jitter": "colour jitter of brightness {brightness}, contrast {contrast}, saturation "
    "{saturation} and hue {hue}{chance}",
    "grayscale": "conversion to grayscale with probability {p}",
    "blur_sigma": " with \u03c3 drawn from [{low}, {high}]",
    "blur": "Gaussian blur with probability {p}{sigma}",
    "augmentation": "The augmentation module draws each view with {clauses}. These follow the "
    "SimCLR recipe {simclr}, whose ablation found cropping combined with colour distortion to "
    "matter most.",
    "augmentation_unrecorded": "Each view is a random crop of the image with colour distortion, "
    "as in SimCLR {simclr}; the run's train.json records no further augmentation settings.",
    "stem": " The network keeps the {stem} stem",
    "encoder": "The backbone f is a ResNet {resnet} without its classification layer; the "
    "global-average-pooled output of the last stage is the representation h, with 512 "
    "dimensions for ResNet18 and 2048 for ResNet50.{stem}",
    "head": "The projection head g is a multilayer perceptron of {layers} linear layers with "
    "ReLU between them, mapping h to a {dim}-dimensional z. SimCLR {simclr} found that computing "
    "the loss on z rather than h improves the linear probe on h, because the head can discard "
    "information that the loss makes the representation invariant to.",
    "loss_before": "For a positive pair (i, j) of views of the same image, the InfoNCE (NT-Xent) "
    "loss {cpc}, {simclr} is",
    "loss_after": "where sim is the cosine similarity, \u03c4 is the temperature and the sum runs "
    "over the 2N \u2212 1 views other than i, so the other 2N \u2212 2 views act as negatives. "
    "The loss is averaged over all 2N positive pairs (i, j) and (j, i). Contrastive top-1 and "
    "top-5 are the fractions of views whose positive ranks first or among the first five.",
    # Modifications.
    "baseline_only": "This run trains the baseline only, so no modification is compared.",
    "modifications_intro": "Each modification changes the {baseline} configuration in one "
    "respect and keeps every other setting, including the seed, so that a difference in the "
    "results can be traced to that change.",
    "why_arch": "The {name} variant replaces {before} with {after}. A deeper and wider backbone has more "
    "capacity, and SimCLR gains more from larger models than supervised training does {simclr}.",
    "why_head_layers": "The {name} variant uses {after} instead of {before} head layers. A deeper non-linear "
    "head can absorb more of the invariance that the loss imposes, leaving more information in "
    "h for the linear probe.",
    "why_batch_size": "The {name} variant raises the batch size from {before} to {after}, which gives each "
    "view {negatives_after} negatives instead of {negatives_before}; SimCLR {simclr} reports "
    "that larger batches help most when training is short.",
    "why_temperature_with_batch": "With more negatives the temperature rises from {before} to "
    "{after}, the value SimCLR found best among those it tested, while {before} is the value of "
    "MoCo {moco}; a higher \u03c4 softens the weighting of hard negatives.",
    "why_temperature": "The {name} variant sets the temperature to {after} instead of {before}.",
    "why_other_change": "The {name} variant sets {key} to {after} instead of {before}.",
    "same_as_baseline": "The {name} variant uses the baseline settings.",
    # Set-up.
    "dataset": "Tiny ImageNet {tiny} has 200 classes of {size}\u00d7{size} colour images, with "
    "500 training and 50 validation images per class in the official release. This run uses "
    "{classes} classes, {train} training images and {val} validation images{subset} Training "
    "uses the images only; the labels serve the evaluation.",
    "is_subset": ", a subset of the official split.",
    "training": "Every variant trains for {epochs} epochs with the {optimizer} optimizer, "
    "learning rate {lr}, weight decay {weight_decay} and a {schedule} schedule{warmup}, updated "
    "every step, with seed {seed}, on {devices}. Table I lists the settings that differ between "
    "variants.",
    "warmup": " after a linear warm-up of {epochs} epochs",
    "evaluation": "The trained backbones are frozen and their features h of the training images "
    "fit a linear classifier (the linear probe) and a kNN classifier (k \u2208 {{{ks}}}); both "
    "are scored on the validation images. Randomly initialised backbones of the same "
    "architectures, evaluated the same way, show how much of the accuracy comes from training. "
    "t-SNE {tsne} embeds the validation features of {classes} classes (perplexity "
    "{perplexity}), and the silhouette score of those features, with the class as cluster, "
    "measures how well they separate.",
    # Results and conclusion.
    "results_intro": "Table II lists the final epoch-mean loss and contrastive accuracy, the "
    "accuracies of the frozen features, the silhouette score, the training time and the "
    "throughput. Accuracies are percentages with one decimal, loss and silhouette have three "
    "decimals; chance is {chance}%.",
    "curve_figures": "Fig. {loss} shows the loss of every optimizer step and Fig. {top1} the "
    "contrastive top-1 accuracy of every epoch; Fig. {lr} shows the learning rate of every step.",
    "accuracy_figure": "Fig. {figure} compares these accuracies with those of the random-init "
    "references and with chance.",
    "tsne_figure": "Fig. {figure} shows the t-SNE embeddings, with one colour per class in every "
    "panel.",
    "batch_dependence": "Contrastive accuracy and loss depend on the batch size, since a larger "
    "batch adds candidates for the positive to compete with.",
    "faster_summary": "At equal epochs, {names} converged faster than the baseline.",
    "none_faster": "No variant with a comparable loss converged faster than the baseline.",
    "reference_summary_all": "Every trained variant exceeds its random-init reference in linear "
    "top-1.",
    "reference_summary_none": "No trained variant exceeds its random-init reference in linear "
    "top-1 yet.",
    "reference_summary_some": "{above} of the {total} trained variants exceed their random-init "
    "references in linear top-1.",
    "longer_run": "A longer run on the full training set is needed before these differences can "
    "be attributed to the modifications rather than to the early phase of training.",
}
