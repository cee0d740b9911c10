//! Labelled datasets: an index of samples, loaded one at a time.
//!
//! A dataset never holds the events of all its samples: an [`EventSource`]
//! keeps only an index (key, split, label and where the bytes are) and
//! decodes a sample when asked, so the 70,000 N-MNIST files stream through
//! a few kilobytes of memory. A [`Dataset`] is a view of a source: the
//! positions of the samples it selects, in a stable order. Class filters,
//! stratified splits and class-balanced subsampling produce new views; the
//! source is shared (`Arc`), never copied.
//!
//! Order: every view keeps its samples in the source's order (sources sort
//! their samples, see [`crate::nmnist::NmnistSource`]); randomness only
//! decides *which* samples a view keeps, never their order, so a result
//! depends on the seed and not on the thread that computed it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::event::{Event, EventStream};
use param_guard::ParamError;

/// Which part of a dataset a sample belongs to, as its files say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Training samples.
    Train,
    /// Test samples.
    Test,
}

impl Split {
    /// Both splits, train first.
    pub const ALL: [Split; 2] = [Split::Train, Split::Test];

    /// Lower-case name: `train` or `test` (the N-TIDIGITS prefix).
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }

    /// The N-MNIST folder name: `Train` or `Test`.
    pub fn nmnist_dir(self) -> &'static str {
        match self {
            Split::Train => "Train",
            Split::Test => "Test",
        }
    }

    /// Parses `train` / `test` in any letter case.
    pub fn from_name(name: &str) -> Option<Split> {
        if name.eq_ignore_ascii_case("train") {
            Some(Split::Train)
        } else if name.eq_ignore_ascii_case("test") {
            Some(Split::Test)
        } else {
            None
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Sort rank of an optional split: train, test, then none.
pub(crate) fn split_rank(split: Option<Split>) -> u8 {
    match split {
        Some(Split::Train) => 0,
        Some(Split::Test) => 1,
        None => 2,
    }
}

/// What the index knows about one sample without reading its events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleInfo {
    /// The sample's name in its source: the member path for N-MNIST
    /// (`Train/3/00012.bin`), the key for N-TIDIGITS (`man-im-a-7`).
    pub key: String,
    /// The split the files put it in, if they say.
    pub split: Option<Split>,
    /// The class label, if the sample has one (an N-MNIST file outside a
    /// digit folder or a multi-digit N-TIDIGITS utterance has none).
    pub label: Option<u16>,
}

/// A set of samples that can be listed without reading them and loaded one
/// at a time. Implemented by the N-MNIST and N-TIDIGITS readers and by
/// [`InMemorySource`] (for emulated or synthetic data).
pub trait EventSource: Send + Sync {
    /// The kind of event the samples hold.
    type Event: Event;

    /// A name for messages: the file or directory read.
    fn name(&self) -> &str;

    /// The index of all samples, in the source's stable order.
    fn samples(&self) -> &[SampleInfo];

    /// Decodes sample `index` (a position in [`EventSource::samples`]).
    fn load(&self, index: usize) -> Result<EventStream<Self::Event>>;

    /// Number of samples.
    fn len(&self) -> usize {
        self.samples().len()
    }

    /// Whether there is no sample.
    fn is_empty(&self) -> bool {
        self.samples().is_empty()
    }
}

/// The error for an index outside a source.
pub(crate) fn index_error(name: &str, index: usize, len: usize) -> Error {
    Error::IndexOutOfRange {
        source_name: name.to_owned(),
        index,
        len,
    }
}

/// Samples held in memory, e.g. emulated or synthetic data before (or instead
/// of) writing them to files.
#[derive(Clone, Debug)]
pub struct InMemorySource<E: Event> {
    name: String,
    samples: Vec<SampleInfo>,
    streams: Vec<EventStream<E>>,
}

impl<E: Event> InMemorySource<E> {
    /// An empty source called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            samples: Vec::new(),
            streams: Vec::new(),
        }
    }

    /// Appends a sample; samples keep the order they were pushed in.
    pub fn push(&mut self, info: SampleInfo, stream: EventStream<E>) {
        self.samples.push(info);
        self.streams.push(stream);
    }

    /// The stream of sample `index`, borrowed.
    pub fn stream(&self, index: usize) -> Option<&EventStream<E>> {
        self.streams.get(index)
    }
}

impl<E: Event> EventSource for InMemorySource<E> {
    type Event = E;

    fn name(&self) -> &str {
        &self.name
    }

    fn samples(&self) -> &[SampleInfo] {
        &self.samples
    }

    fn load(&self, index: usize) -> Result<EventStream<E>> {
        self.streams
            .get(index)
            .cloned()
            .ok_or_else(|| index_error(&self.name, index, self.streams.len()))
    }
}

/// A labelled view of an [`EventSource`]: which samples, in source order,
/// each with its class label.
pub struct Dataset<S: EventSource> {
    source: Arc<S>,
    positions: Vec<usize>,
    labels: Vec<u16>,
}

impl<S: EventSource> Clone for Dataset<S> {
    fn clone(&self) -> Self {
        Self {
            source: Arc::clone(&self.source),
            positions: self.positions.clone(),
            labels: self.labels.clone(),
        }
    }
}

impl<S: EventSource> fmt::Debug for Dataset<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("source", &self.source.name())
            .field("samples", &self.positions.len())
            .field("class_counts", &self.class_counts())
            .finish()
    }
}

impl<S: EventSource> Dataset<S> {
    /// Every sample of `source`. Each must have a label, else
    /// [`Error::Unlabelled`] names the first that does not.
    pub fn new(source: S) -> Result<Self> {
        Self::from_arc(Arc::new(source))
    }

    /// Like [`Dataset::new`] for a source that is already shared.
    pub fn from_arc(source: Arc<S>) -> Result<Self> {
        let mut labels = Vec::with_capacity(source.samples().len());
        for info in source.samples() {
            match info.label {
                Some(l) => labels.push(l),
                None => {
                    return Err(Error::Unlabelled {
                        key: info.key.clone(),
                        source_name: source.name().to_owned(),
                    });
                }
            }
        }
        let positions = (0..labels.len()).collect();
        Ok(Self {
            source,
            positions,
            labels,
        })
    }

    /// The shared source.
    pub fn source(&self) -> &Arc<S> {
        &self.source
    }

    /// Number of samples in this view.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Whether this view is empty.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// The labels, one per sample of this view.
    pub fn labels(&self) -> &[u16] {
        &self.labels
    }

    /// The labels as `usize` class indices, one per sample of this view:
    /// what `readout` and `baselines` take (labels are `u16` here because
    /// that is what the file formats carry).
    pub fn labels_usize(&self) -> Vec<usize> {
        self.labels.iter().map(|&l| usize::from(l)).collect()
    }

    /// Label of sample `i` of this view. Panics if `i >= len()`, like slice
    /// indexing.
    pub fn label(&self, i: usize) -> u16 {
        self.labels[i]
    }

    /// Position in the source of sample `i` of this view. Panics if
    /// `i >= len()`, like slice indexing.
    pub fn source_index(&self, i: usize) -> usize {
        self.positions[i]
    }

    /// Index entry of sample `i` of this view. Panics if `i >= len()`, like
    /// slice indexing.
    pub fn info(&self, i: usize) -> &SampleInfo {
        &self.source.samples()[self.positions[i]]
    }

    /// Decodes sample `i` of this view.
    pub fn load(&self, i: usize) -> Result<EventStream<S::Event>> {
        let position = *self
            .positions
            .get(i)
            .ok_or_else(|| index_error(self.source.name(), i, self.positions.len()))?;
        self.source.load(position)
    }

    /// Streams `(label, events)` for every sample of this view, in order,
    /// decoding one sample at a time.
    pub fn iter(&self) -> impl Iterator<Item = Result<(u16, EventStream<S::Event>)>> + '_ {
        (0..self.len()).map(move |i| self.load(i).map(|s| (self.labels[i], s)))
    }

    /// Number of samples per class.
    pub fn class_counts(&self) -> BTreeMap<u16, usize> {
        let mut counts = BTreeMap::new();
        for &l in &self.labels {
            *counts.entry(l).or_insert(0) += 1;
        }
        counts
    }

    /// The samples for which `keep(info, label)` is true, in order.
    pub fn filter(&self, mut keep: impl FnMut(&SampleInfo, u16) -> bool) -> Self {
        let chosen: Vec<usize> = (0..self.len())
            .filter(|&i| keep(self.info(i), self.labels[i]))
            .collect();
        self.subset(&chosen)
    }

    /// The samples of one split.
    pub fn split(&self, split: Split) -> Self {
        self.filter(|info, _| info.split == Some(split))
    }

    /// The samples whose label is in `classes` (e.g. digits 1-7 seen in
    /// training, 8-9 unseen).
    pub fn filter_classes(&self, classes: &[u16]) -> Self {
        self.filter(|_, l| classes.contains(&l))
    }

    /// The samples at positions `chosen` of this view (any order; kept in
    /// view order, repeats merged).
    pub fn select(&self, chosen: &[usize]) -> Result<Self> {
        if let Some(&bad) = chosen.iter().find(|&&i| i >= self.len()) {
            return Err(index_error(self.source.name(), bad, self.len()));
        }
        let mut sorted = chosen.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        Ok(self.subset(&sorted))
    }

    /// View positions `chosen` (sorted, in range).
    fn subset(&self, chosen: &[usize]) -> Self {
        Self {
            source: Arc::clone(&self.source),
            positions: chosen.iter().map(|&i| self.positions[i]).collect(),
            labels: chosen.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// View positions of each class, in order.
    fn by_class(&self) -> BTreeMap<u16, Vec<usize>> {
        let mut classes: BTreeMap<u16, Vec<usize>> = BTreeMap::new();
        for (i, &l) in self.labels.iter().enumerate() {
            classes.entry(l).or_default().push(i);
        }
        classes
    }

    /// A stratified random split: in every class, `round(n_c * fraction)` of
    /// its `n_c` samples go to the first part and the rest to the second.
    /// Which samples is drawn from `rng` (take it from
    /// `seeds::Purpose::DataSplit`) by [`seeds::stratified_split`], whose
    /// convention this is; both parts keep view order.
    pub fn stratified_split<R: Rng + ?Sized>(
        &self,
        fraction: f64,
        rng: &mut R,
    ) -> Result<(Self, Self)> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(Error::InvalidParameter(ParamError {
                field: "fraction".into(),
                value: fraction.to_string(),
                allowed: "in [0, 1]".into(),
            }));
        }
        let (first, second) = seeds::stratified_split(&self.labels, fraction, 0, rng);
        Ok((self.subset(&first), self.subset(&second)))
    }

    /// Class-balanced subsample: exactly `per_class` random samples of every
    /// class present. A class with fewer is [`Error::NotEnoughSamples`].
    pub fn subsample_per_class<R: Rng + ?Sized>(
        &self,
        per_class: usize,
        rng: &mut R,
    ) -> Result<Self> {
        let counts: BTreeMap<u16, usize> = self
            .class_counts()
            .into_keys()
            .map(|l| (l, per_class))
            .collect();
        self.subsample_to_counts(&counts, rng)
    }

    /// Random subsample with `counts[c]` samples of class `c`; classes absent
    /// from `counts` are dropped. This is how the paper matches N-MNIST to the
    /// N-TIDIGITS count per class:
    /// `images.subsample_to_counts(&audio.class_counts(), rng)`.
    pub fn subsample_to_counts<R: Rng + ?Sized>(
        &self,
        counts: &BTreeMap<u16, usize>,
        rng: &mut R,
    ) -> Result<Self> {
        let mut classes = self.by_class();
        let mut chosen = Vec::new();
        for (&label, &want) in counts {
            let members = classes
                .get_mut(&label)
                .map(std::mem::take)
                .unwrap_or_default();
            if members.len() < want {
                return Err(Error::NotEnoughSamples {
                    label,
                    requested: want,
                    available: members.len(),
                });
            }
            let mut members = members;
            seeds::shuffle(&mut members, rng);
            chosen.extend_from_slice(&members[..want]);
        }
        chosen.sort_unstable();
        Ok(self.subset(&chosen))
    }

    /// Pairs of samples `(i, j)`, `i` in this view and `j` in `other`, with
    /// the same label: see [`pair_by_label`].
    pub fn pair_with<T: EventSource, R: Rng + ?Sized>(
        &self,
        other: &Dataset<T>,
        rng: &mut R,
    ) -> Vec<(usize, usize)> {
        pair_by_label(&self.labels, &other.labels, rng)
    }
}

/// Pairs items of two labelled collections by label, for contrastive
/// training of two modalities: in each class both lists of members are
/// shuffled with `rng` and zipped, giving `min(n_a, n_b)` pairs; each item
/// is used at most once. Pairs are grouped by ascending label. Labels must
/// mean the same digit in both collections (for N-TIDIGITS pick the
/// [`crate::ntidigits::LabelMap`] that matches the other modality). This is
/// [`seeds::pair_by_label`] with one pair per item of the smaller side.
pub fn pair_by_label<R: Rng + ?Sized>(a: &[u16], b: &[u16], rng: &mut R) -> Vec<(usize, usize)> {
    seeds::pair_by_label(a, b, None, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AudioEvent, AudioSensor, AudioStream};
    use rand::SeedableRng;
    use seeds::ChaCha8Rng;

    /// A source of `per_class[c]` empty samples of class `c`, alternating
    /// train / test.
    fn source(per_class: &[usize]) -> InMemorySource<AudioEvent> {
        let mut s = InMemorySource::new("test-source");
        let mut n = 0;
        for (c, &count) in per_class.iter().enumerate() {
            for k in 0..count {
                let stream = AudioStream::new(
                    AudioSensor::NTIDIGITS,
                    vec![AudioEvent {
                        t_us: n as u64,
                        channel: 0,
                    }],
                )
                .unwrap();
                s.push(
                    SampleInfo {
                        key: format!("c{c}-{k}"),
                        split: Some(if n % 2 == 0 {
                            Split::Train
                        } else {
                            Split::Test
                        }),
                        label: Some(c as u16),
                    },
                    stream,
                );
                n += 1;
            }
        }
        s
    }

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn filters_keep_order_and_labels() {
        let d = Dataset::new(source(&[3, 4, 5])).unwrap();
        assert_eq!(d.len(), 12);
        let f = d.filter_classes(&[0, 2]);
        assert_eq!(f.labels(), &[0, 0, 0, 2, 2, 2, 2, 2]);
        assert_eq!(f.labels_usize(), vec![0usize, 0, 0, 2, 2, 2, 2, 2]);
        let positions: Vec<usize> = (0..f.len()).map(|i| f.source_index(i)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
        let train = d.split(Split::Train);
        assert_eq!(train.len(), 6);
        assert!((0..train.len()).all(|i| train.info(i).split == Some(Split::Train)));
        // Loading goes through to the right source sample.
        let s = f.load(3).unwrap();
        assert_eq!(s.events()[0].t_us, f.source_index(3) as u64);
    }

    #[test]
    fn stratified_split_is_exact_per_class_and_seeded() {
        let d = Dataset::new(source(&[10, 20, 7])).unwrap();
        let (a, b) = d.stratified_split(0.3, &mut rng(1)).unwrap();
        // round(10*0.3)=3, round(20*0.3)=6, round(7*0.3)=2.
        assert_eq!(a.class_counts(), BTreeMap::from([(0, 3), (1, 6), (2, 2)]));
        assert_eq!(b.class_counts(), BTreeMap::from([(0, 7), (1, 14), (2, 5)]));
        // Disjoint and complete.
        let mut all: Vec<usize> = (0..a.len())
            .map(|i| a.source_index(i))
            .chain((0..b.len()).map(|i| b.source_index(i)))
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..37).collect::<Vec<_>>());
        // Same seed, same split; another seed, another split.
        let (a2, _) = d.stratified_split(0.3, &mut rng(1)).unwrap();
        let (a3, _) = d.stratified_split(0.3, &mut rng(2)).unwrap();
        let idx = |x: &Dataset<_>| (0..x.len()).map(|i| x.source_index(i)).collect::<Vec<_>>();
        assert_eq!(idx(&a), idx(&a2));
        assert_ne!(idx(&a), idx(&a3));
        let err = d.stratified_split(1.5, &mut rng(1)).unwrap_err();
        assert!(err.to_string().contains("fraction"), "{err}");
    }

    #[test]
    fn balanced_subsampling_matches_counts() {
        let images = Dataset::new(source(&[30, 30, 30])).unwrap();
        let audio = Dataset::new(source(&[5, 8, 2])).unwrap();
        let sub = images
            .subsample_to_counts(&audio.class_counts(), &mut rng(3))
            .unwrap();
        assert_eq!(sub.class_counts(), audio.class_counts());
        let per = images.subsample_per_class(4, &mut rng(3)).unwrap();
        assert_eq!(per.class_counts(), BTreeMap::from([(0, 4), (1, 4), (2, 4)]));
        let err = audio.subsample_per_class(6, &mut rng(3)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotEnoughSamples {
                    label: 0,
                    requested: 6,
                    available: 5
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn pairing_uses_each_item_once_with_equal_labels() {
        let a = [0u16, 1, 1, 2, 0, 1, 3];
        let b = [1u16, 0, 1, 1, 1, 2, 2];
        let pairs = pair_by_label(&a, &b, &mut rng(4));
        // Class 0: min(2, 1) = 1; class 1: min(3, 4) = 3; class 2: min(1, 2) = 1; class 3: 0.
        assert_eq!(pairs.len(), 5);
        for &(i, j) in &pairs {
            assert_eq!(a[i], b[j]);
        }
        let mut ia: Vec<usize> = pairs.iter().map(|p| p.0).collect();
        let mut ib: Vec<usize> = pairs.iter().map(|p| p.1).collect();
        ia.sort_unstable();
        ia.dedup();
        ib.sort_unstable();
        ib.dedup();
        assert_eq!((ia.len(), ib.len()), (5, 5));
        assert_eq!(pairs, pair_by_label(&a, &b, &mut rng(4)));
    }

    #[test]
    fn unlabelled_samples_are_refused() {
        let mut s = source(&[1]);
        s.push(
            SampleInfo {
                key: "man-im-a-75".into(),
                split: None,
                label: None,
            },
            AudioStream::empty(AudioSensor::NTIDIGITS),
        );
        let err = Dataset::new(s).unwrap_err();
        assert!(err.to_string().contains("man-im-a-75"), "{err}");
    }
}
