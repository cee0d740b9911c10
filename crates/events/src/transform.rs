//! Transforms of event streams: spatial crop and downsampling, polarity
//! selection, time crop, refractory and background-activity filters, and
//! channel remapping. Each returns a new stream and leaves its input alone.
//!
//! Relation to tonic:
//!
//! * [`refractory_filter`] in [`RefractoryMode::Tonic`] (the default) is
//!   tonic's `RefractoryPeriod` exactly, including its drop of a pixel's
//!   first event at t = 0; [`RefractoryMode::SinceKept`] measures the
//!   period from the last *kept* event instead (see [`RefractoryMode`]).
//!
//! Differences from tonic, on purpose:
//!
//! * [`denoise`] starts with "no event seen yet" (tonic's memory starts at
//!   `filter_time`, which keeps every event before `filter_time` whatever
//!   its neighbourhood). Otherwise it is tonic's filter: an event is kept if
//!   one of its 4 (or, selectable, 8) neighbours fired less than
//!   `filter_time_us` before it; every event, kept or not, updates its pixel.

use serde::{Deserialize, Serialize};

use crate::error::{Error, IN_MEMORY, Result};
use crate::event::{
    AudioEvent, AudioSensor, AudioStream, Event, EventStream, VisionEvent, VisionSensor,
    VisionStream,
};
use param_guard::ParamError;

/// Keeps the events inside the window `[x0, x0 + width) x [y0, y0 + height)`
/// and moves them to its coordinates; the result's sensor is the window. A
/// window reaching outside the sensor is an error.
pub fn crop(
    stream: &VisionStream,
    x0: u16,
    y0: u16,
    width: u16,
    height: u16,
) -> Result<VisionStream> {
    let sensor = *stream.sensor();
    let fits = |start: u16, len: u16, limit: u16| {
        len > 0 && u32::from(start) + u32::from(len) <= u32::from(limit)
    };
    if !fits(x0, width, sensor.width) || !fits(y0, height, sensor.height) {
        return Err(Error::InvalidParameter(ParamError {
            field: "crop".into(),
            value: format!("x {x0}+{width}, y {y0}+{height}"),
            allowed: format!(
                "a non-empty window inside the {} x {} sensor",
                sensor.width, sensor.height
            ),
        }));
    }
    let events = stream
        .events()
        .iter()
        .filter(|e| e.x >= x0 && e.x - x0 < width && e.y >= y0 && e.y - y0 < height)
        .map(|e| VisionEvent {
            x: e.x - x0,
            y: e.y - y0,
            ..*e
        })
        .collect();
    Ok(EventStream::from_checked(
        VisionSensor { width, height },
        events,
    ))
}

/// The offsets of a centred `width x height` window: `(W - width) / 2` and
/// `(H - height) / 2`, rounded down (34 -> 16 keeps columns and rows 9-24).
pub fn centre_offsets(sensor: &VisionSensor, width: u16, height: u16) -> (u16, u16) {
    (
        sensor.width.saturating_sub(width) / 2,
        sensor.height.saturating_sub(height) / 2,
    )
}

/// Centre crop to `width x height` (the paper crops 34 x 34 to 16 x 16).
pub fn centre_crop(stream: &VisionStream, width: u16, height: u16) -> Result<VisionStream> {
    let (x0, y0) = centre_offsets(stream.sensor(), width, height);
    crop(stream, x0, y0, width, height)
}

/// Spatial downsampling: pixel `(x, y)` becomes `(x / fx, y / fy)` on a
/// sensor of `ceil(W / fx) x ceil(H / fy)`; events are kept (several may
/// now share a pixel).
pub fn downsample(stream: &VisionStream, fx: u16, fy: u16) -> Result<VisionStream> {
    if fx == 0 || fy == 0 {
        return Err(Error::InvalidParameter(ParamError {
            field: "downsample factor".into(),
            value: format!("{fx} x {fy}"),
            allowed: "at least 1 in both directions".into(),
        }));
    }
    let s = stream.sensor();
    let sensor = VisionSensor {
        width: s.width.div_ceil(fx),
        height: s.height.div_ceil(fy),
    };
    let events = stream
        .events()
        .iter()
        .map(|e| VisionEvent {
            x: e.x / fx,
            y: e.y / fy,
            ..*e
        })
        .collect();
    Ok(EventStream::from_checked(sensor, events))
}

/// The events of one polarity (`on = true` keeps ON events).
pub fn select_polarity(stream: &VisionStream, on: bool) -> VisionStream {
    stream.filtered(|e| e.on == on)
}

/// All events with polarity set to ON (polarity merge at the event level;
/// binning can also merge, see [`crate::binning::PolarityMode`]).
pub fn merge_polarity(stream: &VisionStream) -> VisionStream {
    let events = stream
        .events()
        .iter()
        .map(|e| VisionEvent { on: true, ..*e })
        .collect();
    EventStream::from_checked(*stream.sensor(), events)
}

/// The events with `start_us <= t < end_us`, timestamps unchanged.
pub fn time_crop<E: Event>(stream: &EventStream<E>, start_us: u64, end_us: u64) -> EventStream<E> {
    stream.filtered(|e| (start_us..end_us).contains(&e.t_us()))
}

/// Timestamps shifted so that the earliest event is at 0.
pub fn rebase_time(stream: &VisionStream) -> VisionStream {
    let t0 = stream.t_min_us().unwrap_or(0);
    let events = stream
        .events()
        .iter()
        .map(|e| VisionEvent {
            t_us: e.t_us - t0,
            ..*e
        })
        .collect();
    EventStream::from_checked(*stream.sensor(), events)
}

/// What the refractory filter measures its period from.
///
/// Both modes work per sensor element (pixel `(x, y)` with polarity
/// ignored, or audio channel), compare strictly (`gap > period_us`, so an
/// event exactly `period_us` after the reference is dropped) and count in
/// microseconds, the unit of the timestamps. They differ in which events
/// move the reference and in the first event of an element:
///
/// | | `tonic` (default) | `since-kept` |
/// |---|---|---|
/// | reference time of an element | its last event, **kept or dropped** | its last **kept** event |
/// | kept if | `t - t_last_event > period_us` | `t - t_last_kept > period_us` |
/// | first event of an element | kept if `t > 0` (memory starts at `-period_us`; a first event at exactly t = 0 is dropped) | always kept |
/// | a burst of events less than `period_us` apart | only its first event (if that is kept); the burst keeps the element silent until a gap longer than `period_us` | one event every `period_us` or more (a dead time after each kept event) |
/// | shared N-MNIST sample, 5 ms | 2,454 of 4,325 events | 3,156 of 4,325 events |
///
/// `tonic` is `tonic.functional.refractory_period_numpy` (behind
/// `tonic.transforms.RefractoryPeriod`): a per-pixel memory initialised to
/// `-refractory_period`, and for every event `keep = t - memory[x, y] >
/// refractory_period`, then `memory[x, y] = t` whether kept or not. Every
/// event `tonic` keeps, `since-kept` keeps too. Unlike tonic, both modes
/// reject decreasing timestamps ([`Error::NonMonotonic`]); tonic would
/// silently drop an event earlier than its pixel's memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefractoryMode {
    /// tonic's `RefractoryPeriod`: every event, kept or dropped, restarts
    /// its element's period.
    #[default]
    Tonic,
    /// Dead time after each kept event: dropped events do not restart the
    /// period, and an element's first event is always kept.
    SinceKept,
}

/// Refractory filter: drops an event that follows its sensor element's
/// reference event (pixel, polarity ignored, or channel) by `period_us` or
/// less; `mode` says which event is the reference and how a first event is
/// treated (see [`RefractoryMode`]; [`RefractoryMode::Tonic`] is tonic's
/// filter). Timestamps must not decrease ([`Error::NonMonotonic`]
/// otherwise).
pub fn refractory_filter<E: Event>(
    stream: &EventStream<E>,
    period_us: u64,
    mode: RefractoryMode,
) -> Result<EventStream<E>> {
    stream.check_monotonic(IN_MEMORY)?;
    let sensor = *stream.sensor();
    // The reference time of each element; `None` before its first event
    // (tonic's initial `-period_us`). Timestamps do not decrease, so
    // `t >= reference` and the subtraction cannot underflow.
    let mut last: Vec<Option<u64>> = vec![None; E::elements(&sensor)];
    Ok(stream.filtered(|e| {
        let t = e.t_us();
        let slot = &mut last[e.element(&sensor)];
        match mode {
            RefractoryMode::Tonic => {
                // t - (-period) > period  <=>  t > 0 for a first event.
                let keep = slot.map_or(t > 0, |last| t - last > period_us);
                *slot = Some(t);
                keep
            }
            RefractoryMode::SinceKept => {
                let keep = slot.is_none_or(|last| t - last > period_us);
                if keep {
                    *slot = Some(t);
                }
                keep
            }
        }
    }))
}

/// Which neighbours the background-activity filter looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Neighbourhood {
    /// Left, right, up, down (tonic).
    #[default]
    Four,
    /// The 8 surrounding pixels (the classic background-activity filter).
    Eight,
}

/// Parameters of the background-activity filter [`denoise`].
///
/// | field | unit | default | source |
/// |---|---|---|---|
/// | `filter_time_us` | us | 10,000 | tonic `Denoise` |
/// | `neighbourhood` | - | `four` | tonic `Denoise` |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DenoiseParams {
    /// Longest gap to a neighbour's last event for an event to be kept.
    pub filter_time_us: u64,
    /// Which neighbours count.
    pub neighbourhood: Neighbourhood,
}

impl Default for DenoiseParams {
    fn default() -> Self {
        Self {
            filter_time_us: 10_000,
            neighbourhood: Neighbourhood::Four,
        }
    }
}

/// Background-activity filter: drops events with no neighbour event in the
/// `filter_time_us` before them (see the module docs for the exact rule).
/// Timestamps must not decrease ([`Error::NonMonotonic`] otherwise).
pub fn denoise(stream: &VisionStream, params: &DenoiseParams) -> Result<VisionStream> {
    stream.check_monotonic(IN_MEMORY)?;
    let sensor = *stream.sensor();
    let (w, h) = (i32::from(sensor.width), i32::from(sensor.height));
    // Time of the last event of each pixel, any polarity.
    let mut last: Vec<Option<u64>> = vec![None; sensor.pixels() as usize];
    const FOUR: [(i32, i32); 4] = [(-1, 0), (1, 0), (0, -1), (0, 1)];
    const EIGHT: [(i32, i32); 8] = [
        (-1, -1),
        (0, -1),
        (1, -1),
        (-1, 0),
        (1, 0),
        (-1, 1),
        (0, 1),
        (1, 1),
    ];
    let offsets: &[(i32, i32)] = match params.neighbourhood {
        Neighbourhood::Four => &FOUR,
        Neighbourhood::Eight => &EIGHT,
    };
    Ok(stream.filtered(|e| {
        let (x, y) = (i32::from(e.x), i32::from(e.y));
        let keep = offsets.iter().any(|&(dx, dy)| {
            let (nx, ny) = (x + dx, y + dy);
            (0..w).contains(&nx)
                && (0..h).contains(&ny)
                && last[(ny * w + nx) as usize].is_some_and(|t| e.t_us - t < params.filter_time_us)
        });
        last[(y * w + x) as usize] = Some(e.t_us);
        keep
    }))
}

/// Moves every audio event to channel `map[channel]` on a sensor of
/// `channels`; events whose channel maps to `None` (or lies beyond the map)
/// are dropped. A target outside `0..channels` is an error.
pub fn remap_channels(
    stream: &AudioStream,
    map: &[Option<u16>],
    channels: u16,
) -> Result<AudioStream> {
    if let Some((i, bad)) = map
        .iter()
        .enumerate()
        .find_map(|(i, m)| m.filter(|&c| c >= channels).map(|c| (i, c)))
    {
        return Err(Error::InvalidParameter(ParamError {
            field: format!("channel map[{i}]"),
            value: bad.to_string(),
            allowed: format!("in 0..{channels}"),
        }));
    }
    let events = stream
        .events()
        .iter()
        .filter_map(|e| {
            map.get(usize::from(e.channel))
                .copied()
                .flatten()
                .map(|channel| AudioEvent { channel, ..*e })
        })
        .collect();
    Ok(EventStream::from_checked(AudioSensor { channels }, events))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t_us: u64, x: u16, y: u16, on: bool) -> VisionEvent {
        VisionEvent { t_us, x, y, on }
    }

    fn stream(events: Vec<VisionEvent>) -> VisionStream {
        VisionStream::new(VisionSensor::NMNIST, events).unwrap()
    }

    #[test]
    fn centre_crop_keeps_exactly_the_inside() {
        // Every pixel of the sensor once: the crop keeps the 16 x 16 block
        // starting at (9, 9) and nothing else.
        let mut events = Vec::new();
        for y in 0..34 {
            for x in 0..34 {
                events.push(ev(u64::from(y * 34 + x), x, y, (x + y) % 2 == 0));
            }
        }
        let s = stream(events);
        assert_eq!(centre_offsets(s.sensor(), 16, 16), (9, 9));
        let c = centre_crop(&s, 16, 16).unwrap();
        assert_eq!(
            *c.sensor(),
            VisionSensor {
                width: 16,
                height: 16
            }
        );
        assert_eq!(c.len(), 256);
        for e in c.events() {
            let (ox, oy) = (e.x + 9, e.y + 9);
            assert_eq!(
                e.t_us,
                u64::from(oy * 34 + ox),
                "shifted back it is the same event"
            );
            assert_eq!(e.on, (ox + oy) % 2 == 0);
        }
        assert!(crop(&s, 30, 0, 5, 5).is_err());
        assert!(crop(&s, 0, 0, 0, 5).is_err());
    }

    #[test]
    fn downsample_and_polarity() {
        let s = stream(vec![
            ev(0, 33, 33, true),
            ev(1, 2, 3, false),
            ev(2, 3, 2, true),
        ]);
        let d = downsample(&s, 2, 4).unwrap();
        assert_eq!(
            *d.sensor(),
            VisionSensor {
                width: 17,
                height: 9
            }
        );
        let xy: Vec<(u16, u16)> = d.events().iter().map(|e| (e.x, e.y)).collect();
        assert_eq!(xy, vec![(16, 8), (1, 0), (1, 0)]);
        assert!(downsample(&s, 0, 1).is_err());
        assert_eq!(select_polarity(&s, true).len(), 2);
        assert_eq!(select_polarity(&s, false).len(), 1);
        assert!(merge_polarity(&s).events().iter().all(|e| e.on));
        let t = time_crop(&s, 1, 2);
        assert_eq!(t.events(), &[ev(1, 2, 3, false)]);
        let r = rebase_time(&stream(vec![ev(5, 0, 0, true), ev(9, 0, 0, true)]));
        assert_eq!(r.events()[1].t_us, 4);
    }

    /// The timestamps [`refractory_filter`] keeps.
    fn refractory_kept(s: &VisionStream, period_us: u64, mode: RefractoryMode) -> Vec<u64> {
        refractory_filter(s, period_us, mode)
            .unwrap()
            .events()
            .iter()
            .map(|e| e.t_us)
            .collect()
    }

    #[test]
    fn refractory_drops_within_period_per_pixel() {
        let s = stream(vec![
            ev(1, 1, 1, true),
            ev(5, 1, 1, false), // same pixel, other polarity, 4 <= 10: dropped
            ev(6, 2, 1, true),  // other pixel: kept
            ev(11, 1, 1, true), // tonic 11 - 5 = 6, since-kept 11 - 1 = 10: dropped
            ev(22, 1, 1, true), // tonic 22 - 11 = 11, since-kept 22 - 1 = 21: kept
        ]);
        for mode in [RefractoryMode::Tonic, RefractoryMode::SinceKept] {
            assert_eq!(refractory_kept(&s, 10, mode), vec![1, 6, 22], "{mode:?}");
        }
        let unsorted = stream(vec![ev(5, 0, 0, true), ev(1, 0, 0, true)]);
        for mode in [RefractoryMode::Tonic, RefractoryMode::SinceKept] {
            assert!(matches!(
                refractory_filter(&unsorted, 1, mode),
                Err(Error::NonMonotonic { .. })
            ));
        }
        assert_eq!(RefractoryMode::default(), RefractoryMode::Tonic);
    }

    #[test]
    fn refractory_modes_differ_on_dropped_events_and_t_zero() {
        // Period 10 us. Worked by hand: "mem" is tonic's memory (last
        // event), "ref" the since-kept reference (last kept event).
        let s = stream(vec![
            // first at pixel A, t = 0: tonic 0 - (-10) = 10, not > 10:
            // dropped (mem 0); since-kept: first event, kept (ref 0).
            ev(0, 1, 1, true),
            // first at pixel B, t > 0: kept by both (mem, ref 4).
            ev(4, 2, 1, true),
            // A, other polarity: 8 - 0 = 8 in both: dropped (mem 8, ref 0).
            ev(8, 1, 1, false),
            // A: tonic 15 - 8 = 7: dropped (mem 15); since-kept 15 - 0 =
            // 15: kept (ref 15).
            ev(15, 1, 1, true),
            // A: tonic 25 - 15 = 10, since-kept 25 - 15 = 10, neither > 10:
            // dropped by both (mem 25, ref 15).
            ev(25, 1, 1, true),
            // A: tonic 36 - 25 = 11, since-kept 36 - 15 = 21: kept by both.
            ev(36, 1, 1, false),
            // B: 36 - 4 = 32 in both: kept (mem, ref 36).
            ev(36, 2, 1, true),
            // B at the same time: 0 in both: dropped.
            ev(36, 2, 1, true),
        ]);
        assert_eq!(
            refractory_kept(&s, 10, RefractoryMode::Tonic),
            vec![4, 36, 36]
        );
        assert_eq!(
            refractory_kept(&s, 10, RefractoryMode::SinceKept),
            vec![0, 4, 15, 36, 36]
        );
        // With no period the modes agree but for the first event at t = 0;
        // equal timestamps at one pixel are still dropped (0 is not > 0).
        assert_eq!(
            refractory_kept(&s, 0, RefractoryMode::Tonic),
            vec![4, 8, 15, 25, 36, 36]
        );
        assert_eq!(
            refractory_kept(&s, 0, RefractoryMode::SinceKept),
            vec![0, 4, 8, 15, 25, 36, 36]
        );
        // Audio: the element is the channel.
        let a = AudioStream::new(
            AudioSensor::NTIDIGITS,
            [(0, 3), (2, 3), (4, 3), (6, 5), (9, 3)]
                .map(|(t_us, channel)| AudioEvent { t_us, channel })
                .to_vec(),
        )
        .unwrap();
        let kept = |mode| -> Vec<u64> {
            refractory_filter(&a, 3, mode)
                .unwrap()
                .events()
                .iter()
                .map(|e| e.t_us)
                .collect()
        };
        // Channel 3 at 0, 2, 4, 9; channel 5 at 6, kept by both. Tonic: 0
        // dropped (t = 0), 2 - 0 = 2 and 4 - 2 = 2 dropped, 9 - 4 = 5 kept;
        // since-kept: 0 kept, 2 - 0 = 2 dropped, 4 - 0 = 4 kept, 9 - 4 = 5
        // kept.
        assert_eq!(kept(RefractoryMode::Tonic), vec![6, 9]);
        assert_eq!(kept(RefractoryMode::SinceKept), vec![0, 4, 6, 9]);
    }

    #[test]
    fn denoise_needs_a_recent_neighbour() {
        let p = DenoiseParams {
            filter_time_us: 100,
            neighbourhood: Neighbourhood::Four,
        };
        let s = stream(vec![
            ev(0, 5, 5, true),    // nobody before: dropped
            ev(50, 6, 5, true),   // left neighbour 50 us ago: kept
            ev(60, 7, 7, true),   // isolated: dropped
            ev(70, 8, 8, true),   // diagonal of (7,7): dropped with 4, kept with 8
            ev(300, 5, 5, true),  // (6,5) fired 250 us ago: dropped
            ev(340, 5, 6, false), // (5,5) 40 us ago: kept
        ]);
        let t: Vec<u64> = denoise(&s, &p)
            .unwrap()
            .events()
            .iter()
            .map(|e| e.t_us)
            .collect();
        assert_eq!(t, vec![50, 340]);
        let p8 = DenoiseParams {
            neighbourhood: Neighbourhood::Eight,
            ..p
        };
        let t: Vec<u64> = denoise(&s, &p8)
            .unwrap()
            .events()
            .iter()
            .map(|e| e.t_us)
            .collect();
        assert_eq!(t, vec![50, 70, 340]);
    }

    #[test]
    fn channel_remap_moves_and_drops() {
        let s = AudioStream::new(
            AudioSensor::NTIDIGITS,
            vec![
                AudioEvent {
                    t_us: 0,
                    channel: 0,
                },
                AudioEvent {
                    t_us: 1,
                    channel: 1,
                },
                AudioEvent {
                    t_us: 2,
                    channel: 63,
                },
            ],
        )
        .unwrap();
        let r = remap_channels(&s, &[Some(3), None], 4).unwrap();
        assert_eq!(
            r.events(),
            &[AudioEvent {
                t_us: 0,
                channel: 3
            }]
        );
        assert_eq!(r.sensor().channels, 4);
        assert!(
            remap_channels(&s, &[Some(4)], 4)
                .unwrap_err()
                .to_string()
                .contains("map[0]")
        );
    }
}
