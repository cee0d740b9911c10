//! Transforms of event streams: spatial crop and downsampling, polarity
//! selection, time crop, refractory and background-activity filters, and
//! channel remapping. Each returns a new stream and leaves its input alone.
//!
//! Differences from tonic, on purpose:
//!
//! * [`refractory_filter`] always keeps the first event of a pixel (tonic's
//!   memory starts at `-period`, which drops a first event at exactly t = 0).
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

/// Refractory filter: an event is kept if its sensor element (pixel,
/// polarity ignored, or channel) has no kept event in the `period_us`
/// before it (`t - t_last_kept > period_us`, as tonic). Timestamps must not
/// decrease ([`Error::NonMonotonic`] otherwise).
pub fn refractory_filter<E: Event>(
    stream: &EventStream<E>,
    period_us: u64,
) -> Result<EventStream<E>> {
    stream.check_monotonic(IN_MEMORY)?;
    let sensor = *stream.sensor();
    let mut last: Vec<Option<u64>> = vec![None; E::elements(&sensor)];
    Ok(stream.filtered(|e| {
        let slot = &mut last[e.element(&sensor)];
        let keep = slot.is_none_or(|t| e.t_us() - t > period_us);
        if keep {
            *slot = Some(e.t_us());
        }
        keep
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

    #[test]
    fn refractory_drops_within_period_per_pixel() {
        let s = stream(vec![
            ev(0, 1, 1, true),
            ev(5, 1, 1, false), // same pixel, 5 <= 10: dropped
            ev(6, 2, 1, true),  // other pixel: kept
            ev(10, 1, 1, true), // 10 - 0 = 10, not > 10: dropped
            ev(11, 1, 1, true), // 11 > 10: kept
            ev(15, 1, 1, true), // 15 - 11 = 4: dropped
        ]);
        let r = refractory_filter(&s, 10).unwrap();
        let t: Vec<u64> = r.events().iter().map(|e| e.t_us).collect();
        assert_eq!(t, vec![0, 6, 11]);
        let unsorted = stream(vec![ev(5, 0, 0, true), ev(1, 0, 0, true)]);
        assert!(matches!(
            refractory_filter(&unsorted, 1),
            Err(Error::NonMonotonic { .. })
        ));
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
