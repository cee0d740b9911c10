//! Sparse binary spike sequences: the sorted active channels of each step.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What the networks of this crate read of a spike sequence: its width, its
/// length and the active channels of each step.
///
/// Every training and evaluation function takes `&[S]` for any `S:
/// SpikeSteps`, so a caller can hand over its own storage without copying
/// (`baselines` cannot depend on `events`; a newtype over
/// `&events::SpikeRaster` implements this in three lines). [`SparseSeq`]
/// implements it.
///
/// Contract: [`SpikeSteps::step`]`(t)` for `t < steps()` returns the active
/// channels of step `t`, strictly increasing and below `channels()`. The
/// entry points check it for every step of every sequence they are given
/// (an error naming the sequence and step, never a panic), so an
/// implementation may panic for `t >= steps()` like slice indexing.
///
/// ```
/// use baselines::{SparseSeq, SpikeSteps};
/// /// Someone else's raster: one sorted channel list per step.
/// struct Steps<'a>(&'a [Vec<u32>], usize);
/// impl SpikeSteps for Steps<'_> {
///     fn channels(&self) -> usize { self.1 }
///     fn steps(&self) -> usize { self.0.len() }
///     fn step(&self, t: usize) -> &[u32] { &self.0[t] }
/// }
/// let raw = vec![vec![1, 3], vec![], vec![0]];
/// let s = Steps(&raw, 4);
/// assert_eq!(SpikeSteps::step(&s, 0), &[1, 3]);
/// let copy = SparseSeq::from_steps(4, raw.iter()).unwrap();
/// assert_eq!(SpikeSteps::channels(&copy), 4);
/// ```
pub trait SpikeSteps: Sync {
    /// Number of channels (the model's inputs).
    fn channels(&self) -> usize;
    /// Number of time steps.
    fn steps(&self) -> usize;
    /// The active channels of step `t`, strictly increasing, each below
    /// [`SpikeSteps::channels`].
    fn step(&self, t: usize) -> &[u32];
}

impl SpikeSteps for SparseSeq {
    fn channels(&self) -> usize {
        self.channels as usize
    }

    fn steps(&self) -> usize {
        SparseSeq::steps(self)
    }

    fn step(&self, t: usize) -> &[u32] {
        SparseSeq::step(self, t)
    }
}

impl<T: SpikeSteps + ?Sized> SpikeSteps for &T {
    fn channels(&self) -> usize {
        (**self).channels()
    }

    fn steps(&self) -> usize {
        (**self).steps()
    }

    fn step(&self, t: usize) -> &[u32] {
        (**self).step(t)
    }
}

/// Checks that every step of `seq` keeps the [`SpikeSteps`] contract:
/// channels strictly increasing and below `channels()`.
pub(crate) fn check_steps<S: SpikeSteps + ?Sized>(what: &str, seq: &S) -> Result<()> {
    let channels = seq.channels();
    for t in 0..seq.steps() {
        let active = seq.step(t);
        let bad = |found: String| Error::ShapeMismatch {
            what: format!("{what}, step {t}"),
            expected: format!("active channels strictly increasing and below {channels}"),
            found,
        };
        if let Some(&c) = active.iter().find(|&&c| c as usize >= channels) {
            return Err(bad(format!("channel {c}")));
        }
        if let Some(w) = active.windows(2).find(|w| w[0] >= w[1]) {
            return Err(bad(format!("{} then {}", w[0], w[1])));
        }
    }
    Ok(())
}

/// A binary spike sequence of `steps` time steps over `channels` channels,
/// stored step by step (compressed sparse rows): for each step the sorted,
/// distinct indices of the channels that spiked.
///
/// This is what the networks of this crate consume: the input product of a
/// step is the sum of the weight rows of [`SparseSeq::step`]`(t)`. Convert an
/// `events::SpikeRaster` with
/// `SparseSeq::from_steps(raster.channels(), raster.iter_steps())` (a
/// raster that keeps event counts per bin becomes binary: a channel is
/// active in a step or not, as in the authors' binning).
///
/// ```
/// use baselines::SparseSeq;
/// let s = SparseSeq::from_steps(4, [vec![3, 1, 1], vec![], vec![0]]).unwrap();
/// assert_eq!(s.steps(), 3);
/// assert_eq!(s.step(0), &[1, 3]); // sorted, repeats merged
/// assert!(s.step(1).is_empty());
/// assert!(SparseSeq::from_steps(4, [vec![4]]).is_err()); // channel out of range
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "SeqRepr")]
pub struct SparseSeq {
    channels: u32,
    /// `offsets[t]..offsets[t + 1]` indexes the entries of step `t`.
    offsets: Vec<u32>,
    /// Active channel of each entry, strictly increasing within a step.
    indices: Vec<u32>,
}

/// Unchecked stored form, validated on deserialisation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeqRepr {
    channels: u32,
    offsets: Vec<u32>,
    indices: Vec<u32>,
}

impl TryFrom<SeqRepr> for SparseSeq {
    type Error = String;

    fn try_from(r: SeqRepr) -> Result<SparseSeq, String> {
        if r.offsets.first() != Some(&0) {
            return Err("offsets must start with 0".into());
        }
        if r.offsets.last().map(|&o| o as usize) != Some(r.indices.len()) {
            return Err("the last offset must equal the number of indices".into());
        }
        for (t, w) in r.offsets.windows(2).enumerate() {
            if w[0] > w[1] {
                return Err(format!("offsets decrease at step {t}"));
            }
            let step = &r.indices[w[0] as usize..w[1] as usize];
            if step.windows(2).any(|p| p[0] >= p[1]) {
                return Err(format!("step {t}: channels not strictly increasing"));
            }
            if let Some(&c) = step.last().filter(|&&c| c >= r.channels) {
                return Err(format!(
                    "step {t}: channel {c} out of range, must be below {}",
                    r.channels
                ));
            }
        }
        Ok(SparseSeq {
            channels: r.channels,
            offsets: r.offsets,
            indices: r.indices,
        })
    }
}

impl SparseSeq {
    /// An empty sequence (no step yet) over `channels` channels.
    pub fn new(channels: u32) -> SparseSeq {
        SparseSeq {
            channels,
            offsets: vec![0],
            indices: Vec::new(),
        }
    }

    /// Builds a sequence from one list of active channels per step; the lists
    /// may be unsorted and contain repeats (a repeat is one spike). Errors if
    /// a channel is not below `channels`.
    pub fn from_steps<I, S>(channels: u32, steps: I) -> Result<SparseSeq>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u32]>,
    {
        let mut seq = SparseSeq::new(channels);
        for active in steps {
            seq.push_step(active.as_ref())?;
        }
        Ok(seq)
    }

    /// Builds a sequence from a dense `steps x channels` row-major array
    /// (step after step); a nonzero value is a spike.
    pub fn from_dense<T: Copy + Default + PartialEq>(
        channels: u32,
        steps: usize,
        dense: &[T],
    ) -> Result<SparseSeq> {
        let c = channels as usize;
        if steps.checked_mul(c) != Some(dense.len()) {
            return Err(Error::ShapeMismatch {
                what: "dense spike array".into(),
                expected: format!("{steps} steps x {channels} channels"),
                found: format!("{} values", dense.len()),
            });
        }
        let zero = T::default();
        let mut seq = SparseSeq::new(channels);
        let mut active = Vec::new();
        for t in 0..steps {
            active.clear();
            let row = &dense[t * c..(t + 1) * c];
            active.extend(
                row.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != zero)
                    .map(|(i, _)| i as u32),
            );
            seq.push_step(&active)?;
        }
        Ok(seq)
    }

    /// Appends one step whose active channels are `active` (any order,
    /// repeats merged).
    pub fn push_step(&mut self, active: &[u32]) -> Result<()> {
        let step = self.steps();
        if let Some(&bad) = active.iter().find(|&&c| c >= self.channels) {
            return Err(Error::ChannelOutOfRange {
                step,
                channel: bad,
                channels: self.channels,
            });
        }
        let start = self.indices.len();
        self.indices.extend_from_slice(active);
        let new = &mut self.indices[start..];
        if new.windows(2).any(|w| w[0] >= w[1]) {
            new.sort_unstable();
            let mut kept = 0;
            for k in 0..new.len() {
                if k == 0 || new[k] != new[kept - 1] {
                    new[kept] = new[k];
                    kept += 1;
                }
            }
            self.indices.truncate(start + kept);
        }
        let end = u32::try_from(self.indices.len()).map_err(|_| Error::SequenceTooLarge {
            entries: self.indices.len(),
        })?;
        self.offsets.push(end);
        Ok(())
    }

    /// Number of channels.
    pub fn channels(&self) -> u32 {
        self.channels
    }

    /// Number of time steps.
    pub fn steps(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The active channels of step `t`, sorted and distinct. Panics if `t` is
    /// not below [`SparseSeq::steps`], like slice indexing.
    pub fn step(&self, t: usize) -> &[u32] {
        &self.indices[self.offsets[t] as usize..self.offsets[t + 1] as usize]
    }

    /// Iterates over the steps' active channels.
    pub fn iter_steps(&self) -> impl ExactSizeIterator<Item = &[u32]> + '_ {
        (0..self.steps()).map(move |t| self.step(t))
    }

    /// Number of spikes (active channel-steps) in the whole sequence.
    pub fn spikes(&self) -> usize {
        self.indices.len()
    }

    /// Number of spikes in the first `steps` steps (all if fewer).
    pub fn spikes_in_first(&self, steps: usize) -> usize {
        let t = steps.min(self.steps());
        self.offsets[t] as usize
    }

    /// The first `steps` steps (the whole sequence if it is shorter).
    pub fn truncated(&self, steps: usize) -> SparseSeq {
        let t = steps.min(self.steps());
        SparseSeq {
            channels: self.channels,
            offsets: self.offsets[..=t].to_vec(),
            indices: self.indices[..self.offsets[t] as usize].to_vec(),
        }
    }

    /// Dense `steps x channels` 0/1 values, row-major (step after step).
    pub fn to_dense(&self) -> Vec<u8> {
        let c = self.channels as usize;
        let mut out = vec![0u8; self.steps() * c];
        for t in 0..self.steps() {
            for &ch in self.step(t) {
                out[t * c + ch as usize] = 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_sorted_distinct_steps_and_round_trips() {
        let s = SparseSeq::from_steps(5, [vec![4, 0, 4, 2], vec![], vec![1, 3]]).unwrap();
        assert_eq!(s.steps(), 3);
        assert_eq!(s.step(0), &[0, 2, 4]);
        assert_eq!(s.step(1), &[] as &[u32]);
        assert_eq!(s.step(2), &[1, 3]);
        assert_eq!(s.spikes(), 5);
        assert_eq!(s.spikes_in_first(2), 3);
        let d = s.to_dense();
        assert_eq!(SparseSeq::from_dense(5, 3, &d).unwrap(), s);
        let t = s.truncated(1);
        assert_eq!((t.steps(), t.spikes()), (1, 3));
        assert_eq!(s.truncated(10), s);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<SparseSeq>(&json).unwrap(), s);
    }

    #[test]
    fn rejects_bad_channels_and_malformed_files() {
        let e = SparseSeq::from_steps(3, [vec![0], vec![3]]).unwrap_err();
        assert!(
            matches!(
                e,
                Error::ChannelOutOfRange {
                    step: 1,
                    channel: 3,
                    channels: 3
                }
            ),
            "{e}"
        );
        assert!(SparseSeq::from_dense(3, 2, &[0u8; 5]).is_err());
        for bad in [
            r#"{"channels":3,"offsets":[0,2],"indices":[1,1]}"#,
            r#"{"channels":3,"offsets":[0,1],"indices":[3]}"#,
            r#"{"channels":3,"offsets":[0,2],"indices":[1]}"#,
            r#"{"channels":3,"offsets":[1],"indices":[]}"#,
            r#"{"channels":3,"offsets":[0],"indices":[],"x":1}"#,
        ] {
            assert!(serde_json::from_str::<SparseSeq>(bad).is_err(), "{bad}");
        }
    }
}
