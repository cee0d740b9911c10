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

/// Mean, median, minimum and maximum of a list of values.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spread {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean (0 for no value).
    pub mean: f64,
    /// Median (the mean of the two middle values for an even count).
    pub median: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Spread {
    /// The spread of `values` (NaN values are ignored).
    pub fn of(values: &[f64]) -> Self {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            return Self {
                n,
                mean: 0.0,
                median: 0.0,
                min: 0.0,
                max: 0.0,
            };
        }
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        };
        Self {
            n,
            mean: v.iter().sum::<f64>() / n as f64,
            median,
            min: v[0],
            max: v[n - 1],
        }
    }
}

/// Events in each of `windows` consecutive windows of `window_us`
/// microseconds from t = 0 (e.g. the three saccades of N-MNIST, 105 ms
/// each); later events count in the last window.
pub fn window_counts<E: Event>(
    stream: &EventStream<E>,
    window_us: u64,
    windows: usize,
) -> Vec<u64> {
    let mut counts = vec![0u64; windows];
    if windows == 0 || window_us == 0 {
        return counts;
    }
    for e in stream.events() {
        let k = usize::try_from(e.t_us() / window_us)
            .unwrap_or(usize::MAX)
            .min(windows - 1);
        counts[k] += 1;
    }
    counts
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
        assert_eq!(window_counts(&s, 10, 2), vec![3, 5]);
        assert_eq!(window_counts(&s, 10, 0), Vec::<u64>::new());
    }

    #[test]
    fn spread_by_hand() {
        let s = Spread::of(&[3.0, 1.0, 2.0, 10.0, f64::NAN]);
        assert_eq!(
            (s.n, s.mean, s.median, s.min, s.max),
            (4, 4.0, 2.5, 1.0, 10.0)
        );
        let odd = Spread::of(&[5.0, 1.0, 2.0]);
        assert_eq!(odd.median, 2.0);
        assert_eq!(Spread::of(&[]).n, 0);
    }
}
