"""Indonesian wording of the report: whole-sentence templates that tinyclr.report.prose fills.

Numbers use the Indonesian decimal comma and thousands point (45,7%; 12.000). The field's English
terms (backbone, projection head, batch size, linear probe, learning rate) stay in English, as
Indonesian papers in the field keep them, and are set in italics (``ITALIC_TERMS``).
"""

from __future__ import annotations

from tinyclr.report.document import Labels

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
TABLE_CAPTIONS = {"config": "Konfigurasi setiap varian", "results": "Hasil setiap varian"}
FIGURE_CAPTIONS = {
    "loss_per_step": "Loss pelatihan per langkah optimizer; sumbu x dinyatakan dalam epoch agar "
    "varian dengan batch size berbeda dapat dibandingkan.",
    "top1_per_epoch": "Akurasi top-1 kontrastif, rata-rata per epoch.",
    "lr_schedule": "Learning rate per langkah optimizer.",
    "tsne_grid": "t-SNE fitur validasi dari {classes} kelas, satu panel untuk setiap varian dan "
    "referensi berinisialisasi acak; setiap kelas berwarna sama di semua panel.",
    "accuracy": "Akurasi top-1 linear probe dan kNN pada citra validasi, beserta referensi "
    "berinisialisasi acak dan tingkat peluang acak.",
}
INDEX_TERMS = (
    "Self-supervised learning, contrastive learning, SimCLR, InfoNCE, ResNet, Tiny ImageNet, t-SNE"
)
METRIC_NAMES = {
    "linear_top1": "akurasi top-1 linear probe",
    "linear_top5": "akurasi top-5 linear probe",
    "knn": "akurasi top-1 kNN dengan k = {k}",
    "silhouette": "skor silhouette pada ruang fitur",
    "contrastive_top1": "akurasi top-1 kontrastif akhir",
    "images_per_s": "throughput pelatihan",
}
UNITS = {"silhouette": "", "images_per_s": " citra/detik"}
POINTS = " poin persentase"
AND = "dan"
# Joins the last item of a list after a negation ("tidak ada ... a, b, maupun c").
OR = "maupun"
# Counts of modifications in words, as in "tiga modifikasi"; larger counts use numerals.
NUMBER_WORDS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
                "sembilan", "sepuluh")  # fmt: skip
MODIFICATION = ("modifikasi", "modifikasi")
# Joins the items of a list whose items may contain commas (decimal commas in Indonesian).
ITEM_SEPARATOR = "; "
# English terms of the field that the text keeps, set in italics as Indonesian spelling rules ask
# for foreign words. Names (SimCLR, InfoNCE, ResNet, t-SNE, kNN) stay upright.
ITALIC_TERMS = (
    "backbone",
    "baseline",
    "batch",
    "batch size",
    "blur",
    "chance",
    "classifier",
    "color jitter",
    "contrastive learning",
    "contrastive predictive coding",
    "cosine similarity",
    "crop",
    "cropping",
    "embedding",
    "encoder",
    "epoch",
    "flip",
    "Gaussian blur",
    "global average pooling",
    "grayscale",
    "head",
    "jitter",
    "learning rate",
    "linear probe",
    "loss",
    "max pooling",
    "multilayer perceptron",
    "optimizer",
    "perplexity",
    "pipeline",
    "pre-training",
    "projection head",
    "random resized crop",
    "seed",
    "self-supervised learning",
    "silhouette",
    "split",
    "stem",
    "stride",
    "subset",
    "throughput",
    "warm-up",
    "weight decay",
)
# The comma is the decimal separator, so list items are separated by semicolons.
LIST_SEPARATOR = "; "
CHANGES = {
    "arch": "backbone {value}",
    "head_layers": "projection head {value} lapis",
    "batch_size": "batch size {value}",
    "temperature": "temperatur {value}",
    "other": "{key} {value}",
}
DEVICES = {"cpu": "CPU", "cuda": "GPU CUDA", "mps": "GPU Apple (MPS)"}
STEM_NOTES = {
    "imagenet": "; konvolusi 7\u00d77 dengan stride 2 dan max pooling pada stem ini mengecilkan "
    "masukan 64\u00d764 menjadi 16\u00d716 sebelum tahap residual pertama.",
    "small": ", yaitu konvolusi 3\u00d73 dengan stride 1 tanpa max pooling sehingga resolusi "
    "masukan 64\u00d764 tetap terjaga.",
}

SENTENCES = {
    # Perbandingan dengan baseline dan referensi berinisialisasi acak.
    "the_baseline": "baseline",
    "the_baseline_named": "baseline {name}",
    "best": "{Metric} tertinggi, {value}{unit}, dicapai oleh {name}, selisih "
    "{difference}{points} dari {baseline} ({baseline_value}{unit}).",
    "best_is_baseline": "Tidak ada modifikasi yang mengungguli {baseline} dalam {metrics}.",
    "metric_value": "{metric} ({value}{unit})",
    "no_change": "pengaturan baseline",
    "above_reference": "Varian {name} mengungguli referensi berinisialisasi acak {reference} sebesar "
    "{difference} poin pada top-1 linear ({value}% dibandingkan {reference_value}%).",
    "below_reference": "Varian {name} belum mengungguli referensi berinisialisasi acak {reference} pada "
    "top-1 linear ({value}% dibandingkan {reference_value}%).",
    "above_reference_many": "Varian {names} mengungguli referensi berinisialisasi acaknya pada "
    "top-1 linear: {items}.",
    "above_item": "{name} sebesar {difference} poin ({value}% dibandingkan {reference_value}% "
    "pada {reference})",
    "below_reference_many": "Varian {names} belum mengungguli referensi berinisialisasi acaknya "
    "pada top-1 linear: {items}.",
    "below_item": "{name} {value}% dibandingkan {reference_value}% pada {reference}",
    "loss_incomparable": "Loss {name} tidak dapat dibandingkan dengan loss baseline karena batch "
    "size atau temperatur yang berbeda mengubah skala loss InfoNCE.",
    "converges_faster": "Varian {name} konvergen lebih cepat daripada baseline: loss rata-rata per "
    "epoch-nya lebih rendah pada setiap epoch dari {epochs} epoch.",
    "lower_after_one_epoch": "Varian {name} mengakhiri satu-satunya epoch dengan loss yang lebih rendah "
    "daripada baseline, tetapi satu epoch terlalu sedikit untuk menilai konvergensi.",
    "lower_at_end_only": "Varian {name} berakhir dengan loss yang lebih rendah daripada baseline, tetapi "
    "tidak pada setiap epoch, sehingga kurvanya tidak menunjukkan konvergensi yang lebih cepat.",
    "not_lower": "Varian {name} tidak mencapai loss yang lebih rendah daripada baseline pada epoch "
    "terakhir.",
    "loss_incomparable_many": "Loss {names} tidak dapat dibandingkan dengan loss baseline karena "
    "batch size atau temperatur yang berbeda mengubah skala loss InfoNCE.",
    "converges_faster_many": "Varian {names} konvergen lebih cepat daripada baseline: loss "
    "rata-rata per epoch-nya lebih rendah pada setiap epoch dari {epochs} epoch.",
    "lower_after_one_epoch_many": "Varian {names} mengakhiri satu-satunya epoch dengan loss yang "
    "lebih rendah daripada baseline, tetapi satu epoch terlalu sedikit untuk menilai konvergensi.",
    "lower_at_end_only_many": "Varian {names} berakhir dengan loss yang lebih rendah daripada "
    "baseline, tetapi tidak pada setiap epoch, sehingga kurvanya tidak menunjukkan konvergensi "
    "yang lebih cepat.",
    "not_lower_many": "Varian {names} tidak mencapai loss yang lebih rendah daripada baseline pada "
    "epoch terakhir.",
    "short_run": "Pelatihan ini tergolong singkat, hanya {epochs} epoch, sedangkan Chen dkk. "
    "{simclr} melatih selama 100 hingga 800 epoch.",
    "subset": "Data yang dipakai pun hanya sebagian dari Tiny ImageNet ({images} citra latih, "
    "bukan {official}).",
    "early_training": "Oleh karena itu, perbedaan tersebut menggambarkan tahap awal pelatihan, "
    "bukan akurasi akhir setiap modifikasi setelah konvergen.",
    # Intisari.
    "abstract_compare": "Penelitian ini melatih SimCLR pada Tiny ImageNet dengan baseline {arch} "
    "dan membandingkannya dengan {modifications}: {listed}.",
    "abstract_baseline_only": "Penelitian ini melatih SimCLR pada Tiny ImageNet dengan baseline "
    "{arch}.",
    "abstract_evaluation": "Setiap model dilatih selama {epochs} epoch, lalu dievaluasi dengan "
    "linear probe dan classifier kNN pada fitur yang dibekukan.",
    "on_images": " dengan {images} citra latih",
    "abstract_short": "Karena pelatihannya singkat ({epochs} epoch{images}), hasil ini hanya "
    "menunjukkan kecenderungan pada tahap awal pelatihan.",
    # Pendahuluan dan metode.
    "introduction_1": "Contrastive learning dalam kerangka self-supervised learning melatih "
    "encoder citra tanpa label dengan mendekatkan dua tampilan hasil augmentasi dari citra yang "
    "sama dan menjauhkan tampilan dari citra yang berbeda. SimCLR {simclr} menunjukkan bahwa "
    "resep sederhana ini, yang terdiri atas augmentasi kuat, projection head nonlinear, dan "
    "batch besar, menghasilkan representasi yang menyaingi pre-training terawasi pada evaluasi "
    "linear probe. MoCo {moco} menyimpan sampel negatif dalam antrean yang diperbarui dengan "
    "momentum alih-alih mengambilnya dari batch, sedangkan BYOL {byol} sama sekali tidak memakai "
    "sampel negatif. Fungsi loss InfoNCE yang dioptimalkan SimCLR berasal dari contrastive "
    "predictive coding {cpc}.",
    "introduction_2": "Laporan ini membangun ulang SimCLR sebagai satu pipeline yang dapat "
    "direproduksi dan mengkaji tiga perubahan terhadapnya pada Tiny ImageNet {tiny}: backbone "
    "yang lebih dalam (ResNet50 {resnet} sebagai pengganti ResNet18; keduanya merupakan penerus "
    "jaringan dalam VGG {vgg}), projection head yang lebih dalam, serta batch yang lebih besar "
    "dengan temperatur yang lebih tinggi. Seluruh angka, tabel, dan gambar di bawah dihasilkan "
    "oleh pipeline dari keluaran eksperimen ini sendiri, dan ruang fiturnya dibandingkan dengan "
    "t-SNE {tsne}.",
    "method_overview": "SimCLR membuat dua augmentasi acak dari setiap citra dalam batch berisi N "
    "citra, mengodekan seluruh 2N tampilan dengan backbone f, memetakan fitur h = f(x) melalui "
    "projection head g menjadi z = g(h), lalu melatih f dan g agar kedua tampilan dari satu "
    "citra saling mengenali di antara 2N \u2212 1 tampilan lainnya. Setelah pelatihan, head "
    "dibuang dan h dipakai sebagai representasi.",
    "crop": "random resized crop yang mencakup {low} hingga {high} luas citra",
    "flip": "flip horizontal dengan peluang {p}",
    "with_probability": " dengan peluang {p}",
    "jitter": "color jitter dengan kecerahan {brightness}, kontras {contrast}, saturasi "
    "{saturation}, dan hue {hue}{chance}",
    "grayscale": "konversi ke grayscale dengan peluang {p}",
    "blur_sigma": " dengan \u03c3 diambil dari [{low}; {high}]",
    "blur": "Gaussian blur dengan peluang {p}{sigma}",
    "augmentation": "Modul augmentasi membentuk setiap tampilan dengan {clauses}. Pengaturan ini "
    "mengikuti resep SimCLR {simclr}, yang ablasinya menunjukkan bahwa kombinasi cropping dan "
    "distorsi warna paling berpengaruh.",
    "augmentation_unrecorded": "Setiap tampilan merupakan potongan acak citra dengan distorsi "
    "warna, seperti pada SimCLR {simclr}; train.json tidak mencatat pengaturan augmentasi "
    "lainnya.",
    "stem": " Jaringan ini memakai stem {stem}",
    "encoder": "Backbone f adalah ResNet {resnet} tanpa lapisan klasifikasinya; keluaran tahap "
    "terakhir setelah global average pooling menjadi representasi h, berdimensi 512 untuk "
    "ResNet18 dan 2048 untuk ResNet50.{stem}",
    "head": "Projection head g berupa multilayer perceptron dengan {layers} lapisan linear yang "
    "diselingi ReLU dan memetakan h ke z berdimensi {dim}. SimCLR {simclr} menemukan bahwa "
    "menghitung loss pada z, bukan pada h, meningkatkan hasil linear probe pada h, karena head "
    "dapat membuang informasi yang oleh loss dipaksa menjadi invarian.",
    "loss_before": "Untuk pasangan positif (i, j), yaitu dua tampilan dari citra yang sama, loss "
    "InfoNCE (NT-Xent) {cpc}, {simclr} didefinisikan sebagai",
    "loss_after": "dengan sim adalah cosine similarity, \u03c4 adalah temperatur, dan "
    "penjumlahan dilakukan atas 2N \u2212 1 tampilan selain i, sehingga 2N \u2212 2 tampilan "
    "lainnya berperan sebagai sampel negatif. Loss dirata-ratakan atas seluruh 2N pasangan "
    "positif (i, j) dan (j, i). Akurasi top-1 dan top-5 kontrastif adalah proporsi tampilan yang "
    "pasangan positifnya menempati peringkat pertama atau lima besar.",
    # Modifikasi.
    "baseline_only": "Eksperimen ini hanya melatih baseline sehingga tidak ada modifikasi yang "
    "dibandingkan.",
    "modifications_intro": "Setiap modifikasi mengubah konfigurasi {baseline} pada satu aspek "
    "dan mempertahankan pengaturan lain, termasuk seed, sehingga perbedaan hasil dapat "
    "ditelusuri ke perubahan tersebut.",
    "why_arch": "Varian {name} mengganti {before} dengan {after}. Backbone yang lebih dalam dan lebih "
    "lebar memiliki kapasitas lebih besar, dan SimCLR memperoleh manfaat yang lebih besar dari "
    "model besar dibandingkan pelatihan terawasi {simclr}.",
    "why_head_layers": "Varian {name} memakai {after} lapisan head, bukan {before}. Head nonlinear yang "
    "lebih dalam dapat menyerap lebih banyak invariansi yang dipaksakan oleh loss sehingga h "
    "menyimpan lebih banyak informasi untuk linear probe.",
    "why_batch_size": "Varian {name} menaikkan batch size dari {before} menjadi {after} sehingga setiap "
    "tampilan mendapat {negatives_after} sampel negatif, bukan {negatives_before}; SimCLR "
    "{simclr} melaporkan bahwa batch besar paling membantu ketika pelatihan singkat.",
    "why_temperature_with_batch": "Seiring bertambahnya sampel negatif, temperatur dinaikkan dari "
    "{before} menjadi {after}, nilai terbaik di antara yang diuji SimCLR, sedangkan {before} "
    "adalah nilai yang dipakai MoCo {moco}; \u03c4 yang lebih tinggi melunakkan bobot sampel "
    "negatif yang sulit.",
    "why_temperature": "Varian {name} memakai temperatur {after}, bukan {before}.",
    "why_other_change": "Varian {name} mengubah {key} dari {before} menjadi {after}.",
    "same_as_baseline": "Varian {name} memakai pengaturan baseline.",
    # Pengaturan eksperimen.
    "dataset": "Tiny ImageNet {tiny} terdiri atas 200 kelas citra berwarna berukuran "
    "{size}\u00d7{size}, dengan 500 citra latih dan 50 citra validasi per kelas pada rilis "
    "resminya. Eksperimen ini memakai {classes} kelas, {train} citra latih, dan {val} citra "
    "validasi{subset} Pelatihan hanya memakai citra; label dipakai untuk evaluasi.",
    "is_subset": ", yaitu sebagian dari split resmi.",
    "training": "Setiap varian dilatih selama {epochs} epoch dengan optimizer {optimizer}, "
    "learning rate {lr}, weight decay {weight_decay}, dan jadwal {schedule}{warmup} yang "
    "diperbarui setiap langkah, dengan seed {seed}, pada {devices}. Tabel I memuat pengaturan "
    "yang berbeda antarvarian.",
    "warmup": " setelah warm-up linear selama {epochs} epoch",
    "evaluation": "Backbone hasil pelatihan dibekukan, lalu fitur h dari citra latih dipakai "
    "untuk melatih classifier linear (linear probe) dan classifier kNN (k \u2208 {{{ks}}}); "
    "keduanya diuji pada citra validasi. Backbone berinisialisasi acak dengan arsitektur yang "
    "sama dievaluasi dengan cara yang sama untuk menunjukkan seberapa besar akurasi yang berasal "
    "dari pelatihan. t-SNE {tsne} memetakan fitur validasi dari {classes} kelas (perplexity "
    "{perplexity}), dan skor silhouette fitur tersebut, dengan kelas sebagai klaster, mengukur "
    "seberapa baik kelas-kelas itu terpisah.",
    # Hasil dan kesimpulan.
    "results_intro": "Tabel II memuat loss dan akurasi kontrastif rata-rata pada epoch terakhir, "
    "akurasi fitur yang dibekukan, skor silhouette, waktu pelatihan, dan throughput. Akurasi "
    "dinyatakan dalam persen dengan satu desimal, sedangkan loss dan silhouette dengan tiga "
    "desimal; tingkat peluang acak (chance) adalah {chance}%.",
    "curve_figures": "Gambar {loss} menampilkan loss pada setiap langkah optimizer dan Gambar "
    "{top1} akurasi top-1 kontrastif pada setiap epoch, sedangkan Gambar {lr} menampilkan "
    "learning rate pada setiap langkah.",
    "accuracy_figure": "Gambar {figure} membandingkan akurasi tersebut dengan akurasi referensi "
    "berinisialisasi acak dan dengan tingkat peluang acak.",
    "tsne_figure": "Gambar {figure} menampilkan embedding t-SNE dengan satu warna untuk setiap "
    "kelas di semua panel.",
    "batch_dependence": "Akurasi dan loss kontrastif bergantung pada batch size karena batch yang "
    "lebih besar menambah kandidat yang bersaing dengan pasangan positif.",
    "faster_summary": "Pada epoch yang sama, {names} konvergen lebih cepat daripada baseline.",
    "none_faster": "Tidak ada varian dengan loss yang sebanding yang konvergen lebih cepat "
    "daripada baseline.",
    "reference_summary_all": "Setiap varian yang dilatih mengungguli referensi berinisialisasi "
    "acaknya pada top-1 linear.",
    "reference_summary_none": "Belum ada varian yang dilatih yang mengungguli referensi "
    "berinisialisasi acaknya pada top-1 linear.",
    "reference_summary_some": "{above} dari {total} varian yang dilatih mengungguli referensi "
    "berinisialisasi acaknya pada top-1 linear.",
    "longer_run": "Pelatihan yang lebih panjang pada seluruh data latih diperlukan sebelum "
    "perbedaan ini dapat dikaitkan dengan modifikasi, bukan dengan tahap awal pelatihan.",
}
