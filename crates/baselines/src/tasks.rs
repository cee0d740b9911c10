//! Synthetic tasks that need memory, for tests and demonstrations.
//!
//! **Delayed order recall.** Two cues `A` and `B` (each a group of
//! `channels_per_cue` input channels firing with probability `cue_rate` per
//! step for `cue_steps` steps) are presented one after the other, separated
//! by `delay_steps` steps, followed by `tail_steps` steps; every channel
//! also fires background noise with probability `noise_rate` at every step.
//! The label is the cue that came **first** (0: `A` then `B`, 1: `B` then
//! `A`). Both cues occur in every sample, so the spike count of every
//! channel has the same distribution in both classes: a readout of the
//! input counts, or of the last step's input (noise only when
//! `tail_steps > 0`), is at chance (50 %). Solving it requires remembering
//! the first cue over the delay.

use param_guard::ParamGuard;
use rand::RngExt;
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};
use spikes::SpikeRaster;

use crate::error::{Result, invalid};

/// Shape of the delayed order-recall task.
///
/// | field | default |
/// |---|---|
/// | `channels_per_cue` | 4 |
/// | `cue_steps` | 4 |
/// | `delay_steps` | 8 |
/// | `tail_steps` | 4 |
/// | `cue_rate` | 0.8 |
/// | `noise_rate` | 0.05 |
///
/// (Our choices: long enough that the first cue's trace in the membranes
/// has decayed, short enough to train in seconds.)
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DelayedRecallParams {
    /// Channels of each cue, >= 1 (the sequences have twice as many).
    pub channels_per_cue: usize,
    /// Steps of each cue, >= 1.
    pub cue_steps: usize,
    /// Steps between the two cues.
    pub delay_steps: usize,
    /// Steps after the second cue.
    pub tail_steps: usize,
    /// Firing probability of a cue channel during its cue, in [0, 1].
    pub cue_rate: f64,
    /// Background firing probability of every channel, in [0, 1].
    pub noise_rate: f64,
}

impl Default for DelayedRecallParams {
    fn default() -> Self {
        DelayedRecallParams {
            channels_per_cue: 4,
            cue_steps: 4,
            delay_steps: 8,
            tail_steps: 4,
            cue_rate: 0.8,
            noise_rate: 0.05,
        }
    }
}

impl DelayedRecallParams {
    /// Input channels of the sequences (`2 x channels_per_cue`).
    pub fn channels(&self) -> usize {
        2 * self.channels_per_cue
    }

    /// Steps of every sequence.
    pub fn steps(&self) -> usize {
        2 * self.cue_steps + self.delay_steps + self.tail_steps
    }
}

impl ParamGuard for DelayedRecallParams {
    type Error = crate::Error;

    /// Checks every field.
    fn validate(&self) -> Result<()> {
        if self.channels_per_cue == 0 || self.channels_per_cue > (u32::MAX / 2) as usize {
            return Err(invalid(
                "delayed_recall.channels_per_cue",
                self.channels_per_cue,
                "in 1..=2147483647",
            ));
        }
        if self.cue_steps == 0 {
            return Err(invalid("delayed_recall.cue_steps", 0, ">= 1"));
        }
        for (n, v) in [("cue_rate", self.cue_rate), ("noise_rate", self.noise_rate)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(invalid(&format!("delayed_recall.{n}"), v, "in [0, 1]"));
            }
        }
        Ok(())
    }
}

/// `n` samples of the delayed order-recall task with their labels. Sample
/// `i` is drawn from the `SyntheticData` stream keyed by `i`, so the same
/// seed gives the same samples whatever `n`.
pub fn delayed_recall(
    params: &DelayedRecallParams,
    n: usize,
    seeds: Seeds,
) -> Result<(Vec<SpikeRaster>, Vec<usize>)> {
    params.validate()?;
    let c = params.channels_per_cue;
    let channels = params.channels() as u32;
    let mut seqs = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    let mut active = Vec::new();
    for i in 0..n {
        let mut rng = seeds.keyed(Purpose::SyntheticData, i as u64);
        let label = usize::from(rng.random_bool(0.5));
        let (first, second) = if label == 0 { (0, c) } else { (c, 0) };
        let second_start = params.cue_steps + params.delay_steps;
        let mut seq = SpikeRaster::new(channels);
        for t in 0..params.steps() {
            let cue = if t < params.cue_steps {
                Some(first)
            } else if (second_start..second_start + params.cue_steps).contains(&t) {
                Some(second)
            } else {
                None
            };
            active.clear();
            for ch in 0..2 * c {
                let in_cue = cue.is_some_and(|s| (s..s + c).contains(&ch));
                let p = if in_cue {
                    params.cue_rate
                } else {
                    params.noise_rate
                };
                if rng.random::<f64>() < p {
                    active.push(ch as u32);
                }
            }
            seq.push_step(&active)?;
        }
        seqs.push(seq);
        labels.push(label);
    }
    Ok((seqs, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_sit_where_documented_and_classes_are_balanced() {
        let p = DelayedRecallParams {
            cue_rate: 1.0,
            noise_rate: 0.0,
            ..DelayedRecallParams::default()
        };
        let (s, y) = delayed_recall(&p, 400, Seeds::new(1)).unwrap();
        for (seq, &label) in s.iter().zip(&y) {
            assert_eq!(seq.steps(), 20);
            let a: &[u32] = &[0, 1, 2, 3];
            let b: &[u32] = &[4, 5, 6, 7];
            let (first, second) = if label == 0 { (a, b) } else { (b, a) };
            assert_eq!(seq.step(0), first);
            assert_eq!(seq.step(3), first);
            assert!(seq.step(4).is_empty() && seq.step(11).is_empty());
            assert_eq!(seq.step(12), second);
            assert!(seq.step(19).is_empty());
        }
        // 400 fair coin flips: 200 +- 10 (1 sigma); 5 sigma bound.
        let ones = y.iter().sum::<usize>();
        assert!((150..=250).contains(&ones), "{ones}");
        // Same seed, prefix-stable.
        let (s2, y2) = delayed_recall(&p, 10, Seeds::new(1)).unwrap();
        assert_eq!((&s[..10], &y[..10]), (&s2[..], &y2[..]));
        assert!(
            delayed_recall(
                &DelayedRecallParams {
                    noise_rate: 2.0,
                    ..p
                },
                1,
                Seeds::new(1)
            )
            .unwrap_err()
            .to_string()
            .contains("delayed_recall.noise_rate")
        );
    }
}
