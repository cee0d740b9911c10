//! Binning and crop invariants over random streams: counts are preserved,
//! the crop keeps exactly the events inside its window, binary rasters hold
//! the distinct (step, channel) pairs, and filters never invent events.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use events::binning::{BinSpec, PolarityMode, TimeBins, TimeOrigin, VisionBinning, bin_events};
use events::transform::{
    DenoiseParams, RefractoryMode, centre_crop, crop, denoise, refractory_filter,
};
use events::{AudioEvent, AudioSensor, AudioStream, VisionEvent, VisionSensor, VisionStream};
use proptest::prelude::*;

fn vision_events() -> impl Strategy<Value = Vec<VisionEvent>> {
    proptest::collection::vec(
        (0u64..400_000, 0u16..34, 0u16..34, any::<bool>())
            .prop_map(|(t_us, x, y, on)| VisionEvent { t_us, x, y, on }),
        0..300,
    )
}

fn time_bins() -> impl Strategy<Value = TimeBins> {
    prop_oneof![
        (1usize..200).prop_map(|steps| TimeBins::Steps { steps }),
        (1u64..50_000).prop_map(|dt_us| TimeBins::Window { dt_us, steps: None }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn counts_are_preserved(events in vision_events(), bins in time_bins(), zero: bool, polarity in 0usize..2) {
        let s = VisionStream::new(VisionSensor::NMNIST, events.clone()).unwrap();
        let b = VisionBinning {
            crop: None,
            polarity: [PolarityMode::Merge, PolarityMode::Separate][polarity],
            bins,
            origin: if zero { TimeOrigin::Zero } else { TimeOrigin::FirstEvent },
            counts: true,
            pool: 1,
        };
        let r = b.bin(&s).unwrap();
        prop_assert_eq!(r.total_events(), events.len() as u64);
        // Per channel too: the raster's channel totals are the event counts.
        let mut expected = vec![0u64; r.channels() as usize];
        for e in &events {
            let pixel = u32::from(e.y) * 34 + u32::from(e.x);
            let c = if polarity == 1 { u32::from(e.on) * 34 * 34 + pixel } else { pixel };
            expected[c as usize] += 1;
        }
        prop_assert_eq!(r.channel_totals(), expected);
        if let TimeBins::Steps { steps } = bins {
            prop_assert_eq!(r.steps(), steps);
        }
    }

    #[test]
    fn binary_raster_holds_the_distinct_pairs(events in vision_events(), steps in 1usize..100) {
        let s = VisionStream::new(VisionSensor::NMNIST, events).unwrap();
        let spec = |counts| VisionBinning { crop: None, bins: TimeBins::Steps { steps }, counts, ..VisionBinning::default() };
        let counted = spec(true).bin(&s).unwrap();
        let binary = spec(false).bin(&s).unwrap();
        prop_assert_eq!(&counted.to_binary(), &binary);
        let pairs: BTreeSet<(usize, u32)> = (0..binary.steps())
            .flat_map(|t| binary.step(t).iter().map(move |&c| (t, c)))
            .collect();
        prop_assert_eq!(pairs.len(), binary.active_entries());
        prop_assert_eq!(binary.total_events(), binary.active_entries() as u64);
    }

    #[test]
    fn crop_keeps_exactly_the_inside(events in vision_events(), x0 in 0u16..34, y0 in 0u16..34, w in 1u16..34, h in 1u16..34) {
        let s = VisionStream::new(VisionSensor::NMNIST, events.clone()).unwrap();
        match crop(&s, x0, y0, w, h) {
            Ok(c) => {
                let inside: Vec<VisionEvent> = events
                    .iter()
                    .filter(|e| e.x >= x0 && e.x < x0 + w && e.y >= y0 && e.y < y0 + h)
                    .map(|e| VisionEvent { x: e.x - x0, y: e.y - y0, ..*e })
                    .collect();
                prop_assert_eq!(c.events(), inside.as_slice());
                prop_assert_eq!(*c.sensor(), VisionSensor { width: w, height: h });
            }
            Err(_) => prop_assert!(u32::from(x0) + u32::from(w) > 34 || u32::from(y0) + u32::from(h) > 34),
        }
    }

    #[test]
    fn centre_crop_binning_counts_the_inside(events in vision_events(), steps in 1usize..60) {
        let s = VisionStream::new(VisionSensor::NMNIST, events.clone()).unwrap();
        let b = VisionBinning { bins: TimeBins::Steps { steps }, counts: true, ..VisionBinning::default() };
        let r = b.bin(&s).unwrap();
        let inside = events.iter().filter(|e| (9..25).contains(&e.x) && (9..25).contains(&e.y)).count();
        prop_assert_eq!(r.total_events(), inside as u64);
        prop_assert_eq!(r.channels(), 256);
        prop_assert_eq!(centre_crop(&s, 16, 16).unwrap().len(), inside);
    }

    #[test]
    fn audio_fixed_windows_drop_only_late_events(
        times in proptest::collection::vec(0u64..10_000, 0..200),
        dt_us in 1u64..2_000,
        steps in 1usize..20,
    ) {
        let events: Vec<AudioEvent> = times.iter().enumerate().map(|(i, &t_us)| AudioEvent { t_us, channel: (i % 64) as u16 }).collect();
        let spec = BinSpec { bins: TimeBins::Window { dt_us, steps: Some(steps) }, origin: TimeOrigin::Zero, counts: true };
        let r = bin_events(&events, 64, |e| Some(u32::from(e.channel)), &spec).unwrap();
        let kept = times.iter().filter(|&&t| t / dt_us < steps as u64).count();
        prop_assert_eq!(r.steps(), steps);
        prop_assert_eq!(r.total_events(), kept as u64);
    }

    #[test]
    fn filters_only_remove_events(mut events in vision_events(), period in 0u64..20_000, filter_time in 0u64..20_000) {
        events.sort_by_key(|e| e.t_us);
        let s = VisionStream::new(VisionSensor::NMNIST, events.clone()).unwrap();
        let tonic = refractory_filter(&s, period, RefractoryMode::Tonic).unwrap();
        let since_kept = refractory_filter(&s, period, RefractoryMode::SinceKept).unwrap();
        // tonic's reference (the last event) is never earlier than the last
        // kept one, so every event tonic keeps is kept in since-kept mode.
        let mut it = since_kept.events().iter();
        for e in tonic.events() {
            prop_assert!(it.any(|x| x == e));
        }
        for out in [
            tonic,
            since_kept,
            denoise(&s, &DenoiseParams { filter_time_us: filter_time, ..DenoiseParams::default() }).unwrap(),
        ] {
            // The output is a subsequence of the input.
            let mut it = events.iter();
            for e in out.events() {
                prop_assert!(it.any(|x| x == e));
            }
        }
        let a = AudioStream::new(
            AudioSensor::NTIDIGITS,
            events.iter().map(|e| AudioEvent { t_us: e.t_us, channel: e.x }).collect(),
        ).unwrap();
        for mode in [RefractoryMode::Tonic, RefractoryMode::SinceKept] {
            prop_assert!(refractory_filter(&a, period, mode).unwrap().len() <= a.len());
        }
    }
}
