//! Deserialising a spike raster never panics: a crafted file (offsets out of
//! order or past the indices, channels out of range or unsorted, counts of
//! the wrong length or zero) is an error, and whatever is accepted can be
//! read step by step.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use spikes::SpikeRaster;

/// A raster in the stored JSON form, from raw parts.
fn json(channels: u32, offsets: &[u32], indices: &[u32], counts: Option<&[u32]>) -> String {
    serde_json::json!({
        "channels": channels,
        "offsets": offsets,
        "indices": indices,
        "counts": counts,
    })
    .to_string()
}

/// Reads every step (and its counts) and the derived views: these index the
/// stored vectors and would panic on an inconsistent raster.
fn touch(r: &SpikeRaster) -> u64 {
    let mut n = 0u64;
    for t in 0..r.steps() {
        n += r.step(t).len() as u64;
        if let Some(c) = r.step_counts(t) {
            assert_eq!(c.len(), r.step(t).len());
        }
    }
    assert_eq!(r.to_dense().len(), r.steps() * r.channels() as usize);
    assert_eq!(r.channel_totals().iter().sum::<u64>(), r.total_events());
    n
}

#[test]
fn each_inconsistency_is_refused_with_a_message() {
    for (bad, what) in [
        (json(4, &[], &[], None), "start with 0"),
        (json(4, &[1, 1], &[2], None), "start with 0"),
        (json(4, &[0, 2], &[1], None), "last offset"),
        (json(4, &[0, 2, 1], &[0, 1], None), "last offset"),
        (json(4, &[0, 2, 1, 2], &[0, 1], None), "offsets decrease"),
        (json(4, &[0, 2], &[1, 1], None), "strictly increasing"),
        (json(4, &[0, 2], &[2, 1], None), "strictly increasing"),
        (json(4, &[0, 1], &[4], None), "channel 4"),
        (json(4, &[0, 2], &[0, 1], Some(&[1])), "counts"),
        (json(4, &[0, 2], &[0, 1], Some(&[1, 0])), "count 0"),
    ] {
        let err = serde_json::from_str::<SpikeRaster>(&bad).unwrap_err();
        assert!(err.to_string().contains(what), "{bad}: {err}");
    }
    // A consistent stored form is accepted (missing counts = binary).
    let r: SpikeRaster =
        serde_json::from_str(r#"{"channels":4,"offsets":[0,2,2,3],"indices":[0,3,1]}"#).unwrap();
    assert_eq!(
        (r.steps(), r.step(0), r.step(2)),
        (3, &[0, 3][..], &[1][..])
    );
    assert!(!r.has_counts());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Arbitrary parts: deserialisation returns an error or a raster that
    /// reads without panicking.
    #[test]
    fn arbitrary_parts_never_panic(
        channels in 0u32..8,
        offsets in proptest::collection::vec(0u32..12, 0..8),
        indices in proptest::collection::vec(0u32..10, 0..12),
        counts in proptest::option::of(proptest::collection::vec(0u32..3, 0..12)),
    ) {
        let text = json(channels, &offsets, &indices, counts.as_deref());
        if let Ok(r) = serde_json::from_str::<SpikeRaster>(&text) {
            prop_assert_eq!(touch(&r), indices.len() as u64);
        }
    }

    /// Rasters built through the API round-trip through JSON unchanged.
    #[test]
    fn built_rasters_round_trip(
        channels in 1u32..16,
        steps in proptest::collection::vec(proptest::collection::vec(0u32..16, 0..10), 0..12),
        keep_counts in any::<bool>(),
    ) {
        let mut r = if keep_counts {
            SpikeRaster::with_counts(channels)
        } else {
            SpikeRaster::new(channels)
        };
        for s in &steps {
            let s: Vec<u32> = s.iter().map(|c| c % channels).collect();
            r.push_step(&s).unwrap();
        }
        let back: SpikeRaster = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        touch(&back);
        prop_assert_eq!(back, r);
    }
}
