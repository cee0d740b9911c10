//! Cross-modal retrieval: top-k accuracy of queries against a gallery, the
//! retrieval confusion matrix, and the paper's zero-shot protocol (seen and
//! unseen classes, both directions).

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::data::{check_features, check_labels, check_width, select_classes};
use crate::error::{Error, Result, invalid};
use crate::metrics::ConfusionMatrix;

/// How a query is compared with a gallery item (larger = nearer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Similarity {
    /// Cosine similarity (the paper's metric).
    Cosine,
    /// Minus the squared Euclidean distance (the prototypical network's metric).
    NegSquaredEuclidean,
}

/// Which modality searches which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Audio queries, image gallery (the paper's headline metric).
    AudioToImage,
    /// Image queries, audio gallery.
    ImageToAudio,
}

/// Anything that embeds both modalities into one space.
pub trait CrossModalEmbedder {
    /// Image features (samples x image features) -> embeddings (samples x dim).
    fn embed_image(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>>;
    /// Audio features (samples x audio features) -> embeddings (samples x dim).
    fn embed_audio(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>>;
    /// The similarity the model was trained for.
    fn similarity(&self) -> Similarity;
}

/// Labelled samples: a feature (or embedding) matrix, one row per sample, and
/// its labels.
#[derive(Clone, Copy, Debug)]
pub struct LabeledSet<'a> {
    /// Samples x features.
    pub features: &'a DMatrix<f64>,
    /// One class index per row.
    pub labels: &'a [usize],
}

/// Top-k retrieval accuracy and the top-1 confusion of one query set
/// against one gallery.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetrievalReport {
    /// The k values evaluated, as given.
    pub ks: Vec<usize>,
    /// `top_k[i]`: fraction of queries for which one of the `ks[i]` nearest
    /// gallery items has the query's class.
    pub top_k: Vec<f64>,
    /// Number of queries.
    pub n_queries: usize,
    /// Number of gallery items.
    pub n_gallery: usize,
    /// Query class (row) versus the class of the nearest gallery item (column).
    pub confusion: ConfusionMatrix,
    /// Top-1 accuracy per query class (`None`: no query of that class).
    pub per_class_top1: Vec<Option<f64>>,
    /// Each query's class, in query order.
    pub query_labels: Vec<usize>,
    /// The class of each query's nearest gallery item (top-1), in query
    /// order: with `query_labels`, the paired predictions that
    /// [`crate::mcnemar`] compares between two models on the same queries.
    pub retrieved: Vec<usize>,
    /// The gallery index of each query's nearest item (top-1), in query
    /// order: what [`RetrievalReport::hubness`] counts.
    pub retrieved_items: Vec<usize>,
}

impl RetrievalReport {
    /// Top-1 accuracy (`ks` must contain 1; otherwise computed from the confusion).
    pub fn top1(&self) -> f64 {
        self.ks
            .iter()
            .position(|&k| k == 1)
            .map_or_else(|| self.confusion.accuracy(), |i| self.top_k[i])
    }

    /// Queries whose nearest gallery item has their class.
    pub fn top1_correct(&self) -> usize {
        self.query_labels
            .iter()
            .zip(&self.retrieved)
            .filter(|(q, r)| q == r)
            .count()
    }

    /// The 95 % Wilson interval of the top-1 accuracy over the queries
    /// ([`crate::wilson_interval`]), as fractions.
    pub fn top1_interval(&self) -> (f64, f64) {
        crate::wilson_interval(self.top1_correct(), self.n_queries)
    }

    /// McNemar's exact test of this retrieval's top-1 against `other`'s on
    /// the same queries (`first_only`: queries only this one gets right).
    /// An error if the two were not evaluated on the same query labels.
    pub fn mcnemar_against(&self, other: &RetrievalReport) -> Result<crate::McNemar> {
        if self.query_labels != other.query_labels {
            return Err(invalid(
                "other retrieval",
                format!("{} queries", other.query_labels.len()),
                &format!(
                    "the same {} query labels in the same order",
                    self.query_labels.len()
                ),
            ));
        }
        crate::mcnemar(&self.query_labels, &self.retrieved, &other.retrieved)
    }

    /// Accuracy at `k`, if it was evaluated.
    pub fn at(&self, k: usize) -> Option<f64> {
        self.ks.iter().position(|&x| x == k).map(|i| self.top_k[i])
    }

    /// How many queries retrieved (top-1) an item of each class, indexed by
    /// class.
    pub fn retrieved_counts(&self) -> Vec<u64> {
        (0..self.confusion.n_classes)
            .map(|c| self.confusion.predicted(c))
            .collect()
    }

    /// The collapse diagnostic: the class that most queries retrieved
    /// (top-1; the lowest class on ties) and the share of queries that
    /// retrieved it. A retrieval that ignores the query sends every query to
    /// one class (share 1); a perfect one on balanced queries gives the
    /// largest class's share of the queries (`1 / classes` when balanced).
    /// `None` without queries.
    pub fn collapse(&self) -> Option<Collapse> {
        let counts = self.retrieved_counts();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let (class, &most) = counts
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
        let queried = (0..self.confusion.n_classes)
            .filter(|&c| self.confusion.support(c) > 0)
            .count();
        let largest = (0..self.confusion.n_classes)
            .map(|c| self.confusion.support(c))
            .max()
            .unwrap_or(0);
        Some(Collapse {
            class,
            share: most as f64 / total as f64,
            chance: 1.0 / queried.max(1) as f64,
            largest_query_class: largest as f64 / total as f64,
        })
    }
}

/// Hubness of a retrieval: how unevenly the queries' nearest neighbours
/// spread over the gallery items. In high-dimensional embedding spaces a few
/// items ("hubs") can be the nearest neighbour of many queries whatever the
/// query, which sends many queries to one class (see [`Collapse`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hubness {
    /// The gallery index that most queries retrieved (top-1; the lowest
    /// index on ties).
    pub item: usize,
    /// Share of the queries that retrieved it, in (0, 1]; `1 / n_gallery`
    /// at the most even spread when queries outnumber items.
    pub share: f64,
    /// How many distinct gallery items are some query's top-1.
    pub distinct_items: usize,
    /// The gallery size.
    pub n_gallery: usize,
}

impl RetrievalReport {
    /// The hubness of this retrieval; `None` without queries.
    pub fn hubness(&self) -> Option<Hubness> {
        let mut counts = vec![0usize; self.n_gallery];
        for &g in &self.retrieved_items {
            counts[g] += 1;
        }
        let (item, &most) = counts
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
        if most == 0 {
            return None;
        }
        Some(Hubness {
            item,
            share: most as f64 / self.retrieved_items.len() as f64,
            distinct_items: counts.iter().filter(|&&c| c > 0).count(),
            n_gallery: self.n_gallery,
        })
    }
}

/// A cross-modal model whose embeddings of each call are centred on that
/// call's own mean (per modality), before the model's similarity.
///
/// **Transductive**: the mean comes from the very samples being embedded
/// (for retrieval, the unlabelled test queries and gallery of one digit
/// set), so results with it are not comparable with the inductive
/// protocol and are reported only as a labelled diagnostic. Centring
/// removes the direction shared by all embeddings of a modality, the usual
/// cause of hubs under cosine similarity.
#[derive(Clone, Copy, Debug)]
pub struct BatchCentred<'a, M: ?Sized>(pub &'a M);

impl<M: CrossModalEmbedder + ?Sized> BatchCentred<'_, M> {
    fn centre(mut e: DMatrix<f64>) -> DMatrix<f64> {
        if e.nrows() == 0 {
            return e;
        }
        let n = e.nrows() as f64;
        for mut col in e.column_iter_mut() {
            let mean = col.sum() / n;
            col.add_scalar_mut(-mean);
        }
        e
    }
}

impl<M: CrossModalEmbedder + ?Sized> CrossModalEmbedder for BatchCentred<'_, M> {
    fn embed_image(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        Ok(Self::centre(self.0.embed_image(x)?))
    }
    fn embed_audio(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
        Ok(Self::centre(self.0.embed_audio(x)?))
    }
    fn similarity(&self) -> Similarity {
        self.0.similarity()
    }
}

/// The collapse diagnostic of a retrieval: does (almost) every query
/// retrieve the same class?
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Collapse {
    /// The class most queries retrieved.
    pub class: usize,
    /// Share of the queries that retrieved it, in (0, 1].
    pub share: f64,
    /// `1 / (classes with queries)`: the share when queries are balanced
    /// and retrieval spreads as they do.
    pub chance: f64,
    /// The largest query class's share of the queries: what a perfect
    /// retrieval gives.
    pub largest_query_class: f64,
}

/// Retrieves, for each query embedding, the nearest gallery embeddings.
///
/// A query is correct at `k` if one of its `k` most similar gallery items has
/// the query's class. Ties in similarity are broken by the lower gallery
/// index. Both sets are explicit inputs (the caller chooses which test
/// samples form the gallery). Embeddings need not be normalised: `Cosine`
/// normalises them here.
pub fn retrieve(
    queries: LabeledSet<'_>,
    gallery: LabeledSet<'_>,
    n_classes: usize,
    ks: &[usize],
    similarity: Similarity,
) -> Result<RetrievalReport> {
    check_features("retrieval queries", queries.features)?;
    check_features("retrieval gallery", gallery.features)?;
    check_width(
        "retrieval gallery",
        gallery.features,
        queries.features.ncols(),
    )?;
    check_labels(
        "retrieval query labels",
        queries.labels,
        queries.features.nrows(),
        n_classes,
    )?;
    check_labels(
        "retrieval gallery labels",
        gallery.labels,
        gallery.features.nrows(),
        n_classes,
    )?;
    let n_gallery = gallery.features.nrows();
    if ks.is_empty() {
        return Err(invalid("ks", "[]", "at least one k"));
    }
    if let Some(&k) = ks.iter().find(|&&k| k == 0 || k > n_gallery) {
        return Err(invalid(
            "ks",
            k,
            &format!("in 1..={n_gallery} (the gallery size)"),
        ));
    }
    let sim = similarity_matrix(queries.features, gallery.features, similarity);
    let kmax = *ks.iter().max().unwrap_or(&1);
    let mut hits = vec![0usize; ks.len()];
    let mut confusion = ConfusionMatrix::new(n_classes);
    let mut order: Vec<usize> = Vec::with_capacity(n_gallery);
    let mut retrieved = Vec::with_capacity(queries.labels.len());
    let mut retrieved_items = Vec::with_capacity(queries.labels.len());
    for (qi, &ql) in queries.labels.iter().enumerate() {
        order.clear();
        order.extend(0..n_gallery);
        let row = |g: usize| sim[(qi, g)];
        // Partial selection of the kmax best, then a stable ordering of them.
        let by = |a: &usize, b: &usize| row(*b).total_cmp(&row(*a)).then(a.cmp(b));
        if kmax < n_gallery {
            order.select_nth_unstable_by(kmax - 1, by);
            order.truncate(kmax);
        }
        order.sort_unstable_by(by);
        confusion.add(ql, gallery.labels[order[0]]);
        retrieved.push(gallery.labels[order[0]]);
        retrieved_items.push(order[0]);
        let first_hit = order.iter().position(|&g| gallery.labels[g] == ql);
        for (h, &k) in hits.iter_mut().zip(ks) {
            if first_hit.is_some_and(|p| p < k) {
                *h += 1;
            }
        }
    }
    let n_queries = queries.labels.len();
    Ok(RetrievalReport {
        ks: ks.to_vec(),
        top_k: hits.iter().map(|&h| h as f64 / n_queries as f64).collect(),
        n_queries,
        n_gallery,
        per_class_top1: confusion.per_class_accuracy(),
        confusion,
        query_labels: queries.labels.to_vec(),
        retrieved,
        retrieved_items,
    })
}

/// Queries x gallery similarities.
pub fn similarity_matrix(
    q: &DMatrix<f64>,
    g: &DMatrix<f64>,
    similarity: Similarity,
) -> DMatrix<f64> {
    let mut s = DMatrix::zeros(0, 0);
    crate::data::gemm(&mut s, 1.0, crate::data::Op::N(q), crate::data::Op::T(g));
    let qn: Vec<f64> = q.row_iter().map(|r| r.norm_squared()).collect();
    let gn: Vec<f64> = g.row_iter().map(|r| r.norm_squared()).collect();
    match similarity {
        Similarity::Cosine => {
            let floor = crate::nn::NORM_FLOOR;
            for j in 0..g.nrows() {
                for i in 0..q.nrows() {
                    s[(i, j)] /= qn[i].sqrt().max(floor) * gn[j].sqrt().max(floor);
                }
            }
        }
        Similarity::NegSquaredEuclidean => {
            for j in 0..g.nrows() {
                for i in 0..q.nrows() {
                    s[(i, j)] = 2.0 * s[(i, j)] - qn[i] - gn[j];
                }
            }
        }
    }
    s
}

/// Retrieval in one direction with a trained cross-modal model: embeds the
/// query set and the gallery with the right projections and calls [`retrieve`]
/// with the model's similarity.
pub fn cross_modal_retrieval<M: CrossModalEmbedder + ?Sized>(
    model: &M,
    direction: Direction,
    images: LabeledSet<'_>,
    audio: LabeledSet<'_>,
    n_classes: usize,
    ks: &[usize],
) -> Result<RetrievalReport> {
    let ei = model.embed_image(images.features)?;
    let ea = model.embed_audio(audio.features)?;
    let iset = LabeledSet {
        features: &ei,
        labels: images.labels,
    };
    let aset = LabeledSet {
        features: &ea,
        labels: audio.labels,
    };
    match direction {
        Direction::AudioToImage => retrieve(aset, iset, n_classes, ks, model.similarity()),
        Direction::ImageToAudio => retrieve(iset, aset, n_classes, ks, model.similarity()),
    }
}

/// Both directions on one pair of sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BidirectionalReport {
    /// Audio queries against the image gallery.
    pub audio_to_image: RetrievalReport,
    /// Image queries against the audio gallery.
    pub image_to_audio: RetrievalReport,
}

/// The paper's zero-shot evaluation: seen and unseen classes separately.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZeroShotReport {
    /// Classes trained on (queries and galleries restricted to them).
    pub seen_classes: Vec<usize>,
    /// Classes never trained on.
    pub unseen_classes: Vec<usize>,
    /// Retrieval among the seen classes' test samples.
    pub seen: BidirectionalReport,
    /// Retrieval among the unseen classes' test samples.
    pub unseen: BidirectionalReport,
}

/// Evaluates a cross-modal model as the paper does: for each of the seen and
/// the unseen class lists, the test images and test audio of those classes
/// form the galleries and query sets; audio-search-image and
/// image-search-audio top-k, with confusion matrices.
pub fn zero_shot_report<M: CrossModalEmbedder + ?Sized>(
    model: &M,
    test_images: LabeledSet<'_>,
    test_audio: LabeledSet<'_>,
    seen_classes: &[usize],
    unseen_classes: &[usize],
    n_classes: usize,
    ks: &[usize],
) -> Result<ZeroShotReport> {
    if let Some(c) = seen_classes.iter().find(|c| unseen_classes.contains(c)) {
        return Err(invalid("unseen_classes", c, "disjoint from seen_classes"));
    }
    let eval = |classes: &[usize], name: &str| -> Result<BidirectionalReport> {
        let (xi, yi, _) = select_classes(test_images.features, test_images.labels, classes)?;
        let (xa, ya, _) = select_classes(test_audio.features, test_audio.labels, classes)?;
        if yi.is_empty() || ya.is_empty() {
            return Err(Error::InsufficientData {
                what: format!("zero-shot evaluation on {name} classes {classes:?}"),
                why: format!(
                    "{} test images and {} test audio samples of these classes",
                    yi.len(),
                    ya.len()
                ),
            });
        }
        let i = LabeledSet {
            features: &xi,
            labels: &yi,
        };
        let a = LabeledSet {
            features: &xa,
            labels: &ya,
        };
        Ok(BidirectionalReport {
            audio_to_image: cross_modal_retrieval(
                model,
                Direction::AudioToImage,
                i,
                a,
                n_classes,
                ks,
            )?,
            image_to_audio: cross_modal_retrieval(
                model,
                Direction::ImageToAudio,
                i,
                a,
                n_classes,
                ks,
            )?,
        })
    };
    Ok(ZeroShotReport {
        seen_classes: seen_classes.to_vec(),
        unseen_classes: unseen_classes.to_vec(),
        seen: eval(seen_classes, "seen")?,
        unseen: eval(unseen_classes, "unseen")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_counted_retrieval() {
        // Gallery on the unit circle: g0 at 0 deg (class 0), g1 at 90 deg
        // (class 1), g2 at 10 deg (class 1), g3 at 180 deg (class 2).
        let d = |deg: f64| (deg.to_radians().cos(), deg.to_radians().sin());
        let pts = [d(0.0), d(90.0), d(10.0), d(180.0)];
        let gallery = DMatrix::from_fn(4, 2, |i, j| if j == 0 { pts[i].0 } else { pts[i].1 });
        let gl = [0, 1, 1, 2];
        // Queries (scaled: cosine ignores length):
        //  q0 at 2 deg, class 0: nearest g0 (2), then g2 (8) -> top1 hit.
        //  q1 at 7 deg, class 0: nearest g2 (3, class 1), then g0 (7) -> top1 miss, top2 hit.
        //  q2 at 60 deg, class 1: nearest g1 (30) -> hit.
        //  q3 at 170 deg, class 1: g3 (10, class 2), g1 (80), g2 (160) -> top1 miss, top2 hit.
        //  q4 at -100 deg, class 2: angles g0 100, g1 170, g2 110, g3 80 -> g3 hit.
        let qd = [2.0, 7.0, 60.0, 170.0, -100.0];
        let queries = DMatrix::from_fn(5, 2, |i, j| {
            let (c, s) = d(qd[i]);
            3.0 * if j == 0 { c } else { s }
        });
        let ql = [0, 0, 1, 1, 2];
        let r = retrieve(
            LabeledSet {
                features: &queries,
                labels: &ql,
            },
            LabeledSet {
                features: &gallery,
                labels: &gl,
            },
            3,
            &[1, 2, 4],
            Similarity::Cosine,
        )
        .unwrap();
        assert_eq!(r.top_k, vec![3.0 / 5.0, 1.0, 1.0]);
        assert_eq!(r.top1(), 0.6);
        // Confusion: q0 0->0, q1 0->1, q2 1->1, q3 1->2, q4 2->2.
        assert_eq!(r.confusion.count(0, 0), 1);
        assert_eq!(r.confusion.count(0, 1), 1);
        assert_eq!(r.confusion.count(1, 1), 1);
        assert_eq!(r.confusion.count(1, 2), 1);
        assert_eq!(r.confusion.count(2, 2), 1);
        assert_eq!(r.per_class_top1, vec![Some(0.5), Some(0.5), Some(1.0)]);
        // Retrieved top-1 classes: 0 once, 1 twice, 2 twice; classes 1 and
        // 2 tie at 2 of 5 and the lower class is named.
        assert_eq!(r.retrieved_counts(), vec![1, 2, 2]);
        let c = r.collapse().unwrap();
        assert_eq!((c.class, c.share), (1, 0.4));
        assert_eq!(c.chance, 1.0 / 3.0);
        assert_eq!(c.largest_query_class, 0.4);
        // The paired predictions, query by query.
        assert_eq!(r.query_labels, ql);
        assert_eq!(r.retrieved, vec![0, 1, 1, 2, 2]);
        assert_eq!(r.top1_correct(), 3);
        assert_eq!(r.top1_interval(), crate::wilson_interval(3, 5));
        // Top-1 gallery items g0, g2, g1, g3, g3: g3 is the hub (2 of 5),
        // all 4 items are someone's nearest.
        assert_eq!(r.retrieved_items, vec![0, 2, 1, 3, 3]);
        let h = r.hubness().unwrap();
        assert_eq!(
            (h.item, h.share, h.distinct_items, h.n_gallery),
            (3, 0.4, 4, 4)
        );
        // Against a retrieval that gets q1 right and q2 wrong: one
        // discordant query each way.
        let mut other = r.clone();
        other.retrieved = vec![0, 0, 2, 2, 2];
        let t = r.mcnemar_against(&other).unwrap();
        assert_eq!((t.first_only, t.second_only), (1, 1));
        other.query_labels.pop();
        let e = r.mcnemar_against(&other).unwrap_err();
        assert!(e.to_string().contains("same 5 query labels"), "{e}");
        // k beyond the gallery is an error naming the range.
        let e = retrieve(
            LabeledSet {
                features: &queries,
                labels: &ql,
            },
            LabeledSet {
                features: &gallery,
                labels: &gl,
            },
            3,
            &[5],
            Similarity::Cosine,
        )
        .unwrap_err();
        assert!(e.to_string().contains("1..=4"), "{e}");
    }

    /// Embeds by adding a fixed offset to every sample (a direction shared
    /// by the whole modality).
    struct Offset(f64);

    impl CrossModalEmbedder for Offset {
        fn embed_image(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
            Ok(x.add_scalar(self.0))
        }
        fn embed_audio(&self, x: &DMatrix<f64>) -> Result<DMatrix<f64>> {
            Ok(x.add_scalar(-self.0))
        }
        fn similarity(&self) -> Similarity {
            Similarity::Cosine
        }
    }

    #[test]
    fn batch_centring_removes_each_calls_mean() {
        let x = DMatrix::from_row_slice(3, 2, &[1.0, 2.0, 3.0, -1.0, 5.0, 0.5]);
        let model = Offset(10.0);
        let centred = BatchCentred(&model);
        for e in [
            centred.embed_image(&x).unwrap(),
            centred.embed_audio(&x).unwrap(),
        ] {
            // The offset and the data's own column means are gone.
            for j in 0..2 {
                let col = x.column(j);
                let mean = col.sum() / 3.0;
                for i in 0..3 {
                    assert!((e[(i, j)] - (x[(i, j)] - mean)).abs() < 1e-12);
                }
            }
        }
        assert_eq!(centred.similarity(), Similarity::Cosine);
        // Under the offsets (opposite per modality), cosine sends two of the
        // three queries to one gallery item; centred, each finds its own
        // class.
        let d = |deg: f64| (deg.to_radians().cos(), deg.to_radians().sin());
        let angles = [0.0, 120.0, 240.0];
        let pts = DMatrix::from_fn(3, 2, |i, j| {
            let (c, s) = d(angles[i]);
            if j == 0 { c } else { s }
        });
        let labels = [0, 1, 2];
        let set = LabeledSet {
            features: &pts,
            labels: &labels,
        };
        let run = |m: &dyn CrossModalEmbedder| {
            cross_modal_retrieval(m, Direction::AudioToImage, set, set, 3, &[1]).unwrap()
        };
        let plain = run(&model);
        assert!(plain.top1() < 1.0, "{plain:?}");
        assert_eq!(plain.hubness().unwrap().distinct_items, 2, "{plain:?}");
        assert_eq!(run(&centred).top1(), 1.0);
    }

    #[test]
    fn euclidean_and_ties() {
        // Two identical gallery items of different classes: the lower index wins.
        let gallery = DMatrix::from_row_slice(3, 1, &[1.0, 1.0, 5.0]);
        let gl = [1, 0, 0];
        let q = DMatrix::from_row_slice(2, 1, &[1.2, 4.0]);
        let ql = [0, 0];
        let r = retrieve(
            LabeledSet {
                features: &q,
                labels: &ql,
            },
            LabeledSet {
                features: &gallery,
                labels: &gl,
            },
            2,
            &[1, 2],
            Similarity::NegSquaredEuclidean,
        )
        .unwrap();
        // q0: nearest are g0 and g1 (tie, g0 first, class 1): miss at 1, hit at 2.
        // q1: nearest g2 (class 0): hit.
        assert_eq!(r.top_k, vec![0.5, 1.0]);
    }
}
