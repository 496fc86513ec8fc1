"""Indonesian text of the report, with the same findings as the English one.

Numbers use the Indonesian decimal comma and thousands point (45,7 %; 12.000); the field's English
terms (backbone, projection head, batch size, linear probe, learning rate) stay in English, as
Indonesian papers in the field keep them.
"""

from __future__ import annotations

from tinyclr.report.analysis import Best, Change, Convergence
from tinyclr.report.context import CITE, Context, change_value, count, figure_number
from tinyclr.report.document import Labels
from tinyclr.results import localize

LABELS = Labels(
    lang="id",
    abstract="Intisari",
    index_terms="Kata Kunci",
    table="TABEL",
    figure="Gambar",
    references="Referensi",
)
HEADINGS = {
    "introduction": "Pendahuluan",
    "method": "Metode",
    "augmentation": "Modul Augmentasi",
    "encoder": "Backbone Encoder",
    "head": "Projection Head",
    "loss": "Fungsi Loss InfoNCE",
    "modifications": "Modifikasi",
    "setup": "Pengaturan Eksperimen",
    "results": "Hasil dan Analisis",
    "conclusion": "Kesimpulan",
}
COLUMNS = {
    "variant": "Varian",
    "backbone": "Backbone",
    "head_layers": "Lapisan head",
    "batch_size": "Batch size",
    "temperature": "\u03c4",
    "epochs": "Epoch",
    "steps": "Langkah",
    "loss": "Loss",
    "contrastive_top1": "Kontr. top-1",
    "contrastive_top5": "Kontr. top-5",
    "linear_top1": "Linear top-1",
    "linear_top5": "Linear top-5",
    "silhouette": "Silhouette",
    "time": "Waktu (menit)",
    "images_per_s": "Citra/detik",
}
INDEX_TERMS = (
    "Self-supervised learning, contrastive learning, SimCLR, InfoNCE, ResNet, Tiny ImageNet, t-SNE"
)
METRIC_NAMES = {
    "linear_top1": "akurasi top-1 linear probe",
    "linear_top5": "akurasi top-5 linear probe",
    "silhouette": "skor silhouette pada ruang fitur",
    "contrastive_top1": "akurasi top-1 kontrastif akhir",
    "images_per_s": "throughput pelatihan",
}
STEM_NOTES = {
    "imagenet": "; konvolusi 7\u00d77 dengan stride 2 dan max pooling pada stem ini mengecilkan "
    "masukan 64\u00d764 menjadi 16\u00d716 sebelum tahap residual pertama.",
    "small": ", yaitu konvolusi 3\u00d73 dengan stride 1 tanpa max pooling sehingga resolusi "
    "masukan 64\u00d764 tetap terjaga.",
}


def n(value: object) -> str:
    """Print a number the Indonesian way (decimal comma)."""
    text = value if isinstance(value, str) else f"{value:g}"
    return localize(text, "id")


def metric_name(key: str) -> str:
    if key.startswith("knn_top1_"):
        return f"akurasi top-1 kNN dengan k = {key.removeprefix('knn_top1_')}"
    return METRIC_NAMES[key]


def unit(key: str) -> str:
    return {"silhouette": "", "images_per_s": " citra/detik"}.get(key, "%")


def best_sentence(best: Best, baseline: str) -> str:
    name = metric_name(best.metric)
    if best.is_baseline:
        return (
            f"Tidak ada modifikasi yang meningkatkan {name} baseline "
            f"({n(best.baseline)}{unit(best.metric)})."
        )
    points = " poin persentase" if unit(best.metric) == "%" else ""
    return (
        f"Nilai {name} tertinggi, {n(best.value)}{unit(best.metric)}, dicapai oleh {best.name}, "
        f"selisih {n(best.difference)}{points} dari {baseline_phrase(baseline)} "
        f"({n(best.baseline)}{unit(best.metric)})."
    )


def baseline_phrase(name: str) -> str:
    return "baseline" if name == "baseline" else f"baseline {name}"


def describe_changes(changes: list[Change]) -> str:
    parts = []
    for change in changes:
        after = change_value(change, "after")
        if change.key == "arch":
            parts.append(f"backbone {after}")
        elif change.key == "head_layers":
            parts.append(f"projection head {after} lapis")
        elif change.key == "batch_size":
            parts.append(f"batch size {after}")
        elif change.key == "temperature":
            parts.append(f"temperatur {n(after)}")
        else:
            parts.append(f"{change.key} {after}")
    return _join(parts) if parts else "pengaturan baseline"


def short_run_sentence(ctx: Context) -> str:
    findings = ctx.findings
    sentences = []
    if findings.short_run:
        sentences.append(
            f"Pelatihan ini tergolong singkat, hanya {findings.epochs} epoch, sedangkan Chen dkk. "
            f"{CITE['simclr']} melatih selama 100 hingga 800 epoch."
        )
    if findings.subset:
        manifest = ctx.results.dataset.manifest
        sentences.append(
            f"Data yang dipakai pun hanya sebagian dari Tiny ImageNet "
            f"({count(manifest['train_images'], '.')} citra latih, bukan 100.000)."
        )
    if sentences:
        sentences.append(
            "Oleh karena itu, perbedaan yang dibahas di bawah menggambarkan tahap awal "
            "pelatihan, bukan akurasi akhir setiap modifikasi setelah konvergen."
        )
    return " ".join(sentences)


def abstract(ctx: Context) -> str:
    findings = ctx.findings
    variants = ctx.results.variants
    baseline = ctx.baseline
    listed = _join(
        f"{run.name} ({describe_changes(findings.changes[run.name])})" for run in variants[1:]
    )
    arch = change_value(Change("arch", None, ctx.setting("arch")), "after")
    text = [
        f"Penelitian ini melatih SimCLR pada Tiny ImageNet dengan baseline {arch}"
        + (f" dan membandingkannya dengan {len(variants) - 1} modifikasi: {listed}." if listed else "."),
        f"Setiap model dilatih selama {findings.epochs} epoch, lalu dievaluasi dengan linear "
        "probe dan classifier kNN pada fitur yang dibekukan.",
        best_sentence(findings.best["linear_top1"], baseline.name),
    ]
    ks = ctx.results.knn_ks
    if ks:
        text.append(best_sentence(findings.best[f"knn_top1_{ks[0]}"], baseline.name))
    text.append(_reference_sentence(ctx))
    if findings.short_run or findings.subset:
        images = ""
        if findings.subset:
            images = f" dengan {count(ctx.results.dataset.manifest['train_images'], '.')} citra latih"
        text.append(
            f"Karena pelatihannya singkat ({findings.epochs} epoch{images}), hasil ini hanya "
            "menunjukkan kecenderungan pada tahap awal pelatihan."
        )
    return " ".join(t for t in text if t)


def introduction(ctx: Context) -> list[str]:
    return [
        "Contrastive learning dalam kerangka self-supervised learning melatih encoder citra "
        "tanpa label dengan mendekatkan dua tampilan hasil augmentasi dari citra yang sama dan menjauhkan "
        f"tampilan dari citra yang berbeda. SimCLR {CITE['simclr']} menunjukkan bahwa resep "
        "sederhana ini, yang terdiri atas augmentasi kuat, projection head nonlinear, dan batch "
        "besar, menghasilkan representasi yang menyaingi pre-training terawasi pada evaluasi "
        f"linear probe. MoCo {CITE['moco']} menyimpan sampel negatif dalam antrean yang "
        f"diperbarui dengan momentum alih-alih dari batch, sedangkan BYOL {CITE['byol']} sama "
        "sekali tidak memakai sampel negatif. Fungsi loss InfoNCE yang dioptimalkan SimCLR "
        f"berasal dari contrastive predictive coding {CITE['cpc']}.",
        "Laporan ini membangun ulang SimCLR sebagai satu pipeline yang dapat direproduksi dan "
        f"mengkaji tiga perubahan terhadapnya pada Tiny ImageNet {CITE['tiny']}: backbone yang "
        f"lebih dalam (ResNet50 {CITE['resnet']} sebagai pengganti ResNet18; keduanya "
        f"merupakan penerus jaringan dalam VGG {CITE['vgg']}), projection head yang lebih dalam, "
        "serta batch yang lebih besar dengan temperatur yang lebih tinggi. Seluruh angka, tabel, "
        "dan gambar di bawah dihasilkan oleh pipeline dari keluaran eksperimen ini sendiri, dan "
        f"ruang fiturnya dibandingkan dengan t-SNE {CITE['tsne']}.",
    ]


def method_overview(ctx: Context) -> str:
    return (
        "SimCLR membuat dua augmentasi acak dari setiap citra dalam batch berisi N citra, "
        "mengodekan seluruh 2N tampilan dengan backbone f, memetakan fitur h = f(x) melalui "
        "projection head g menjadi z = g(h), lalu melatih f dan g agar kedua tampilan dari satu "
        "citra saling mengenali di antara 2N \u2212 1 tampilan lainnya. Setelah pelatihan, head "
        "dibuang dan h dipakai sebagai representasi."
    )


def augmentation(ctx: Context) -> str:
    augment = ctx.augment()
    clauses = []
    if "crop_scale" in augment:
        low, high = augment["crop_scale"]
        clauses.append(f"random resized crop yang mencakup {n(low)} hingga {n(high)} luas citra")
    if "flip_p" in augment:
        clauses.append(f"flip horizontal dengan peluang {n(augment['flip_p'])}")
    if "jitter_strength" in augment:
        b, c, s, h = augment["jitter_strength"]
        chance = f" dengan peluang {n(augment['jitter_p'])}" if "jitter_p" in augment else ""
        clauses.append(
            f"color jitter dengan kecerahan {n(b)}, kontras {n(c)}, saturasi {n(s)}, dan hue "
            f"{n(h)}{chance}"
        )
    if "grayscale_p" in augment:
        clauses.append(f"konversi ke grayscale dengan peluang {n(augment['grayscale_p'])}")
    if "blur_p" in augment:
        sigma = augment.get("blur_sigma")
        spread = f" dengan \u03c3 diambil dari [{n(sigma[0])}; {n(sigma[1])}]" if sigma else ""
        clauses.append(f"Gaussian blur dengan peluang {n(augment['blur_p'])}{spread}")
    if not clauses:
        return (
            "Setiap tampilan merupakan potongan acak citra dengan distorsi warna, seperti pada "
            f"SimCLR {CITE['simclr']}; train.json tidak mencatat pengaturan augmentasi lainnya."
        )
    return (
        f"Modul augmentasi membentuk setiap tampilan dengan {_join(clauses)}. Pengaturan ini "
        f"mengikuti resep SimCLR {CITE['simclr']}, yang ablasinya menunjukkan bahwa kombinasi "
        "cropping dan distorsi warna paling berpengaruh."
    )


def encoder(ctx: Context) -> str:
    stem = ctx.baseline.train.config.get("stem")
    stem_text = ""
    if stem is not None:
        stem_text = f" Jaringan ini memakai stem {stem}" + STEM_NOTES.get(stem, ".")
    return (
        f"Backbone f adalah ResNet {CITE['resnet']} tanpa lapisan klasifikasinya; keluaran "
        "tahap terakhir setelah global average pooling menjadi representasi h, berdimensi 512 "
        f"untuk ResNet18 dan 2048 untuk ResNet50.{stem_text}"
    )


def head(ctx: Context) -> str:
    return (
        f"Projection head g berupa multilayer perceptron dengan {ctx.setting('head_layers')} "
        "lapisan linear yang diselingi ReLU dan memetakan h ke z berdimensi "
        f"{ctx.setting('proj_dim')}. SimCLR {CITE['simclr']} menemukan bahwa menghitung loss "
        "pada z, bukan pada h, meningkatkan hasil linear probe pada h, karena head dapat "
        "membuang informasi yang oleh loss dipaksa menjadi invarian."
    )


def loss_before(ctx: Context) -> str:
    return (
        "Untuk pasangan positif (i, j), yaitu dua tampilan dari citra yang sama, loss InfoNCE "
        f"(NT-Xent) {CITE['cpc']}, {CITE['simclr']} didefinisikan sebagai"
    )


def loss_after(ctx: Context) -> str:
    return (
        "dengan sim adalah cosine similarity, \u03c4 adalah temperatur, dan penjumlahan "
        "dilakukan atas 2N \u2212 1 tampilan selain i, sehingga 2N \u2212 2 tampilan lainnya "
        "berperan sebagai sampel negatif. Loss dirata-ratakan atas seluruh 2N pasangan positif "
        "(i, j) dan (j, i). Akurasi top-1 dan top-5 kontrastif adalah proporsi tampilan yang "
        "pasangan positifnya menempati peringkat pertama atau lima besar."
    )


def modifications_intro(ctx: Context) -> str:
    if not ctx.variant_names:
        return "Eksperimen ini hanya melatih baseline sehingga tidak ada modifikasi yang dibandingkan."
    return (
        f"Setiap modifikasi mengubah konfigurasi {ctx.baseline.name} pada satu aspek dan "
        "mempertahankan pengaturan lain, termasuk seed, sehingga perbedaan hasil dapat "
        "ditelusuri ke perubahan tersebut."
    )


def modification(ctx: Context, name: str, changes: list[Change]) -> str:
    reasons = []
    keys = {change.key for change in changes}
    for change in changes:
        before, after = change_value(change, "before"), change_value(change, "after")
        if change.key == "arch":
            reasons.append(
                f"{name} mengganti {before} dengan {after}. Backbone yang lebih dalam dan lebih "
                "lebar memiliki kapasitas lebih besar, dan SimCLR memperoleh manfaat yang lebih "
                f"besar dari model besar dibandingkan pelatihan terawasi {CITE['simclr']}."
            )
        elif change.key == "head_layers":
            reasons.append(
                f"{name} memakai {after} lapisan head, bukan {before}. Head nonlinear yang lebih "
                "dalam dapat menyerap lebih banyak invariansi yang dipaksakan oleh loss sehingga "
                "h menyimpan lebih banyak informasi untuk linear probe."
            )
        elif change.key == "batch_size":
            reasons.append(
                f"{name} menaikkan batch size dari {before} menjadi {after} sehingga setiap "
                f"tampilan mendapat {2 * int(after) - 2} sampel negatif, bukan "
                f"{2 * int(before) - 2}; SimCLR {CITE['simclr']} melaporkan bahwa batch besar "
                "paling membantu ketika pelatihan singkat."
            )
        elif change.key == "temperature" and "batch_size" in keys:
            reasons.append(
                f"Seiring bertambahnya sampel negatif, temperatur dinaikkan dari {n(before)} "
                f"menjadi {n(after)}, nilai terbaik di antara yang diuji SimCLR, sedangkan "
                f"{n(before)} adalah nilai yang dipakai MoCo {CITE['moco']}; \u03c4 yang lebih "
                "tinggi melunakkan bobot sampel negatif yang sulit."
            )
        elif change.key == "temperature":
            reasons.append(f"{name} memakai temperatur {n(after)}, bukan {n(before)}.")
        else:
            reasons.append(f"{name} mengubah {change.key} dari {before} menjadi {after}.")
    return " ".join(reasons) if reasons else f"{name} memakai pengaturan baseline."


def dataset(ctx: Context) -> str:
    manifest = ctx.results.dataset.manifest
    size = manifest["image_size"]
    text = (
        f"Tiny ImageNet {CITE['tiny']} terdiri atas 200 kelas citra berwarna berukuran "
        f"{size}\u00d7{size}, dengan 500 citra latih dan 50 citra validasi per kelas pada rilis "
        f"resminya. Eksperimen ini memakai {manifest['num_classes']} kelas, "
        f"{count(manifest['train_images'], '.')} citra latih, dan "
        f"{count(manifest['val_images'], '.')} citra validasi"
    )
    text += ", yaitu sebagian dari split resmi." if ctx.findings.subset else "."
    return text + " Pelatihan hanya memakai citra; label dipakai untuk evaluasi."


def training(ctx: Context) -> str:
    warmup = ctx.baseline.train.config.get("warmup_epochs")
    warmup_text = f" setelah warm-up linear selama {n(warmup)} epoch" if warmup else ""
    return (
        f"Setiap varian dilatih selama {ctx.findings.epochs} epoch dengan optimizer "
        f"{ctx.setting('optimizer')}, learning rate {n(ctx.setting('lr'))}, weight decay "
        f"{n(ctx.setting('weight_decay'))}, dan jadwal {ctx.setting('schedule')}{warmup_text} "
        f"yang diperbarui setiap langkah, dengan seed {ctx.setting('seed')}, pada "
        f"{_join(ctx.devices)}. Tabel I memuat pengaturan yang berbeda antarvarian."
    )


def evaluation(ctx: Context) -> str:
    ks = "; ".join(str(k) for k in ctx.results.knn_ks)
    return (
        "Backbone hasil pelatihan dibekukan, lalu fitur h dari citra latih dipakai untuk "
        "melatih classifier linear (linear probe) dan classifier kNN "
        f"(k \u2208 {{{ks}}}); keduanya diuji pada citra validasi. Backbone berinisialisasi acak "
        "dengan arsitektur yang sama dievaluasi dengan cara yang sama untuk menunjukkan "
        f"seberapa besar akurasi yang berasal dari pelatihan. t-SNE {CITE['tsne']} memetakan "
        f"fitur validasi dari {ctx.tsne_classes} kelas (perplexity "
        f"{n(ctx.baseline.tsne.perplexity)}), dan skor silhouette fitur tersebut, dengan kelas "
        "sebagai klaster, mengukur seberapa baik kelas-kelas itu terpisah."
    )


def results_intro(ctx: Context) -> str:
    return (
        "Tabel II memuat loss dan akurasi kontrastif rata-rata pada epoch terakhir, akurasi "
        "fitur yang dibekukan, skor silhouette, waktu pelatihan, dan throughput. Akurasi "
        "dinyatakan dalam persen dengan satu desimal, sedangkan loss dan silhouette dengan tiga "
        f"desimal; tingkat peluang acak (chance) adalah {n(ctx.findings.chance)}%."
    )


def analysis(ctx: Context) -> list[str]:
    findings = ctx.findings
    baseline = ctx.baseline.name
    accuracy = [
        best_sentence(findings.best["linear_top1"], baseline),
        best_sentence(findings.best["linear_top5"], baseline),
    ]
    for k in ctx.results.knn_ks:
        accuracy.append(best_sentence(findings.best[f"knn_top1_{k}"], baseline))
    accuracy.append(_reference_sentence(ctx, every=True))

    separation = [
        best_sentence(findings.best["silhouette"], baseline),
        f"Gambar {figure_number('tsne_grid')} menampilkan embedding t-SNE dengan satu warna "
        "untuk setiap kelas di semua panel.",
    ]

    training = [_convergence_sentence(c) for c in findings.convergence]
    training.append(best_sentence(findings.best["contrastive_top1"], baseline))
    training.append(
        "Akurasi dan loss kontrastif bergantung pada batch size karena batch yang lebih besar "
        "menambah kandidat yang bersaing dengan pasangan positif."
    )
    training.append(best_sentence(findings.best["images_per_s"], baseline))
    paragraphs = [" ".join(accuracy), " ".join(separation), " ".join(training)]
    caution = short_run_sentence(ctx)
    if caution:
        paragraphs.append(caution)
    return paragraphs


def figure_captions(ctx: Context) -> dict[str, str]:
    return {
        "loss_per_step": "Loss pelatihan per langkah optimizer; sumbu x dinyatakan dalam epoch "
        "agar varian dengan batch size berbeda dapat dibandingkan.",
        "top1_per_epoch": "Akurasi top-1 kontrastif, rata-rata per epoch.",
        "lr_schedule": "Learning rate per langkah optimizer.",
        "tsne_grid": f"t-SNE fitur validasi dari {ctx.tsne_classes} kelas, satu panel untuk "
        "setiap varian dan referensi berinisialisasi acak; setiap kelas berwarna sama di semua "
        "panel.",
        "accuracy": "Akurasi top-1 linear probe dan kNN pada citra validasi, beserta referensi "
        "berinisialisasi acak dan tingkat peluang acak.",
    }


def table_captions() -> dict[str, str]:
    return {"config": "Konfigurasi setiap varian", "results": "Hasil setiap varian"}


def conclusion(ctx: Context) -> list[str]:
    findings = ctx.findings
    text = [best_sentence(findings.best["linear_top1"], ctx.baseline.name)]
    faster = [c.name for c in findings.convergence if c.faster]
    if faster:
        text.append(f"{_join(faster)} konvergen lebih cepat daripada baseline pada epoch yang sama.")
    elif findings.convergence:
        text.append(
            "Tidak ada varian dengan loss yang sebanding yang konvergen lebih cepat daripada "
            "baseline."
        )
    text.append(_reference_sentence(ctx))
    if findings.short_run or findings.subset:
        text.append(
            "Pelatihan yang lebih panjang pada seluruh data latih diperlukan sebelum perbedaan "
            "ini dapat dikaitkan dengan modifikasi, bukan dengan tahap awal pelatihan."
        )
    return [" ".join(t for t in text if t)]


def _reference_sentence(ctx: Context, every: bool = False) -> str:
    gaps = ctx.findings.reference_gaps if every else ctx.findings.reference_gaps[:1]
    sentences = []
    for gap in gaps:
        values = f"{n(gap.value)}% dibandingkan {n(gap.reference_value)}%"
        if gap.difference.startswith("+"):
            sentences.append(
                f"{gap.name} mengungguli referensi berinisialisasi acak {gap.reference} sebesar "
                f"{n(gap.difference)} poin pada top-1 linear ({values})."
            )
        else:
            sentences.append(
                f"{gap.name} belum mengungguli referensi berinisialisasi acak {gap.reference} pada "
                f"top-1 linear ({values})."
            )
    return " ".join(sentences)


def _convergence_sentence(c: Convergence) -> str:
    if not c.comparable:
        return (
            f"Loss {c.name} tidak dapat dibandingkan dengan loss baseline karena batch size atau "
            "temperatur yang berbeda mengubah skala loss InfoNCE."
        )
    if c.faster:
        return (
            f"{c.name} konvergen lebih cepat daripada baseline: loss rata-rata per epoch-nya "
            f"lebih rendah pada setiap epoch dari {c.epochs} epoch."
        )
    if c.lower_at_end and c.epochs < 2:
        return (
            f"{c.name} mengakhiri satu-satunya epoch dengan loss yang lebih rendah daripada "
            "baseline, tetapi satu epoch terlalu sedikit untuk menilai konvergensi."
        )
    if c.lower_at_end:
        return (
            f"{c.name} berakhir dengan loss yang lebih rendah daripada baseline, tetapi tidak "
            "pada setiap epoch, sehingga kurvanya tidak menunjukkan konvergensi yang lebih cepat."
        )
    return f"{c.name} tidak mencapai loss yang lebih rendah daripada baseline pada epoch terakhir."


def _join(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} dan {items[1]}"
    return ", ".join(items[:-1]) + f", dan {items[-1]}"
