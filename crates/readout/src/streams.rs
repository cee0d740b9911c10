//! The random streams of the trained models.
//!
//! Every trainer draws from `seeds.keyed(purpose, seeds::scoped_key(scope,
//! item))` with its own `scope` below, so that one experiment seed given to
//! several models (a classifier, the contrastive projections, a
//! prototypical network, the `baselines` networks) gives them independent
//! initial weights, splits and batch orders, and none of them repeats a
//! stream that `events` or a caller draws with `seeds.stream(purpose)` or a
//! plain key (scope 0). `baselines` uses scopes 16 and above.
//!
//! | purpose | item |
//! |---|---|
//! | `ModelInit` | 0 (the initial weights) |
//! | `DataSplit` | 0 (the validation carve) |
//! | `DataShuffle` | the epoch (minibatch order, or the order of fixed pairs) |
//! | `Minibatch` | the epoch (contrastive pairings) or the global episode index (prototypical episodes) |

use seeds::{ChaCha8Rng, Purpose, Seeds, scoped_key};

/// Scope of [`crate::Classifier`].
pub const CLASSIFIER: u16 = 1;
/// Scope of [`crate::ContrastiveModel`].
pub const CONTRASTIVE: u16 = 2;
/// Scope of [`crate::ProtoNet`].
pub const PROTONET: u16 = 3;
/// Scope of [`crate::select_c`] (the validation carve of the logistic
/// regression; its fit itself draws nothing).
pub const LOGISTIC: u16 = 4;

/// The stream of `purpose` for work item `item` of the model with `scope`.
pub fn model_stream(seeds: Seeds, purpose: Purpose, scope: u16, item: u64) -> ChaCha8Rng {
    seeds.keyed(purpose, scoped_key(scope, item))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn models_and_the_plain_streams_do_not_share_numbers() {
        let s = Seeds::new(3);
        let mut seen = std::collections::HashSet::new();
        for p in [Purpose::ModelInit, Purpose::DataSplit, Purpose::DataShuffle] {
            assert!(seen.insert(s.stream(p).next_u64()));
            assert!(seen.insert(s.keyed(p, 0).next_u64()));
            for scope in [CLASSIFIER, CONTRASTIVE, PROTONET, LOGISTIC] {
                for item in [0, 1] {
                    assert!(seen.insert(model_stream(s, p, scope, item).next_u64()));
                }
            }
        }
    }
}
