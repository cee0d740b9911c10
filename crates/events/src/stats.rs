//! Simple statistics of event streams: event-rate histograms and bursts
//! (e.g. the three saccades of an N-MNIST recording).

use std::ops::Range;

use crate::event::{Event, EventStream};

/// Events per bin of `bin_us` microseconds, bin `k` covering
/// `[k * bin_us, (k + 1) * bin_us)` from t = 0 up to the last event
/// (empty for an empty stream or `bin_us = 0`).
pub fn rate_histogram<E: Event>(stream: &EventStream<E>, bin_us: u64) -> Vec<u32> {
    let Some(t_max) = stream.t_max_us() else {
        return Vec::new();
    };
    if bin_us == 0 {
        return Vec::new();
    }
    let mut bins = vec![0u32; usize::try_from(t_max / bin_us).unwrap_or(0) + 1];
    for e in stream.events() {
        if let Some(b) = usize::try_from(e.t_us() / bin_us)
            .ok()
            .and_then(|k| bins.get_mut(k))
        {
            *b += 1;
        }
    }
    bins
}

/// The bursts of a histogram: maximal runs of bins holding at least
/// `fraction` of the largest bin.
pub fn bursts(histogram: &[u32], fraction: f64) -> Vec<Range<usize>> {
    let peak = histogram.iter().copied().max().unwrap_or(0);
    let threshold = f64::from(peak) * fraction;
    let mut runs = Vec::new();
    let mut start = None;
    for (k, &n) in histogram.iter().enumerate() {
        let high = n > 0 && f64::from(n) >= threshold;
        match (high, start) {
            (true, None) => start = Some(k),
            (false, Some(s)) => {
                runs.push(s..k);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push(s..histogram.len());
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{AudioEvent, AudioSensor, AudioStream};

    #[test]
    fn histogram_and_bursts_by_hand() {
        let times = [0u64, 5, 9, 10, 35, 36, 37, 38];
        let s = AudioStream::new(
            AudioSensor::NTIDIGITS,
            times
                .iter()
                .map(|&t_us| AudioEvent { t_us, channel: 0 })
                .collect(),
        )
        .unwrap();
        let h = rate_histogram(&s, 10);
        assert_eq!(h, vec![3, 1, 0, 4]);
        assert_eq!(bursts(&h, 0.5), vec![0..1, 3..4]);
        assert_eq!(bursts(&h, 0.25), vec![0..2, 3..4]);
        assert!(rate_histogram(&s, 0).is_empty());
        assert!(bursts(&[], 0.5).is_empty());
        assert!(bursts(&[0, 0], 0.0).is_empty());
    }
}
