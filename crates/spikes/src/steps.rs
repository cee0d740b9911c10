//! The step-by-step view of a spike sequence that networks read.

use crate::raster::SpikeRaster;

/// What a network reads of a spike sequence: its width, its length and the
/// active channels of each step.
///
/// Training and evaluation code generic over `S: SpikeSteps` takes any
/// storage without copying; [`SpikeRaster`] implements it (a raster that
/// keeps event counts reads as binary: a channel is active in a step or
/// not), and so does `&S`.
///
/// Contract: [`SpikeSteps::step`]`(t)` for `t < steps()` returns the active
/// channels of step `t`, strictly increasing and below `channels()`. Code
/// that takes foreign implementations should check it for every step (an
/// error naming the sequence and step, never a panic); an implementation
/// may panic for `t >= steps()` like slice indexing.
///
/// ```
/// use spikes::{SpikeRaster, SpikeSteps};
/// /// Someone else's storage: one sorted channel list per step.
/// struct Steps<'a>(&'a [Vec<u32>], usize);
/// impl SpikeSteps for Steps<'_> {
///     fn channels(&self) -> usize { self.1 }
///     fn steps(&self) -> usize { self.0.len() }
///     fn step(&self, t: usize) -> &[u32] { &self.0[t] }
/// }
/// let raw = vec![vec![1, 3], vec![], vec![0]];
/// let s = Steps(&raw, 4);
/// assert_eq!(SpikeSteps::step(&s, 0), &[1, 3]);
/// let copy = SpikeRaster::from_steps(4, raw.iter())?;
/// assert_eq!(SpikeSteps::channels(&copy), 4);
/// # Ok::<(), spikes::Error>(())
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

impl SpikeSteps for SpikeRaster {
    fn channels(&self) -> usize {
        SpikeRaster::channels(self) as usize
    }

    fn steps(&self) -> usize {
        SpikeRaster::steps(self)
    }

    fn step(&self, t: usize) -> &[u32] {
        SpikeRaster::step(self, t)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raster_reads_as_its_steps_through_a_reference_too() {
        let mut r = SpikeRaster::with_counts(4);
        r.push_step(&[3, 1, 1]).unwrap();
        r.push_step(&[]).unwrap();
        let by_ref = &r;
        for s in [&r as &dyn SpikeSteps, &by_ref] {
            assert_eq!((s.channels(), s.steps()), (4, 2));
            assert_eq!(s.step(0), &[1, 3]); // counts are not part of the view
            assert!(s.step(1).is_empty());
        }
    }
}
