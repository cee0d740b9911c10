//! The random streams of the trained baselines.
//!
//! Each model draws from `seeds.keyed(purpose, seeds::scoped_key(scope,
//! item))` with its own scope, so one experiment seed given to several
//! models (and to `readout`'s, which use scopes 1-15) gives them
//! independent initial weights and batch orders, and none repeats a stream
//! drawn with `seeds.stream(purpose)` or a plain key.
//!
//! | purpose | item |
//! |---|---|
//! | `ModelInit` | 0 (the initial weights) |
//! | `DataShuffle` | the epoch (sample order, or the order of fixed CLIP pairs) |
//! | `Minibatch` | the epoch (CLIP pairings and pair order) |

use seeds::{ChaCha8Rng, Purpose, Seeds, scoped_key};

/// Scope of an SRNN classifier with an ANN head (SRNN-ANN).
pub const SRNN_ANN: u16 = 16;
/// Scope of an SRNN classifier with a spiking head (SRNN-SNN).
pub const SRNN_SNN: u16 = 17;
/// Scope of the tanh RNN classifier (RNN-ANN).
pub const RNN_ANN: u16 = 18;
/// Scope of SRNN-CLIP.
pub const SRNN_CLIP: u16 = 19;

/// The stream of `purpose` for work item `item` of the model with `scope`.
pub(crate) fn model_stream(seeds: Seeds, purpose: Purpose, scope: u16, item: u64) -> ChaCha8Rng {
    seeds.keyed(purpose, scoped_key(scope, item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn scopes_are_distinct_from_each_other_and_from_readouts() {
        let ours = [SRNN_ANN, SRNN_SNN, RNN_ANN, SRNN_CLIP];
        let theirs = [
            readout::streams::CLASSIFIER,
            readout::streams::CONTRASTIVE,
            readout::streams::PROTONET,
        ];
        let all: HashSet<u16> = ours.iter().chain(&theirs).copied().collect();
        assert_eq!(all.len(), ours.len() + theirs.len());
        // readout keeps below 16, this crate at 16 and above.
        assert!(theirs.iter().all(|&s| (1..16).contains(&s)));
        assert!(ours.iter().all(|&s| s >= 16));
    }
}
