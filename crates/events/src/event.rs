//! Event types, sensor geometries and event streams.

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::error::{Error, IN_MEMORY, Result};

/// One event of an event sensor: anything with a timestamp that can be checked
/// against a sensor geometry.
pub trait Event: Copy + Debug + PartialEq + Send + Sync + 'static {
    /// The sensor geometry events of this kind live on.
    type Sensor: Copy + Debug + PartialEq + Eq + Send + Sync + 'static;

    /// Timestamp in microseconds.
    fn t_us(&self) -> u64;

    /// `None` if the event lies on `sensor`, else the offending coordinate's
    /// name, value and the sensor's extent along it.
    fn outside(&self, sensor: &Self::Sensor) -> Option<(&'static str, u64, u64)>;

    /// Flat index of the sensor element that fired, in
    /// `0..Self::elements(sensor)`: the pixel `y * width + x` for vision
    /// (polarity ignored), the channel for audio. Only meaningful for an
    /// event on the sensor.
    fn element(&self, sensor: &Self::Sensor) -> usize;

    /// Number of sensor elements.
    fn elements(sensor: &Self::Sensor) -> usize;
}

/// An event of a dynamic vision sensor (ATIS / DVS), as in N-MNIST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VisionEvent {
    /// Timestamp in microseconds since the start of the recording.
    pub t_us: u64,
    /// Column, 0 at the left.
    pub x: u16,
    /// Row, 0 at the top.
    pub y: u16,
    /// Polarity: `true` for ON (brightness increased; bit set in the file),
    /// `false` for OFF.
    pub on: bool,
}

/// An event of a dynamic audio sensor (silicon cochlea), as in N-TIDIGITS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AudioEvent {
    /// Timestamp in microseconds since the start of the recording.
    pub t_us: u64,
    /// Cochlea channel (frequency band), 0-based.
    pub channel: u16,
}

/// Geometry of a vision sensor: `width x height` pixels, two polarities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisionSensor {
    /// Number of columns.
    pub width: u16,
    /// Number of rows.
    pub height: u16,
}

impl VisionSensor {
    /// The N-MNIST sensor: 34 x 34 pixels (Orchard et al. 2015), two polarities.
    pub const NMNIST: VisionSensor = VisionSensor {
        width: 34,
        height: 34,
    };

    /// Number of pixels, `width * height`.
    pub fn pixels(&self) -> u32 {
        u32::from(self.width) * u32::from(self.height)
    }

    /// Whether `(x, y)` is a pixel of this sensor.
    pub fn contains(&self, x: u16, y: u16) -> bool {
        x < self.width && y < self.height
    }
}

impl Default for VisionSensor {
    fn default() -> Self {
        Self::NMNIST
    }
}

/// Geometry of an audio sensor: `channels` cochlea channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioSensor {
    /// Number of channels.
    pub channels: u16,
}

impl AudioSensor {
    /// The N-TIDIGITS sensor: the 64-channel CochleaAMS (Anumula et al. 2018).
    pub const NTIDIGITS: AudioSensor = AudioSensor { channels: 64 };
}

impl Default for AudioSensor {
    fn default() -> Self {
        Self::NTIDIGITS
    }
}

impl Event for VisionEvent {
    type Sensor = VisionSensor;

    fn t_us(&self) -> u64 {
        self.t_us
    }

    fn outside(&self, sensor: &VisionSensor) -> Option<(&'static str, u64, u64)> {
        if self.x >= sensor.width {
            Some(("x", u64::from(self.x), u64::from(sensor.width)))
        } else if self.y >= sensor.height {
            Some(("y", u64::from(self.y), u64::from(sensor.height)))
        } else {
            None
        }
    }

    fn element(&self, sensor: &VisionSensor) -> usize {
        usize::from(self.y) * usize::from(sensor.width) + usize::from(self.x)
    }

    fn elements(sensor: &VisionSensor) -> usize {
        sensor.pixels() as usize
    }
}

impl Event for AudioEvent {
    type Sensor = AudioSensor;

    fn t_us(&self) -> u64 {
        self.t_us
    }

    fn outside(&self, sensor: &AudioSensor) -> Option<(&'static str, u64, u64)> {
        (self.channel >= sensor.channels).then_some((
            "channel",
            u64::from(self.channel),
            u64::from(sensor.channels),
        ))
    }

    fn element(&self, _sensor: &AudioSensor) -> usize {
        usize::from(self.channel)
    }

    fn elements(sensor: &AudioSensor) -> usize {
        usize::from(sensor.channels)
    }
}

/// The events of one recording with the geometry of the sensor that made them.
///
/// Invariant: every event lies on the sensor. Events are kept in the order
/// given (real recordings are in time order; [`EventStream::is_time_sorted`]
/// says whether this one is).
#[derive(Clone, Debug, PartialEq)]
pub struct EventStream<E: Event> {
    sensor: E::Sensor,
    events: Vec<E>,
}

/// A stream of vision events.
pub type VisionStream = EventStream<VisionEvent>;

/// A stream of audio events.
pub type AudioStream = EventStream<AudioEvent>;

impl<E: Event> EventStream<E> {
    /// A stream of `events` on `sensor`; an event outside the sensor is an
    /// error naming its index.
    pub fn new(sensor: E::Sensor, events: Vec<E>) -> Result<Self> {
        Self::checked(sensor, events, IN_MEMORY)
    }

    /// Like [`EventStream::new`], naming `origin` (a file) in errors.
    pub(crate) fn checked(sensor: E::Sensor, events: Vec<E>, origin: &str) -> Result<Self> {
        if let Some((i, (coordinate, value, limit))) = events
            .iter()
            .enumerate()
            .find_map(|(i, e)| e.outside(&sensor).map(|o| (i, o)))
        {
            return Err(Error::OutsideSensor {
                file: origin.to_owned(),
                item: format!("event {i}"),
                coordinate,
                value,
                limit,
            });
        }
        Ok(Self { sensor, events })
    }

    /// A stream whose events the caller has already checked.
    pub(crate) fn from_checked(sensor: E::Sensor, events: Vec<E>) -> Self {
        debug_assert!(events.iter().all(|e| e.outside(&sensor).is_none()));
        Self { sensor, events }
    }

    /// An empty stream on `sensor`.
    pub fn empty(sensor: E::Sensor) -> Self {
        Self {
            sensor,
            events: Vec::new(),
        }
    }

    /// The sensor geometry.
    pub fn sensor(&self) -> &E::Sensor {
        &self.sensor
    }

    /// The events, in stored order.
    pub fn events(&self) -> &[E] {
        &self.events
    }

    /// The events, by value.
    pub fn into_events(self) -> Vec<E> {
        self.events
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether there is no event.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The earliest timestamp, if any event.
    pub fn t_min_us(&self) -> Option<u64> {
        self.events.iter().map(Event::t_us).min()
    }

    /// The latest timestamp, if any event.
    pub fn t_max_us(&self) -> Option<u64> {
        self.events.iter().map(Event::t_us).max()
    }

    /// Duration `t_max - t_min` in microseconds (0 for fewer than two events).
    pub fn duration_us(&self) -> u64 {
        match (self.t_min_us(), self.t_max_us()) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        }
    }

    /// Whether timestamps never decrease.
    pub fn is_time_sorted(&self) -> bool {
        self.events.windows(2).all(|w| w[0].t_us() <= w[1].t_us())
    }

    /// Sorts the events by timestamp (stable: equal timestamps keep their order).
    pub fn sort_by_time(&mut self) {
        self.events.sort_by_key(Event::t_us);
    }

    /// An error naming the first event whose timestamp is below its
    /// predecessor's, if any; `origin` names the data in the message.
    pub fn check_monotonic(&self, origin: &str) -> Result<()> {
        check_monotonic(self.events.iter().map(Event::t_us), origin, "event")
    }

    /// A stream of the events for which `keep` is true (same sensor).
    pub fn filtered(&self, mut keep: impl FnMut(&E) -> bool) -> Self {
        Self {
            sensor: self.sensor,
            events: self.events.iter().copied().filter(|e| keep(e)).collect(),
        }
    }
}

impl VisionStream {
    /// Number of ON events.
    pub fn on_count(&self) -> usize {
        self.events.iter().filter(|e| e.on).count()
    }

    /// Fraction of ON events (0 for an empty stream).
    pub fn on_fraction(&self) -> f64 {
        if self.events.is_empty() {
            0.0
        } else {
            self.on_count() as f64 / self.events.len() as f64
        }
    }
}

/// An error naming the first item whose timestamp decreases.
pub(crate) fn check_monotonic(
    times: impl Iterator<Item = u64>,
    origin: &str,
    what: &str,
) -> Result<()> {
    let mut previous: Option<u64> = None;
    for (i, t) in times.enumerate() {
        if let Some(p) = previous
            && t < p
        {
            return Err(Error::NonMonotonic {
                file: origin.to_owned(),
                item: format!("{what} {i}"),
                t_us: t,
                previous_us: p,
            });
        }
        previous = Some(t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t_us: u64, x: u16, y: u16, on: bool) -> VisionEvent {
        VisionEvent { t_us, x, y, on }
    }

    #[test]
    fn stream_rejects_events_outside_the_sensor() {
        let err = VisionStream::new(
            VisionSensor::NMNIST,
            vec![ev(0, 1, 1, true), ev(5, 34, 0, false)],
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("event 1") && msg.contains("x = 34") && msg.contains("0..34"),
            "{msg}"
        );
        let err = AudioStream::new(
            AudioSensor::NTIDIGITS,
            vec![AudioEvent {
                t_us: 0,
                channel: 64,
            }],
        )
        .unwrap_err();
        assert!(err.to_string().contains("channel = 64"), "{err}");
    }

    #[test]
    fn times_duration_and_polarity() {
        let s = VisionStream::new(
            VisionSensor::NMNIST,
            vec![
                ev(10, 0, 0, true),
                ev(30, 1, 0, false),
                ev(20, 2, 0, true),
                ev(40, 3, 3, true),
            ],
        )
        .unwrap();
        assert_eq!(s.t_min_us(), Some(10));
        assert_eq!(s.t_max_us(), Some(40));
        assert_eq!(s.duration_us(), 30);
        assert_eq!(s.on_count(), 3);
        assert!((s.on_fraction() - 0.75).abs() < 1e-12);
        assert!(!s.is_time_sorted());
        let err = s.check_monotonic("f.bin").unwrap_err().to_string();
        assert!(
            err.contains("event 2") && err.contains("20 us") && err.contains("30 us"),
            "{err}"
        );
        let mut sorted = s.clone();
        sorted.sort_by_time();
        assert!(sorted.is_time_sorted());
        assert!(sorted.check_monotonic("f.bin").is_ok());
        assert_eq!(VisionStream::empty(VisionSensor::NMNIST).duration_us(), 0);
    }
}
