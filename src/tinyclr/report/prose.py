"""The report's sentences, chosen by the findings and filled with the run's numbers.

Which sentence a finding calls for (the best variant, a faster convergence, a short run) is
decided here once; the language modules (:mod:`tinyclr.report.english`,
:mod:`tinyclr.report.indonesian`) hold only whole-sentence templates with named fields, so a
language reads as written by its own speakers and both state the same facts.
"""

from __future__ import annotations

from types import ModuleType
from typing import Iterable

from tinyclr.report.analysis import Best, Change
from tinyclr.report.context import CITE, Context, figure_number
from tinyclr.report.tables import arch_name
from tinyclr.results import localize


# Written forms of settings that name a method or a dataset, the same in either language.
DISPLAY_NAMES = {"adam": "Adam", "adamw": "AdamW", "imagenet": "ImageNet"}


def display_name(setting: object) -> str:
    """Return a setting as the text writes it: "adam" as "Adam"; other values unchanged."""
    return DISPLAY_NAMES.get(str(setting), str(setting))


class Prose:
    """Sentences of one language about the results in ``ctx``."""

    def __init__(self, ctx: Context, language: ModuleType) -> None:
        self.ctx = ctx
        self.findings = ctx.findings
        self.words = language
        self.lang = language.LABELS.lang

    # Formatting helpers.

    def say(self, template: str, /, **fields: object) -> str:
        """Fill the language's sentence ``template``; citation numbers are always available."""
        return self.words.SENTENCES[template].format(**CITE, **fields)

    def number(self, value: object) -> str:
        """Print a setting (3e-4, 0.1) or an already formatted number in the language's style."""
        text = value if isinstance(value, str) else f"{value:g}"
        return localize(text, self.lang)

    def count(self, value: int) -> str:
        return localize(f"{value:,}", self.lang)

    def number_word(self, count: int) -> str:
        """Write a count in words up to ten ("three"), in numerals above."""
        words = self.words.NUMBER_WORDS
        return words[count] if count < len(words) else self.count(count)

    def count_of(self, count: int, noun: tuple[str, str]) -> str:
        """Write a count with its noun ("three modifications")."""
        return f"{self.number_word(count)} {noun[0] if count == 1 else noun[1]}"

    def join(self, items: Iterable[str], conjunction: str | None = None) -> str:
        """Join ``items`` into a list with the language's "and", or with ``conjunction``."""
        word = conjunction or self.words.AND
        items = list(items)
        if len(items) <= 2:
            return f" {word} ".join(items)
        return ", ".join(items[:-1]) + f", {word} {items[-1]}"

    def value(self, change: Change, side: str) -> str:
        value = getattr(change, side)
        return arch_name(value) if change.key == "arch" else self.number(value)

    # Building blocks shared by several sections.

    def metric(self, key: str) -> str:
        if key.startswith("knn_top1_"):
            return self.words.METRIC_NAMES["knn"].format(k=key.removeprefix("knn_top1_"))
        return self.words.METRIC_NAMES[key]

    def best(self, *keys: str) -> str:
        """Name the variant with the highest value of each metric in ``keys``.

        Metrics where no modification beats the baseline share one sentence, so that a run
        without improvements does not repeat the same sentence once per metric.
        """
        sentences, unbeaten = [], []
        for key in keys:
            best: Best = self.findings.best[key]
            unit = self.words.UNITS.get(key, "%")
            metric = self.metric(key)
            if best.is_baseline:
                unbeaten.append(
                    self.say(
                        "metric_value", metric=metric, value=self.number(best.baseline), unit=unit
                    )
                )
                continue
            sentences.append(
                self.say(
                    "best",
                    metric=metric,
                    Metric=metric[0].upper() + metric[1:],
                    unit=unit,
                    name=best.name,
                    value=self.number(best.value),
                    difference=self.number(best.difference),
                    points=self.words.POINTS if unit == "%" else "",
                    baseline=self.baseline_phrase(),
                    baseline_value=self.number(best.baseline),
                )
            )
        if unbeaten:
            metrics = self.join(unbeaten, self.words.OR)
            sentences.append(
                self.say("best_is_baseline", baseline=self.baseline_phrase(), metrics=metrics)
            )
        return " ".join(sentences)

    def baseline_phrase(self) -> str:
        name = self.ctx.baseline.name
        if name == "baseline":
            return self.say("the_baseline")
        return self.say("the_baseline_named", name=name)

    def changes(self, changes: list[Change]) -> str:
        parts = []
        for change in changes:
            key = change.key if change.key in self.words.CHANGES else "other"
            parts.append(
                self.words.CHANGES[key].format(key=change.key, value=self.value(change, "after"))
            )
        return self.join(parts) if parts else self.say("no_change")

    def reference_gaps(self, every: bool) -> str:
        """Compare trained variants with their random-init references in linear top-1: the first
        variant alone, or every variant, with those above and those below in one sentence each."""
        gaps = self.findings.reference_gaps if every else self.findings.reference_gaps[:1]
        sentences = []
        for direction in ("above", "below"):
            group = [gap for gap in gaps if gap.difference.startswith("+") == (direction == "above")]
            fields = [
                {
                    "name": gap.name,
                    "reference": gap.reference,
                    "difference": self.number(gap.difference),
                    "value": self.number(gap.value),
                    "reference_value": self.number(gap.reference_value),
                }
                for gap in group
            ]
            if len(fields) == 1:
                sentences.append(self.say(f"{direction}_reference", **fields[0]))
            elif fields:
                items = self.words.ITEM_SEPARATOR.join(
                    self.say(f"{direction}_item", **item) for item in fields
                )
                names = self.join(item["name"] for item in fields)
                sentences.append(self.say(f"{direction}_reference_many", names=names, items=items))
        return " ".join(sentences)

    def reference_summary(self) -> str:
        """Say how many trained variants exceed their random-init references in linear top-1."""
        gaps = self.findings.reference_gaps
        if not gaps:
            return ""
        above = sum(gap.difference.startswith("+") for gap in gaps)
        if above == len(gaps):
            return self.say("reference_summary_all")
        if above == 0:
            return self.say("reference_summary_none")
        sentence = self.say(
            "reference_summary_some",
            above=self.number_word(above),
            total=self.number_word(len(gaps)),
        )
        return sentence[0].upper() + sentence[1:]

    def convergence(self) -> str:
        """Say how each variant's loss curve compares with the baseline's, one sentence per kind
        of finding and number of epochs, in the order the variants are listed."""
        groups: dict[tuple[str, int], list[str]] = {}
        for finding in self.findings.convergence:
            if not finding.comparable:
                key = "loss_incomparable"
            elif finding.faster:
                key = "converges_faster"
            elif finding.lower_at_end and finding.epochs < 2:
                key = "lower_after_one_epoch"
            elif finding.lower_at_end:
                key = "lower_at_end_only"
            else:
                key = "not_lower"
            groups.setdefault((key, finding.epochs), []).append(finding.name)
        sentences = []
        for (key, epochs), names in groups.items():
            if len(names) == 1:
                sentences.append(self.say(key, name=names[0], epochs=epochs))
            else:
                sentences.append(self.say(f"{key}_many", names=self.join(names), epochs=epochs))
        return " ".join(sentences)

    def short_run(self) -> str:
        sentences = []
        if self.findings.short_run:
            sentences.append(self.say("short_run", epochs=self.findings.epochs))
        if self.findings.subset:
            images = self.count(self.ctx.results.dataset.manifest["train_images"])
            sentences.append(self.say("subset", images=images, official=self.count(100_000)))
        if sentences:
            sentences.append(self.say("early_training"))
        return " ".join(sentences)

    # Sections.

    def abstract(self) -> str:
        variants = self.ctx.results.variants
        listed = self.join(
            f"{run.name} ({self.changes(self.findings.changes[run.name])})"
            for run in variants[1:]
        )
        arch = arch_name(self.ctx.setting("arch"))
        sentences = [
            self.say(
                "abstract_compare",
                arch=arch,
                modifications=self.count_of(len(variants) - 1, self.words.MODIFICATION),
                listed=listed,
            )
            if listed
            else self.say("abstract_baseline_only", arch=arch),
            self.say("abstract_evaluation", epochs=self.findings.epochs),
        ]
        ks = self.ctx.results.knn_ks
        sentences.append(self.best("linear_top1", *[f"knn_top1_{k}" for k in ks[:1]]))
        sentences.append(self.reference_gaps(every=False))
        if self.findings.short_run or self.findings.subset:
            images = ""
            if self.findings.subset:
                train_images = self.ctx.results.dataset.manifest["train_images"]
                images = self.say("on_images", images=self.count(train_images))
            sentences.append(
                self.say("abstract_short", epochs=self.findings.epochs, images=images)
            )
        return " ".join(s for s in sentences if s)

    def introduction(self) -> list[str]:
        return [self.say("introduction_1"), self.say("introduction_2")]

    def method_overview(self) -> str:
        return self.say("method_overview")

    def augmentation(self) -> str:
        augment = self.ctx.augment()
        clauses = []
        if "crop_scale" in augment:
            low, high = augment["crop_scale"]
            clauses.append(self.say("crop", low=self.number(low), high=self.number(high)))
        if "flip_p" in augment:
            clauses.append(self.say("flip", p=self.number(augment["flip_p"])))
        if "jitter_strength" in augment:
            brightness, contrast, saturation, hue = map(self.number, augment["jitter_strength"])
            chance = ""
            if "jitter_p" in augment:
                chance = self.say("with_probability", p=self.number(augment["jitter_p"]))
            clauses.append(
                self.say(
                    "jitter",
                    brightness=brightness,
                    contrast=contrast,
                    saturation=saturation,
                    hue=hue,
                    chance=chance,
                )
            )
        if "grayscale_p" in augment:
            clauses.append(self.say("grayscale", p=self.number(augment["grayscale_p"])))
        if "blur_p" in augment:
            sigma = augment.get("blur_sigma")
            spread = ""
            if sigma:
                spread = self.say(
                    "blur_sigma", low=self.number(sigma[0]), high=self.number(sigma[1])
                )
            clauses.append(self.say("blur", p=self.number(augment["blur_p"]), sigma=spread))
        if not clauses:
            return self.say("augmentation_unrecorded")
        return self.say("augmentation", clauses=self.join(clauses))

    def encoder(self) -> str:
        stem = self.ctx.baseline.train.config.get("stem")
        stem_text = ""
        if stem is not None:
            stem_text = self.say("stem", stem=display_name(stem))
            stem_text += self.words.STEM_NOTES.get(stem, ".")
        return self.say("encoder", stem=stem_text)

    def head(self) -> str:
        return self.say(
            "head", layers=self.ctx.setting("head_layers"), dim=self.ctx.setting("proj_dim")
        )

    def loss_before(self) -> str:
        return self.say("loss_before")

    def loss_after(self) -> str:
        return self.say("loss_after")

    def modifications_intro(self) -> str:
        if not self.ctx.variant_names:
            return self.say("baseline_only")
        return self.say("modifications_intro", baseline=self.ctx.baseline.name)

    def modification(self, name: str, changes: list[Change]) -> str:
        keys = {change.key for change in changes}
        reasons = []
        for change in changes:
            fields = {
                "name": name,
                "key": change.key,
                "before": self.value(change, "before"),
                "after": self.value(change, "after"),
            }
            if change.key == "batch_size":
                fields["negatives_before"] = 2 * int(change.before) - 2
                fields["negatives_after"] = 2 * int(change.after) - 2
            if change.key == "temperature" and "batch_size" in keys:
                key = "temperature_with_batch"
            elif change.key in ("arch", "head_layers", "batch_size", "temperature"):
                key = change.key
            else:
                key = "other_change"
            reasons.append(self.say(f"why_{key}", **fields))
        if not reasons:
            return self.say("same_as_baseline", name=name)
        return " ".join(reasons)

    def dataset(self) -> str:
        manifest = self.ctx.results.dataset.manifest
        return self.say(
            "dataset",
            size=manifest["image_size"],
            classes=manifest["num_classes"],
            train=self.count(manifest["train_images"]),
            val=self.count(manifest["val_images"]),
            subset=self.say("is_subset") if self.findings.subset else ".",
        )

    def training(self) -> str:
        warmup = self.ctx.baseline.train.config.get("warmup_epochs")
        devices = self.join(
            self.words.DEVICES.get(device, device) for device in self.ctx.devices
        )
        setting = self.ctx.setting
        return self.say(
            "training",
            epochs=self.findings.epochs,
            optimizer=display_name(setting("optimizer")),
            lr=self.number(setting("lr")),
            weight_decay=self.number(setting("weight_decay")),
            schedule=setting("schedule"),
            warmup=self.say("warmup", epochs=self.number(warmup)) if warmup else "",
            seed=setting("seed"),
            devices=devices,
        )

    def evaluation(self) -> str:
        return self.say(
            "evaluation",
            ks=self.words.LIST_SEPARATOR.join(str(k) for k in self.ctx.results.knn_ks),
            classes=self.ctx.tsne_classes,
            perplexity=self.number(self.ctx.baseline.tsne.perplexity),
        )

    def results_intro(self) -> str:
        curves = self.say(
            "curve_figures",
            loss=figure_number("loss_per_step"),
            top1=figure_number("top1_per_epoch"),
            lr=figure_number("lr_schedule"),
        )
        return self.say("results_intro", chance=self.number(self.findings.chance)) + " " + curves

    def analysis(self) -> list[str]:
        knn = [f"knn_top1_{k}" for k in self.ctx.results.knn_ks]
        accuracy = [self.best("linear_top1", "linear_top5", *knn)]
        accuracy.append(self.say("accuracy_figure", figure=figure_number("accuracy")))
        accuracy.append(self.reference_gaps(every=True))

        separation = [
            self.best("silhouette"),
            self.say("tsne_figure", figure=figure_number("tsne_grid")),
        ]

        training = [
            self.convergence(),
            self.best("contrastive_top1", "images_per_s"),
            self.say("batch_dependence"),
        ]

        paragraphs = [" ".join(accuracy), " ".join(separation), " ".join(training)]
        caution = self.short_run()
        if caution:
            paragraphs.append(caution)
        return paragraphs

    def figure_captions(self) -> dict[str, str]:
        classes = self.ctx.tsne_classes
        return {
            name: template.format(classes=classes)
            for name, template in self.words.FIGURE_CAPTIONS.items()
        }

    def conclusion(self) -> list[str]:
        sentences = [self.best("linear_top1")]
        faster = [c.name for c in self.findings.convergence if c.faster]
        if faster:
            sentences.append(self.say("faster_summary", names=self.join(faster)))
        elif self.findings.convergence:
            sentences.append(self.say("none_faster"))
        sentences.append(self.reference_summary())
        if self.findings.short_run or self.findings.subset:
            sentences.append(self.say("longer_run"))
        return [" ".join(s for s in sentences if s)]
