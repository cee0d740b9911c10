//! Checking spike sequences against the [`SpikeSteps`] contract.

use spikes::SpikeSteps;

use crate::error::{Error, Result};

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Storage that ignores the contract.
    struct Raw(Vec<Vec<u32>>, usize);

    impl SpikeSteps for Raw {
        fn channels(&self) -> usize {
            self.1
        }
        fn steps(&self) -> usize {
            self.0.len()
        }
        fn step(&self, t: usize) -> &[u32] {
            &self.0[t]
        }
    }

    #[test]
    fn broken_contracts_name_the_sequence_and_step() {
        assert!(check_steps("x", &Raw(vec![vec![0, 2], vec![]], 3)).is_ok());
        for (raw, found) in [
            (Raw(vec![vec![], vec![3]], 3), "channel 3"),
            (Raw(vec![vec![], vec![2, 1]], 3), "2 then 1"),
            (Raw(vec![vec![], vec![1, 1]], 3), "1 then 1"),
        ] {
            let e = check_steps("sequence 7", &raw).unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.contains("sequence 7, step 1") && msg.contains(found),
                "{msg}"
            );
        }
    }
}
