//! Binned spike rasters: the active channels of each time step.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A sparse spike raster of `steps` time steps over `channels` channels.
///
/// Stored step by step (compressed sparse rows): for each step the sorted,
/// distinct indices of the channels that were active, optionally with the
/// number of events that fell into each (channel, step) bin. This is exactly
/// what an event-driven reservoir consumes: at step `t` it touches only the
/// fan-out of [`SpikeRaster::step`]`(t)`.
///
/// Deserialisation checks the stored form (offsets start at 0, never
/// decrease and end at the number of entries; every channel is below
/// `channels` and strictly increasing within its step; counts, when
/// present, are one per entry and at least 1), so a crafted file is an
/// error, never a panic in [`SpikeRaster::step`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RasterRepr")]
pub struct SpikeRaster {
    channels: u32,
    /// `offsets[t]..offsets[t + 1]` indexes the entries of step `t`.
    offsets: Vec<u32>,
    /// Active channel of each entry, strictly increasing within a step.
    indices: Vec<u32>,
    /// Event count of each entry (>= 1), when the raster keeps counts.
    counts: Option<Vec<u32>>,
}

/// The stored form of a [`SpikeRaster`], unchecked; validated by
/// `TryFrom` on deserialisation.
#[derive(Deserialize)]
struct RasterRepr {
    channels: u32,
    offsets: Vec<u32>,
    indices: Vec<u32>,
    #[serde(default)]
    counts: Option<Vec<u32>>,
}

impl TryFrom<RasterRepr> for SpikeRaster {
    type Error = String;

    fn try_from(r: RasterRepr) -> std::result::Result<SpikeRaster, String> {
        if r.offsets.first() != Some(&0) {
            return Err(format!(
                "raster offsets must start with 0, found {:?}",
                r.offsets.first()
            ));
        }
        let last = r.offsets.last().map_or(0, |&o| o as usize);
        if last != r.indices.len() {
            return Err(format!(
                "raster: the last offset ({last}) must equal the number of indices ({})",
                r.indices.len()
            ));
        }
        // Non-decreasing and ending at `indices.len()`: every offset is in
        // range, so the slices below cannot panic.
        if let Some((t, w)) = r.offsets.windows(2).enumerate().find(|(_, w)| w[0] > w[1]) {
            return Err(format!(
                "raster step {t}: offsets decrease ({} > {})",
                w[0], w[1]
            ));
        }
        for (t, w) in r.offsets.windows(2).enumerate() {
            let step = &r.indices[w[0] as usize..w[1] as usize];
            if let Some(p) = step.windows(2).find(|p| p[0] >= p[1]) {
                return Err(format!(
                    "raster step {t}: channels must be strictly increasing, found {} then {}",
                    p[0], p[1]
                ));
            }
            if let Some(&c) = step.last().filter(|&&c| c >= r.channels) {
                return Err(format!(
                    "raster step {t}: channel {c} is outside 0..{}",
                    r.channels
                ));
            }
        }
        if let Some(counts) = &r.counts {
            if counts.len() != r.indices.len() {
                return Err(format!(
                    "raster: {} counts for {} entries (one per entry)",
                    counts.len(),
                    r.indices.len()
                ));
            }
            if let Some(k) = counts.iter().position(|&n| n == 0) {
                return Err(format!("raster entry {k}: count 0, must be >= 1"));
            }
        }
        Ok(SpikeRaster {
            channels: r.channels,
            offsets: r.offsets,
            indices: r.indices,
            counts: r.counts,
        })
    }
}

impl SpikeRaster {
    /// An empty raster (no step yet) over `channels` channels.
    pub fn new(channels: u32) -> Self {
        Self {
            channels,
            offsets: vec![0],
            indices: Vec::new(),
            counts: None,
        }
    }

    /// An empty raster that keeps a count per entry.
    pub fn with_counts(channels: u32) -> Self {
        Self {
            counts: Some(Vec::new()),
            ..Self::new(channels)
        }
    }

    /// Builds a binary raster from one list of active channels per step; the
    /// lists may be unsorted and contain repeats (a repeat is one spike).
    pub fn from_steps<I, S>(channels: u32, steps: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u32]>,
    {
        let mut raster = Self::new(channels);
        for active in steps {
            raster.push_step(active.as_ref())?;
        }
        Ok(raster)
    }

    /// Builds a binary raster from a dense `steps x channels` row-major
    /// array (step after step); a nonzero value is a spike. Errors if the
    /// array does not hold `steps x channels` values.
    pub fn from_dense<T: Copy + Default + PartialEq>(
        channels: u32,
        steps: usize,
        dense: &[T],
    ) -> Result<Self> {
        let c = channels as usize;
        if steps.checked_mul(c) != Some(dense.len()) {
            return Err(Error::DenseShape {
                steps,
                channels,
                values: dense.len(),
            });
        }
        let zero = T::default();
        let mut raster = Self::new(channels);
        let mut active = Vec::new();
        for t in 0..steps {
            active.clear();
            // In range: `dense` holds `steps x c` values (checked above).
            let row = &dense[t * c..(t + 1) * c];
            active.extend(
                row.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != zero)
                    .map(|(i, _)| i as u32),
            );
            raster.push_step(&active)?;
        }
        Ok(raster)
    }

    /// Appends one step whose active channels are `active` (any order,
    /// repeats merged; with counts kept, repeats are counted).
    pub fn push_step(&mut self, active: &[u32]) -> Result<()> {
        let step = self.steps();
        if let Some(&bad) = active.iter().find(|&&c| c >= self.channels) {
            return Err(Error::ChannelOutOfRange {
                step,
                channel: bad,
                channels: self.channels,
            });
        }
        let mut sorted = active.to_vec();
        sorted.sort_unstable();
        let mut last: Option<u32> = None;
        for c in sorted {
            if last == Some(c) {
                if let Some(counts) = self.counts.as_mut()
                    && let Some(n) = counts.last_mut()
                {
                    *n += 1;
                }
                continue;
            }
            self.indices.push(c);
            if let Some(counts) = self.counts.as_mut() {
                counts.push(1);
            }
            last = Some(c);
        }
        let end = u32::try_from(self.indices.len()).map_err(|_| Error::RasterTooLarge {
            entries: self.indices.len(),
        })?;
        self.offsets.push(end);
        Ok(())
    }

    /// Appends one time step given as strictly increasing channels and the
    /// event count of each (every count >= 1), without sorting: the fast
    /// path of binning, which counts events into channel order itself. A
    /// binary raster keeps the channels and ignores the counts' values. A
    /// channel out of range, a channel not above its predecessor, a zero
    /// count or counts of another length are errors.
    pub fn push_sorted_step(&mut self, active: &[u32], counts: &[u32]) -> Result<()> {
        let step = self.steps();
        let unsorted = |what: String| Error::UnsortedStep { step, what };
        if counts.len() != active.len() {
            return Err(unsorted(format!(
                "{} counts for {} channels",
                counts.len(),
                active.len()
            )));
        }
        if let Some(p) = active.windows(2).find(|p| p[0] >= p[1]) {
            return Err(unsorted(format!(
                "channels must be strictly increasing, found {} then {}",
                p[0], p[1]
            )));
        }
        if let Some(&bad) = active.last().filter(|&&c| c >= self.channels) {
            return Err(Error::ChannelOutOfRange {
                step,
                channel: bad,
                channels: self.channels,
            });
        }
        if let Some(k) = counts.iter().position(|&n| n == 0) {
            return Err(unsorted(format!("channel {} has count 0", active[k])));
        }
        self.indices.extend_from_slice(active);
        if let Some(c) = self.counts.as_mut() {
            c.extend_from_slice(counts);
        }
        let end = u32::try_from(self.indices.len()).map_err(|_| Error::RasterTooLarge {
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
    /// not below [`SpikeRaster::steps`], like slice indexing.
    pub fn step(&self, t: usize) -> &[u32] {
        &self.indices[self.offsets[t] as usize..self.offsets[t + 1] as usize]
    }

    /// The event counts of step `t`'s entries, if the raster keeps counts.
    pub fn step_counts(&self, t: usize) -> Option<&[u32]> {
        self.counts
            .as_ref()
            .map(|c| &c[self.offsets[t] as usize..self.offsets[t + 1] as usize])
    }

    /// Iterates over the steps' active channels.
    pub fn iter_steps(&self) -> impl ExactSizeIterator<Item = &[u32]> + '_ {
        (0..self.steps()).map(move |t| self.step(t))
    }

    /// Number of active (channel, step) entries.
    pub fn active_entries(&self) -> usize {
        self.indices.len()
    }

    /// Total number of events: the sum of counts, or the number of entries
    /// for a binary raster.
    pub fn total_events(&self) -> u64 {
        match &self.counts {
            Some(c) => c.iter().map(|&n| u64::from(n)).sum(),
            None => self.indices.len() as u64,
        }
    }

    /// Whether the raster keeps a count per entry.
    pub fn has_counts(&self) -> bool {
        self.counts.is_some()
    }

    /// The first `steps` steps (the whole raster if it is shorter), with
    /// their counts if the raster keeps counts.
    pub fn truncated(&self, steps: usize) -> SpikeRaster {
        let t = steps.min(self.steps());
        let end = self.offsets[t] as usize;
        SpikeRaster {
            channels: self.channels,
            offsets: self.offsets[..=t].to_vec(),
            indices: self.indices[..end].to_vec(),
            counts: self.counts.as_ref().map(|c| c[..end].to_vec()),
        }
    }

    /// Dense `steps x channels` values in row-major order (step after step):
    /// the count of each entry (1 for a binary raster), 0 where inactive.
    pub fn to_dense(&self) -> Vec<u32> {
        let c = self.channels as usize;
        let mut dense = vec![0u32; self.steps() * c];
        for t in 0..self.steps() {
            let row = &mut dense[t * c..(t + 1) * c];
            match self.step_counts(t) {
                Some(counts) => {
                    for (&ch, &n) in self.step(t).iter().zip(counts) {
                        row[ch as usize] = n;
                    }
                }
                None => {
                    for &ch in self.step(t) {
                        row[ch as usize] = 1;
                    }
                }
            }
        }
        dense
    }

    /// The same entries without counts (counts to binary).
    pub fn to_binary(&self) -> SpikeRaster {
        SpikeRaster {
            counts: None,
            ..self.clone()
        }
    }

    /// Events per channel over all steps (counts, or active steps for a
    /// binary raster).
    pub fn channel_totals(&self) -> Vec<u64> {
        let mut totals = vec![0u64; self.channels as usize];
        for t in 0..self.steps() {
            let counts = self.step_counts(t);
            for (k, &ch) in self.step(t).iter().enumerate() {
                totals[ch as usize] += counts.map_or(1, |c| u64::from(c[k]));
            }
        }
        totals
    }

    /// Moves channel `c` to `map[c]` in a raster of `channels` channels;
    /// channels mapping to `None` (or beyond the map) are dropped. Entries
    /// that land on the same channel in a step merge (counts add).
    pub fn remap(&self, map: &[Option<u32>], channels: u32) -> Result<SpikeRaster> {
        let mut out = if self.counts.is_some() {
            SpikeRaster::with_counts(channels)
        } else {
            SpikeRaster::new(channels)
        };
        let mut active = Vec::new();
        for t in 0..self.steps() {
            active.clear();
            let counts = self.step_counts(t);
            for (k, &ch) in self.step(t).iter().enumerate() {
                if let Some(Some(target)) = map.get(ch as usize) {
                    let n = counts.map_or(1, |c| c[k]);
                    active.extend(std::iter::repeat_n(*target, n as usize));
                }
            }
            out.push_step(&active)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_sorted_distinct_and_counted() {
        let mut r = SpikeRaster::with_counts(8);
        r.push_step(&[5, 1, 5, 5]).unwrap();
        r.push_step(&[]).unwrap();
        r.push_step(&[7]).unwrap();
        assert_eq!(r.steps(), 3);
        assert_eq!(r.step(0), &[1, 5]);
        assert_eq!(r.step_counts(0), Some(&[1, 3][..]));
        assert!(r.step(1).is_empty());
        assert_eq!(r.step(2), &[7]);
        assert_eq!(r.total_events(), 5);
        assert_eq!(r.active_entries(), 3);
    }

    #[test]
    fn binary_raster_merges_repeats() {
        let r = SpikeRaster::from_steps(4, [vec![3, 3, 0], vec![2]]).unwrap();
        assert_eq!(r.step(0), &[0, 3]);
        assert_eq!(r.total_events(), 3);
        assert!(!r.has_counts());
        let all: Vec<&[u32]> = r.iter_steps().collect();
        assert_eq!(all, vec![&[0, 3][..], &[2][..]]);
    }

    #[test]
    fn sorted_steps_equal_pushed_steps_and_bad_ones_are_named() {
        let mut fast = SpikeRaster::with_counts(8);
        fast.push_sorted_step(&[1, 5], &[1, 3]).unwrap();
        fast.push_sorted_step(&[], &[]).unwrap();
        fast.push_sorted_step(&[7], &[1]).unwrap();
        let mut slow = SpikeRaster::with_counts(8);
        slow.push_step(&[5, 1, 5, 5]).unwrap();
        slow.push_step(&[]).unwrap();
        slow.push_step(&[7]).unwrap();
        assert_eq!(fast, slow);
        let mut binary = SpikeRaster::new(8);
        binary.push_sorted_step(&[1, 5], &[1, 3]).unwrap();
        assert_eq!(binary.step(0), &[1, 5]);
        assert_eq!(binary.total_events(), 2);
        let mut r = SpikeRaster::new(8);
        let msg = |e: Error| e.to_string();
        assert!(msg(r.push_sorted_step(&[5, 5], &[1, 1]).unwrap_err()).contains("5 then 5"));
        assert!(msg(r.push_sorted_step(&[8], &[1]).unwrap_err()).contains("channel 8"));
        assert!(msg(r.push_sorted_step(&[1], &[0]).unwrap_err()).contains("count 0"));
        assert!(msg(r.push_sorted_step(&[1], &[]).unwrap_err()).contains("0 counts for 1"));
        assert_eq!(r.steps(), 0, "a rejected step is not appended");
    }

    #[test]
    fn channel_out_of_range_is_named() {
        let err = SpikeRaster::from_steps(4, [vec![1], vec![4]]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("channel 4") && msg.contains("step 1"), "{msg}");
    }
    #[test]
    fn dense_binary_totals_and_remap() {
        let mut r = SpikeRaster::with_counts(3);
        r.push_step(&[2, 0, 2]).unwrap();
        r.push_step(&[1]).unwrap();
        assert_eq!(r.to_dense(), vec![1, 0, 2, 0, 1, 0]);
        let b = r.to_binary();
        assert!(!b.has_counts());
        assert_eq!(b.to_dense(), vec![1, 0, 1, 0, 1, 0]);
        assert_eq!(r.channel_totals(), vec![1, 1, 2]);
        assert_eq!(b.channel_totals(), vec![1, 1, 1]);
        // Channels 0 and 2 merge into 0, channel 1 is dropped.
        let m = r.remap(&[Some(0), None, Some(0)], 1).unwrap();
        assert_eq!(m.to_dense(), vec![3, 0]);
        assert_eq!(m.total_events(), 3);
        assert!(r.remap(&[Some(5)], 2).is_err());
    }

    #[test]
    fn dense_round_trip_and_truncation() {
        let s = SpikeRaster::from_steps(5, [vec![4, 0, 4, 2], vec![], vec![1, 3]]).unwrap();
        let d = s.to_dense();
        assert_eq!(SpikeRaster::from_dense(5, 3, &d).unwrap(), s);
        let bytes: Vec<u8> = d.iter().map(|&v| v as u8).collect();
        assert_eq!(SpikeRaster::from_dense(5, 3, &bytes).unwrap(), s);
        let err = SpikeRaster::from_dense(3, 2, &[0u8; 5]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DenseShape {
                    steps: 2,
                    channels: 3,
                    values: 5
                }
            ),
            "{err}"
        );
        let empty = SpikeRaster::from_dense::<u8>(0, 4, &[]).unwrap();
        assert_eq!((empty.steps(), empty.active_entries()), (4, 0));
        let t = s.truncated(1);
        assert_eq!((t.steps(), t.active_entries()), (1, 3));
        assert_eq!(s.truncated(10), s);
        let mut c = SpikeRaster::with_counts(3);
        c.push_step(&[2, 2]).unwrap();
        c.push_step(&[0]).unwrap();
        let tc = c.truncated(1);
        assert_eq!((tc.step_counts(0), tc.total_events()), (Some(&[2][..]), 2));
    }
}
