//! DVS saccade emulator: a grey image (MNIST) moved along N-MNIST's three
//! saccades in front of an emulated dynamic vision sensor.
//!
//! # Scene and motion
//!
//! N-MNIST (Orchard et al. 2015) was recorded by an ATIS camera on a pan-tilt
//! unit looking at MNIST digits on a monitor; the camera made three
//! saccades of about 105 ms each, moving the image by (+3.5, +7), (+3.5, -7)
//! and (-7, 0) pixels (a triangle back to the start). The emulator places
//! the image on the 34 x 34 sensor so that the bounding box of the motion
//! is centred, maps pixel value `p` (0-255) to display luminance
//! `I = white - (white - black) p / 255` (digital numbers, DN, as v2e's
//! frames; dark digits on a bright background, see below), blurs it with a Gaussian of `blur_sigma_px` (the optics), and
//! samples it at sub-pixel positions with bilinear interpolation.
//!
//! Within each saccade the displacement follows a velocity profile: raised
//! cosine (default; speed `1 - cos(2 pi u)`, zero at both ends, as a
//! pan-tilt move starts and stops, which gives the lulls between the three
//! bursts of real recordings) or constant.
//!
//! # Pixel model (v2e, ESIM)
//!
//! * Lin-log photoreceptor: `L(I) = I ln(I_lin) / I_lin` for `I < I_lin`,
//!   `ln I` above (v2e's `lin_log`, `I_lin` = 20 DN).
//! * Optional first-order low-pass `tau dLp/dt = L - Lp`, `tau = 1 / (2 pi
//!   f_c)` (exact exponential update per sample; v2e scales `f_c` with
//!   intensity, we keep it fixed).
//! * Each pixel memorises a level `M`. When `Lp - M >= theta_on` it emits an
//!   ON event and `M += theta_on`; when `Lp - M <= -theta_off` an OFF event
//!   and `M -= theta_off`, one event per threshold crossing (ESIM). The
//!   crossing time is interpolated linearly between the two samples that
//!   bracket it.
//! * Thresholds differ per pixel: `theta ~ N(theta_nominal, sigma)`,
//!   clipped below at `threshold_min`, drawn once per emulator (the fixed
//!   pattern of one camera) from `seeds.stream(Purpose::EmulatorNoise)`.
//! * Refractory period: an event less than `refractory_us` after the
//!   previous event of the same pixel is delayed to the end of the period
//!   (the pending change fires as soon as the pixel listens again); if that
//!   is after the current sample, it waits for the next one.
//! * Leak: `M` drifts down by `theta_on * leak_rate_hz` per second, giving
//!   ON events at about `leak_rate_hz` in a static scene.
//! * Shot noise: ON or OFF events (equally likely) at random pixels and
//!   times, `shot_noise_rate_hz` per pixel (a Poisson process; they do not
//!   change `M`).
//! * Initial level: the digit appeared on the display before the
//!   saccades, so a pixel brighter than the middle of the log range last
//!   fired ON and one darker last fired OFF: `M = Lp(0) - u theta_on` or
//!   `M = Lp(0) + u theta_off`, `u` uniform in [0, 1) per pixel and sample,
//!   drawn from the sample's stream `seeds.keyed(Purpose::EmulatorNoise,
//!   key)` together with the shot noise. (A level uniform in
//!   `(-theta_off, theta_on)` would give every pixel's first transition
//!   half an event more than the later ones, which follow a reversal; as
//!   most active pixels start on the background, that is an ON excess of
//!   about 1.5 points.)
//!
//! # Sampling
//!
//! Samples are taken at equal steps of displacement (their times follow the
//! velocity profile). The step is set once per emulator so that no pixel's
//! log intensity can change by more than `max_log_step * theta_on` between
//! two samples: with `G` the largest luminance change per pixel of
//! displacement (`white - black`, reduced by the blur to
//! `(white - black) / (sigma sqrt(2 pi))`) and `S` the largest slope of
//! `L(I)` for `I >= black`, a step of `d` pixels changes `L` by at most
//! `d (|dx| + |dy|) / |d| * G * S`. Pixels whose bilinear neighbourhood stays
//! uniform during a saccade are not sampled (one exact step covers their
//! leak).
//!
//! # Parameters ([`DvsParams`])
//!
//! | field | unit | default | source |
//! |---|---|---|---|
//! | `sensor` | px | 34 x 34 | N-MNIST |
//! | `saccades_px` | px | (3.5, 7), (3.5, -7), (-7, 0) | N-MNIST authors' stabilisation code |
//! | `saccade_us` | us | 105,000 | N-MNIST (about 105 ms per saccade) |
//! | `velocity_profile` | - | raised cosine | our choice (lulls between bursts of the real sample) |
//! | `display_black_dn`, `display_white_dn` | DN | 75, 255 | black calibrated to N-MNIST's events per sample (see below) |
//! | `inverted_display` | - | true | the real N-MNIST sample (see below) |
//! | `blur_sigma_px` | px | 0.5 | our choice (optics) |
//! | `lin_log_dn` | DN | 20 | v2e `lin_log` |
//! | `theta_on`, `theta_off` | ln units | 0.2, 0.2 | v2e defaults |
//! | `threshold_sigma` | ln units | 0.03 | v2e default |
//! | `threshold_min` | ln units | 0.01 | v2e clipping |
//! | `refractory_us` | us | 500 | v2e command line |
//! | `photoreceptor_cutoff_hz` | Hz | 300 | v2e default |
//! | `leak_rate_hz` | Hz | 0.01 | v2e default |
//! | `shot_noise_rate_hz` | Hz | 0.001 | v2e default |
//! | `max_log_step` | x theta_on | 0.3 | our choice (0.1-0.5 give the same counts to 0.1 %) |
//!
//! The display black level stands in for everything that makes a real
//! recording less contrasted than a black-on-white step through
//! `theta = 0.2`: the monitor's black level, stray light and the ATIS
//! pixel's own gain. With `black` = 75 DN a full stroke edge is worth
//! `ln(255 / 75) / 0.2 = 6.1` threshold crossings (thin, blurred strokes
//! reach less); over the 8,000 shared MNIST test digits this gives a mean
//! of about 4,400 events per sample (N-MNIST's typical count is about
//! 4,300) and 4.8 events per active pixel and saccade (the real sample:
//! 4.3-5.2). `docs/emulators.md` compares the emulated
//! digits with the real N-MNIST sample.
//!
//! Polarity: in the real N-MNIST sample the events with the polarity bit
//! set (ON in this crate, as tonic reads them) trail the strokes' motion:
//! during the first saccade, when the image moves down, the ON events'
//! centroid lies 4.4 pixels *above* the OFF events' (and 3.8 pixels right
//! of them in the third saccade, when it moves left). A pixel brightens
//! where the ink leaves, so to the sensor the digits are darker than the
//! background; `inverted_display` reproduces this (white-on-black digits
//! would put ON events at the leading edges).
//!
//! # What it ignores
//!
//! The ATIS's exposure-measurement events, the monitor's refresh (the real
//! recording flickers at 60 Hz only faintly), bus arbitration and timestamp
//! quantisation, intensity-dependent bandwidth and noise, hot pixels.

use param_guard::ParamGuard;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Normal};
use seeds::{Purpose, Seeds};
use serde::{Deserialize, Serialize};

use super::{GreyImage, check_range, invalid};
use crate::error::Result;
use crate::event::{VisionEvent, VisionSensor, VisionStream};

/// How the displacement grows within one saccade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VelocityProfile {
    /// Speed proportional to `1 - cos(2 pi u)` (u = time fraction): zero at
    /// both ends, twice the mean in the middle.
    #[default]
    RaisedCosine,
    /// Constant speed.
    Constant,
}

impl VelocityProfile {
    /// Fraction of the displacement reached at time fraction `u` in [0, 1].
    pub fn position(self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match self {
            VelocityProfile::Constant => u,
            VelocityProfile::RaisedCosine => {
                u - (2.0 * std::f64::consts::PI * u).sin() / (2.0 * std::f64::consts::PI)
            }
        }
    }

    /// The time fraction at which the displacement fraction is `s` (the
    /// inverse of [`VelocityProfile::position`], by bisection to 1e-12).
    pub fn time_of(self, s: f64) -> f64 {
        let s = s.clamp(0.0, 1.0);
        match self {
            VelocityProfile::Constant => s,
            VelocityProfile::RaisedCosine => {
                let (mut lo, mut hi) = (0.0f64, 1.0f64);
                for _ in 0..45 {
                    let mid = 0.5 * (lo + hi);
                    if self.position(mid) < s {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                0.5 * (lo + hi)
            }
        }
    }
}

/// Parameters of the DVS saccade emulator (see the module docs for the
/// model and the sources of the defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DvsParams {
    /// Sensor geometry (34 x 34 for N-MNIST).
    pub sensor: VisionSensor,
    /// Image displacement of each saccade `[dx, dy]` in pixels (x right,
    /// y down), applied one after the other.
    pub saccades_px: Vec<[f32; 2]>,
    /// Duration of each saccade in microseconds.
    pub saccade_us: f64,
    /// Velocity profile within a saccade.
    pub velocity_profile: VelocityProfile,
    /// Display luminance of pixel value 0, in DN (0-255 scale).
    pub display_black_dn: f32,
    /// Display luminance of pixel value 255, in DN.
    pub display_white_dn: f32,
    /// The digit appears dark on a bright background: pixel value 255 is
    /// shown at `display_black_dn` and 0 at `display_white_dn`.
    pub inverted_display: bool,
    /// Standard deviation of the optical Gaussian blur, in sensor pixels
    /// (0 = none).
    pub blur_sigma_px: f32,
    /// Luminance below which the photoreceptor is linear, in DN.
    pub lin_log_dn: f32,
    /// Nominal ON threshold, in log-intensity units.
    pub theta_on: f32,
    /// Nominal OFF threshold, in log-intensity units.
    pub theta_off: f32,
    /// Standard deviation of the per-pixel thresholds.
    pub threshold_sigma: f32,
    /// Smallest threshold after mismatch.
    pub threshold_min: f32,
    /// Refractory period in microseconds.
    pub refractory_us: f32,
    /// Photoreceptor low-pass cutoff in hertz (`None`: no filter).
    pub photoreceptor_cutoff_hz: Option<f32>,
    /// Leak event rate per pixel in hertz.
    pub leak_rate_hz: f32,
    /// Shot-noise event rate per pixel in hertz.
    pub shot_noise_rate_hz: f32,
    /// Largest change of any pixel's log intensity between two samples, as
    /// a fraction of `theta_on`.
    pub max_log_step: f32,
}

impl Default for DvsParams {
    fn default() -> Self {
        Self {
            sensor: VisionSensor::NMNIST,
            saccades_px: vec![[3.5, 7.0], [3.5, -7.0], [-7.0, 0.0]],
            saccade_us: 105_000.0,
            velocity_profile: VelocityProfile::RaisedCosine,
            display_black_dn: 75.0,
            display_white_dn: 255.0,
            inverted_display: true,
            blur_sigma_px: 0.5,
            lin_log_dn: 20.0,
            theta_on: 0.2,
            theta_off: 0.2,
            threshold_sigma: 0.03,
            threshold_min: 0.01,
            refractory_us: 500.0,
            photoreceptor_cutoff_hz: Some(300.0),
            leak_rate_hz: 0.01,
            shot_noise_rate_hz: 0.001,
            max_log_step: 0.3,
        }
    }
}

impl DvsParams {
    /// The lin-log photoreceptor response to luminance `i` (DN).
    pub fn lin_log(&self, i: f32) -> f32 {
        lin_log(i, self.lin_log_dn)
    }

    /// Total duration of the motion in microseconds.
    pub fn duration_us(&self) -> f64 {
        self.saccade_us * self.saccades_px.len() as f64
    }
}

impl ParamGuard for DvsParams {
    type Error = crate::Error;

    /// Checks every field; the error names the field and its allowed range.
    fn validate(&self) -> Result<()> {
        let s = self.sensor;
        if s.width == 0 || s.height == 0 || s.width > 1024 || s.height > 1024 {
            return Err(invalid(
                "dvs.sensor",
                format!("{} x {}", s.width, s.height),
                "1-1024 pixels each way",
            ));
        }
        if self.saccades_px.is_empty() || self.saccades_px.len() > 64 {
            return Err(invalid(
                "dvs.saccades_px",
                self.saccades_px.len(),
                "1-64 saccades",
            ));
        }
        for (i, d) in self.saccades_px.iter().enumerate() {
            for v in d {
                check_range(&format!("dvs.saccades_px[{i}]"), f64::from(*v), -64.0, 64.0)?;
            }
        }
        check_range("dvs.saccade_us", self.saccade_us, 1.0, 1e8)?;
        check_range(
            "dvs.display_black_dn",
            f64::from(self.display_black_dn),
            0.0,
            1e6,
        )?;
        if !(self.display_white_dn.is_finite() && self.display_white_dn > self.display_black_dn)
            || self.display_white_dn > 1e6
        {
            return Err(invalid(
                "dvs.display_white_dn",
                self.display_white_dn,
                "finite, above display_black_dn, at most 1e6",
            ));
        }
        check_range("dvs.blur_sigma_px", f64::from(self.blur_sigma_px), 0.0, 8.0)?;
        check_range("dvs.lin_log_dn", f64::from(self.lin_log_dn), 1e-3, 1e6)?;
        for (name, v) in [
            ("dvs.theta_on", self.theta_on),
            ("dvs.theta_off", self.theta_off),
        ] {
            check_range(name, f64::from(v), 1e-3, 10.0)?;
        }
        check_range(
            "dvs.threshold_sigma",
            f64::from(self.threshold_sigma),
            0.0,
            10.0,
        )?;
        check_range(
            "dvs.threshold_min",
            f64::from(self.threshold_min),
            1e-3,
            f64::from(self.theta_on.min(self.theta_off)),
        )?;
        check_range("dvs.refractory_us", f64::from(self.refractory_us), 0.0, 1e6)?;
        if let Some(fc) = self.photoreceptor_cutoff_hz {
            check_range("dvs.photoreceptor_cutoff_hz", f64::from(fc), 1e-3, 1e7)?;
        }
        check_range("dvs.leak_rate_hz", f64::from(self.leak_rate_hz), 0.0, 1e4)?;
        check_range(
            "dvs.shot_noise_rate_hz",
            f64::from(self.shot_noise_rate_hz),
            0.0,
            1e4,
        )?;
        check_range("dvs.max_log_step", f64::from(self.max_log_step), 1e-3, 1.0)?;
        Ok(())
    }
}

fn lin_log(i: f32, lin: f32) -> f32 {
    if i < lin {
        i * (lin.ln() / lin)
    } else {
        i.ln()
    }
}

/// The sample grid of one saccade (derived once per emulator).
#[derive(Clone, Debug)]
struct SaccadeGrid {
    /// Sample times in microseconds, first = saccade start.
    t_us: Vec<f64>,
    /// Image displacement from its starting place at each sample, `[x, y]`
    /// in pixels.
    offset: Vec<[f32; 2]>,
    /// Low-pass weight `1 - exp(-dt / tau)` of the step ending at each
    /// sample (index 0 unused).
    alpha: Vec<f32>,
}

/// The DVS emulator: checked parameters, the camera's per-pixel thresholds
/// and the sampling grid. Cheap to share between threads.
#[derive(Clone, Debug)]
pub struct DvsEmulator {
    params: DvsParams,
    seeds: Seeds,
    theta_on: Vec<f32>,
    theta_off: Vec<f32>,
    grids: Vec<SaccadeGrid>,
    lin_log: LinLogTable,
}

/// `L(I)` tabulated on `[0, white]` with linear interpolation between
/// 4,096 intervals: in the log region the interpolation error is at most
/// `h^2 / (8 I_lin^2)` (1.2e-6 for the defaults), far below any threshold;
/// the linear region is exact.
#[derive(Clone, Debug)]
struct LinLogTable {
    values: Vec<f32>,
    per_dn: f32,
    max_index: f32,
}

impl LinLogTable {
    const INTERVALS: usize = 4096;

    fn new(p: &DvsParams) -> Self {
        let top = p.display_white_dn * 1.001;
        let h = top / Self::INTERVALS as f32;
        let values = (0..=Self::INTERVALS + 1)
            .map(|k| lin_log(k as f32 * h, p.lin_log_dn))
            .collect();
        Self {
            values,
            per_dn: 1.0 / h,
            max_index: Self::INTERVALS as f32,
        }
    }

    #[inline]
    fn at(&self, i: f32) -> f32 {
        let x = (i * self.per_dn).clamp(0.0, self.max_index);
        let k = x as usize;
        let f = x - k as f32;
        // k <= INTERVALS, and the table has INTERVALS + 2 entries.
        let (a, b) = (self.values[k], self.values[k + 1]);
        a + f * (b - a)
    }
}

impl DvsEmulator {
    /// An emulator whose camera (per-pixel thresholds) is drawn from
    /// `seeds.stream(Purpose::EmulatorNoise)`; per-sample noise of
    /// [`DvsEmulator::emulate_sample`] comes from
    /// `seeds.keyed(Purpose::EmulatorNoise, key)`.
    pub fn new(params: DvsParams, seeds: Seeds) -> Result<Self> {
        let mut camera = seeds.stream(Purpose::EmulatorNoise);
        Self::with_camera_rng(params, seeds, &mut camera)
    }

    /// Like [`DvsEmulator::new`], drawing the camera from `rng`.
    pub fn with_camera_rng<R: Rng + ?Sized>(
        params: DvsParams,
        seeds: Seeds,
        rng: &mut R,
    ) -> Result<Self> {
        params.validate()?;
        let n = params.sensor.pixels() as usize;
        let draw = |nominal: f32, rng: &mut R| -> Result<Vec<f32>> {
            if params.threshold_sigma == 0.0 {
                return Ok(vec![nominal; n]);
            }
            let normal = Normal::new(nominal, params.threshold_sigma).map_err(|e| {
                invalid(
                    "dvs.threshold_sigma",
                    params.threshold_sigma,
                    &e.to_string(),
                )
            })?;
            Ok((0..n)
                .map(|_| normal.sample(rng).max(params.threshold_min))
                .collect())
        };
        let theta_on = draw(params.theta_on, rng)?;
        let theta_off = draw(params.theta_off, rng)?;
        let grids = build_grids(&params);
        let lin_log = LinLogTable::new(&params);
        Ok(Self {
            lin_log,
            params,
            seeds,
            theta_on,
            theta_off,
            grids,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &DvsParams {
        &self.params
    }

    /// Number of samples per saccade (the sampling grid).
    pub fn samples_per_saccade(&self) -> Vec<usize> {
        self.grids.iter().map(|g| g.t_us.len() - 1).collect()
    }

    /// The camera's ON and OFF thresholds, pixel `y * width + x`.
    pub fn thresholds(&self) -> (&[f32], &[f32]) {
        (&self.theta_on, &self.theta_off)
    }

    /// Emulates sample `key` (e.g. the image's position in its MNIST file)
    /// with its own noise stream `seeds.keyed(Purpose::EmulatorNoise, key)`:
    /// the same key gives the same events whatever thread runs it.
    pub fn emulate_sample(&self, image: &GreyImage, key: u64) -> VisionStream {
        let mut rng = self.seeds.keyed(Purpose::EmulatorNoise, key);
        self.emulate(image, &mut rng)
    }

    /// Emulates the saccades over `image`, per-sample noise from `rng`.
    /// Events are sorted by time (pixel order for equal times).
    pub fn emulate<R: Rng + ?Sized>(&self, image: &GreyImage, rng: &mut R) -> VisionStream {
        let p = &self.params;
        let (w, h) = (usize::from(p.sensor.width), usize::from(p.sensor.height));
        let n = w * h;
        let scene = Scene::new(p, image, &self.grids);

        // Pixel state.
        let mut lp = vec![0f32; n];
        for (c, l) in lp.iter_mut().enumerate() {
            *l = p.lin_log(scene.luminance(c % w, c / w, [0.0, 0.0]));
        }
        // The digit appeared on the display before the saccades: a bright
        // pixel's last event was ON (D0 = L - M in [0, theta_on)), a dark
        // one's OFF (D0 in (-theta_off, 0]).
        let mid = 0.5 * (p.lin_log(p.display_black_dn) + p.lin_log(p.display_white_dn));
        let mut level: Vec<f32> = lp
            .iter()
            .enumerate()
            .map(|(c, &l)| {
                let u: f32 = rng.random();
                if l > mid {
                    l - u * self.theta_on[c]
                } else {
                    l + u * self.theta_off[c]
                }
            })
            .collect();
        let mut last = vec![f64::NEG_INFINITY; n];
        let mut events: Vec<(u64, u32, bool)> = Vec::with_capacity(4096);
        let refr = f64::from(p.refractory_us);
        let leak_per_us = f64::from(p.leak_rate_hz) * 1e-6;

        let mut pixel = PixelStep {
            refractory_us: refr,
            events: &mut events,
        };
        for grid in &self.grids {
            let active = scene.active_mask(grid, w, h);
            let t0 = grid.t_us[0];
            let t_end = *grid.t_us.last().unwrap_or(&t0);
            // Static pixels: one exact step over the whole saccade (their
            // log intensity does not move; only the leak does).
            let end = grid.offset[grid.offset.len() - 1];
            for c in 0..n {
                if active[c] {
                    continue;
                }
                let target = p.lin_log(scene.luminance(c % w, c / w, end));
                let leak = (self.theta_on[c] as f64 * leak_per_us * (t_end - t0)) as f32;
                pixel.advance(
                    c,
                    &mut level[c],
                    &mut last[c],
                    (lp[c], target),
                    (t0, t_end),
                    leak,
                    (self.theta_on[c], self.theta_off[c]),
                );
                lp[c] = target;
            }
            // Active pixels as runs along sensor rows: a run's pixels read
            // consecutive grid points, so each step walks contiguous slices.
            let runs = active_runs(&active, w, scene.side);
            let mut scratch = RunScratch::new(w);
            for j in 1..grid.t_us.len() {
                let (ta, tb) = (grid.t_us[j - 1], grid.t_us[j]);
                let alpha = grid.alpha[j];
                let sampler = scene.sampler(grid.offset[j]);
                let leak_step = (leak_per_us * (tb - ta)) as f32;
                for run in &runs {
                    let (c0, n) = (run.pixel, run.len);
                    let (row0, row1) = sampler.rows(run.grid, n);
                    let lp = &mut lp[c0..c0 + n];
                    let level = &mut level[c0..c0 + n];
                    let on = &self.theta_on[c0..c0 + n];
                    let off = &self.theta_off[c0..c0 + n];
                    let RunScratch { value, old } = &mut scratch;
                    let (value, old) = (&mut value[..n], &mut old[..n]);
                    // Luminance, then L(I), each a pass over the run.
                    sampler.blend_run(row0, row1, value);
                    for v in value.iter_mut() {
                        *v = self.lin_log.at(*v);
                    }
                    // Low-pass and the no-crossing test; crossings are rare
                    // and handled after, in pixel order.
                    let mut crossed = false;
                    for k in 0..n {
                        let o = lp[k];
                        let new = o + alpha * (value[k] - o);
                        old[k] = o;
                        lp[k] = new;
                        let leak = on[k] * leak_step;
                        let d_end = new - (level[k] - leak);
                        let quiet = d_end < on[k] && d_end > -off[k];
                        level[k] = if quiet { level[k] - leak } else { level[k] };
                        value[k] = if quiet { 0.0 } else { 1.0 };
                        crossed |= !quiet;
                    }
                    if !crossed {
                        continue;
                    }
                    for k in 0..n {
                        if value[k] == 0.0 {
                            continue;
                        }
                        pixel.advance(
                            c0 + k,
                            &mut level[k],
                            &mut last[c0 + k],
                            (old[k], lp[k]),
                            (ta, tb),
                            on[k] * leak_step,
                            (on[k], off[k]),
                        );
                    }
                }
            }
        }

        // Shot noise: a Poisson process over the whole array.
        let rate_per_us = f64::from(p.shot_noise_rate_hz) * 1e-6 * n as f64;
        if rate_per_us > 0.0 {
            let duration = p.duration_us();
            let mut t = 0.0f64;
            loop {
                let u: f64 = rng.random();
                t += -(1.0 - u).ln() / rate_per_us;
                if t >= duration {
                    break;
                }
                let c = rng.random_range(0..n) as u32;
                let on: bool = rng.random();
                events.push((t.round() as u64, c, on));
            }
        }

        events.sort_by_key(|e| e.0);
        let events = events
            .into_iter()
            .map(|(t_us, c, on)| VisionEvent {
                t_us,
                x: (c as usize % w) as u16,
                y: (c as usize / w) as u16,
                on,
            })
            .collect();
        VisionStream::from_checked(p.sensor, events)
    }
}

/// The per-pixel threshold logic of one sample step.
struct PixelStep<'a> {
    refractory_us: f64,
    events: &'a mut Vec<(u64, u32, bool)>,
}

impl PixelStep<'_> {
    /// Advances pixel `c` over one step: its filtered log intensity goes
    /// linearly from `l.0` to `l.1` while `t` goes from `t.0` to `t.1`, and
    /// its memorised level drifts down by `leak`. Emits one event per
    /// threshold crossing at the interpolated time (delayed by the
    /// refractory period); crossings delayed past `t.1` stay pending.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn advance(
        &mut self,
        c: usize,
        level: &mut f32,
        last: &mut f64,
        l: (f32, f32),
        t: (f64, f64),
        leak: f32,
        theta: (f32, f32),
    ) {
        let (a, b) = l;
        // D(lambda) = (a - M) + slope * lambda, lambda in [0, 1].
        let slope = (b - a) + leak;
        let mut d_end = b - (*level - leak);
        let (theta_on, theta_off) = theta;
        let dt = t.1 - t.0;
        while d_end >= theta_on {
            let d_start = a - *level;
            let lambda = if d_start >= theta_on || slope <= 0.0 {
                0.0
            } else {
                ((theta_on - d_start) / slope).clamp(0.0, 1.0)
            };
            let te = (t.0 + f64::from(lambda) * dt).max(*last + self.refractory_us);
            if te > t.1 {
                break;
            }
            self.events.push((te.round() as u64, c as u32, true));
            *level += theta_on;
            *last = te;
            d_end -= theta_on;
        }
        while d_end <= -theta_off {
            let d_start = a - *level;
            let lambda = if d_start <= -theta_off || slope >= 0.0 {
                0.0
            } else {
                ((-theta_off - d_start) / slope).clamp(0.0, 1.0)
            };
            let te = (t.0 + f64::from(lambda) * dt).max(*last + self.refractory_us);
            if te > t.1 {
                break;
            }
            self.events.push((te.round() as u64, c as u32, false));
            *level -= theta_off;
            *last = te;
            d_end += theta_off;
        }
        *level -= leak;
    }
}

/// The displayed, blurred image on a padded grid, with a summed-area table
/// of its non-background pixels.
struct Scene {
    /// Luminance minus the background level (DN), on a `side x side`
    /// grid; the image's pixel (0, 0) sits at grid (margin, margin).
    grid: Vec<f32>,
    side: usize,
    margin: f32,
    /// Top-left corner of the image on the sensor before the motion.
    origin: [f32; 2],
    /// Background luminance (DN).
    black: f32,
    /// `sat[(y) * (side + 1) + x]`: number of non-background grid points
    /// in `[0, x) x [0, y)`.
    sat: Vec<u32>,
}

/// Bilinear sampling of a [`Scene`] at one image offset.
struct Sampler<'a> {
    grid: &'a [f32],
    side: usize,
    bx: isize,
    by: isize,
    w: [f32; 4],
    black: f32,
}

impl Sampler<'_> {
    /// The two grid rows a run of `n` sensor pixels starting at grid point
    /// `g` reads (each `n + 1` long: bilinear weights span two columns).
    #[inline]
    fn rows(&self, g: usize, n: usize) -> (&[f32], &[f32]) {
        // In range by construction of the margin (see Scene::new).
        let i = (g as isize + self.by * self.side as isize + self.bx) as usize;
        let j = i + self.side;
        (&self.grid[i..i + n + 1], &self.grid[j..j + n + 1])
    }

    /// Luminance of each pixel of a run read by [`Sampler::rows`] into
    /// `out`: the same sums, in the same order, as [`Sampler::at_grid`]
    /// (one pass over contiguous slices, which the compiler vectorises).
    #[inline]
    fn blend_run(&self, row0: &[f32], row1: &[f32], out: &mut [f32]) {
        let n = out.len();
        let (a0, a1) = (&row0[..n], &row0[1..=n]);
        let (b0, b1) = (&row1[..n], &row1[1..=n]);
        let [w0, w1, w2, w3] = self.w;
        for k in 0..n {
            out[k] = self.black + w0 * a0[k] + w1 * a1[k] + w2 * b0[k] + w3 * b1[k];
        }
    }

    /// Luminance seen by sensor pixel `(x, y)`.
    #[inline]
    fn at(&self, x: usize, y: usize) -> f32 {
        self.at_grid(y * self.side + x)
    }

    /// Luminance seen by the sensor pixel at `g = y * side + x`.
    #[inline]
    fn at_grid(&self, g: usize) -> f32 {
        // In range by construction of the margin (see Scene::new).
        let i = (g as isize + self.by * self.side as isize + self.bx) as usize;
        let g = self.grid;
        self.black
            + self.w[0] * g[i]
            + self.w[1] * g[i + 1]
            + self.w[2] * g[i + self.side]
            + self.w[3] * g[i + self.side + 1]
    }
}

impl Scene {
    fn new(p: &DvsParams, image: &GreyImage, grids: &[SaccadeGrid]) -> Self {
        let radius = (3.0 * p.blur_sigma_px).ceil() as usize;
        // The image is centred on the sensor, then shifted so that the
        // bounding box of its motion is centred too.
        let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (0f32, 0f32, 0f32, 0f32);
        for g in grids {
            for o in &g.offset {
                x_lo = x_lo.min(o[0]);
                x_hi = x_hi.max(o[0]);
                y_lo = y_lo.min(o[1]);
                y_hi = y_hi.max(o[1]);
            }
        }
        let origin = [
            (f32::from(p.sensor.width) - image.width as f32) / 2.0 - (x_lo + x_hi) / 2.0,
            (f32::from(p.sensor.height) - image.height as f32) / 2.0 - (y_lo + y_hi) / 2.0,
        ];
        // Largest offset magnitude over the motion.
        let reach = [x_lo, x_hi, y_lo, y_hi]
            .iter()
            .zip([origin[0], origin[0], origin[1], origin[1]])
            .fold(0f32, |r, (d, o)| r.max((d + o).abs()));
        let sensor = usize::from(p.sensor.width.max(p.sensor.height));
        // Sensor pixel x samples grid column x - offset + margin (and +1):
        // a margin of sensor + reach + radius + 2 keeps every lookup inside.
        let margin = sensor + reach.ceil() as usize + radius + 2;
        let side = image.width.max(image.height) + 2 * margin;
        let mut grid = vec![0f32; side * side];
        // Background = black (ink brighter) or white (inverted display).
        let (background, scale) = if p.inverted_display {
            (
                p.display_white_dn,
                -(p.display_white_dn - p.display_black_dn) / 255.0,
            )
        } else {
            (
                p.display_black_dn,
                (p.display_white_dn - p.display_black_dn) / 255.0,
            )
        };
        for y in 0..image.height {
            for x in 0..image.width {
                grid[(y + margin) * side + x + margin] = f32::from(image.get(x, y)) * scale;
            }
        }
        if radius > 0 && p.blur_sigma_px > 0.0 {
            let kernel: Vec<f32> = {
                let s = f64::from(p.blur_sigma_px);
                let raw: Vec<f64> = (0..=2 * radius)
                    .map(|i| {
                        let d = i as f64 - radius as f64;
                        (-0.5 * d * d / (s * s)).exp()
                    })
                    .collect();
                let sum: f64 = raw.iter().sum();
                raw.iter().map(|v| (v / sum) as f32).collect()
            };
            let (lo, hi) = (
                margin - radius,
                margin + image.width.max(image.height) + radius,
            );
            let mut tmp = vec![0f32; side * side];
            for y in margin..margin + image.height {
                for x in lo..hi {
                    let mut acc = 0.0;
                    for (k, &kv) in kernel.iter().enumerate() {
                        acc += kv * grid[y * side + x + k - radius];
                    }
                    tmp[y * side + x] = acc;
                }
            }
            for y in lo..hi {
                for x in lo..hi {
                    let mut acc = 0.0;
                    for (k, &kv) in kernel.iter().enumerate() {
                        acc += kv * tmp[(y + k - radius) * side + x];
                    }
                    grid[y * side + x] = acc;
                }
            }
        }
        let mut sat = vec![0u32; (side + 1) * (side + 1)];
        for y in 0..side {
            let mut row = 0u32;
            for x in 0..side {
                row += u32::from(grid[y * side + x].abs() > 1e-6);
                sat[(y + 1) * (side + 1) + x + 1] = sat[y * (side + 1) + x + 1] + row;
            }
        }
        Self {
            grid,
            side,
            margin: margin as f32,
            origin,
            black: background,
            sat,
        }
    }

    /// Sampling with the image displaced by `d` from its starting place.
    fn sampler(&self, d: [f32; 2]) -> Sampler<'_> {
        let gx = self.margin - self.origin[0] - d[0];
        let gy = self.margin - self.origin[1] - d[1];
        let (fx, fy) = (gx - gx.floor(), gy - gy.floor());
        Sampler {
            grid: &self.grid,
            side: self.side,
            bx: gx.floor() as isize,
            by: gy.floor() as isize,
            w: [
                (1.0 - fx) * (1.0 - fy),
                fx * (1.0 - fy),
                (1.0 - fx) * fy,
                fx * fy,
            ],
            black: self.black,
        }
    }

    fn luminance(&self, x: usize, y: usize, offset: [f32; 2]) -> f32 {
        self.sampler(offset).at(x, y)
    }

    /// Non-background grid points in columns `x0..=x1`, rows `y0..=y1`.
    fn count(&self, x0: usize, x1: usize, y0: usize, y1: usize) -> u32 {
        let s = self.side + 1;
        let (x1, y1) = ((x1 + 1).min(self.side), (y1 + 1).min(self.side));
        self.sat[y1 * s + x1] + self.sat[y0 * s + x0]
            - self.sat[y0 * s + x1]
            - self.sat[y1 * s + x0]
    }

    /// Which sensor pixels see any non-background luminance during saccade
    /// `k` (the bilinear support of their path).
    fn active_mask(&self, grid: &SaccadeGrid, w: usize, h: usize) -> Vec<bool> {
        let (mut min_x, mut max_x, mut min_y, mut max_y) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for d in &grid.offset {
            let o = [d[0] + self.origin[0], d[1] + self.origin[1]];
            min_x = min_x.min(o[0]);
            max_x = max_x.max(o[0]);
            min_y = min_y.min(o[1]);
            max_y = max_y.max(o[1]);
        }
        let mut active = vec![false; w * h];
        for y in 0..h {
            let gy0 = (y as f32 + self.margin - max_y).floor().max(0.0) as usize;
            let gy1 = (y as f32 + self.margin - min_y).floor() as usize + 1;
            for x in 0..w {
                let gx0 = (x as f32 + self.margin - max_x).floor().max(0.0) as usize;
                let gx1 = (x as f32 + self.margin - min_x).floor() as usize + 1;
                active[y * w + x] = self.count(gx0, gx1, gy0, gy1) > 0;
            }
        }
        active
    }
}

/// Per-run working buffers of [`DvsEmulator::emulate`], one sensor row
/// long.
struct RunScratch {
    /// Luminance, then `L(I)`, then the crossing flags.
    value: Vec<f32>,
    /// Filtered log intensity before the step.
    old: Vec<f32>,
}

impl RunScratch {
    fn new(w: usize) -> Self {
        Self {
            value: vec![0.0; w],
            old: vec![0.0; w],
        }
    }
}

/// A run of consecutive active pixels along one sensor row.
struct Run {
    /// First pixel, `y * width + x`.
    pixel: usize,
    /// Its grid position, `y * side + x`.
    grid: usize,
    /// Number of pixels.
    len: usize,
}

/// The active pixels of `active` (row-major, `w` wide) as runs, in pixel
/// order.
fn active_runs(active: &[bool], w: usize, side: usize) -> Vec<Run> {
    let mut runs = Vec::new();
    for (y, row) in active.chunks(w).enumerate() {
        let mut x = 0;
        while x < w {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < w && row[x] {
                x += 1;
            }
            runs.push(Run {
                pixel: y * w + start,
                grid: y * side + start,
                len: x - start,
            });
        }
    }
    runs
}

/// The sampling grid of every saccade.
fn build_grids(p: &DvsParams) -> Vec<SaccadeGrid> {
    // Cumulative displacement at the start of each saccade and its bounds.
    let mut vertices = vec![[0f32; 2]];
    for d in &p.saccades_px {
        let last = vertices[vertices.len() - 1];
        vertices.push([last[0] + d[0], last[1] + d[1]]);
    }
    // Worst-case log-intensity change per pixel of displacement.
    let span = p.display_white_dn - p.display_black_dn;
    let blur_gain = if p.blur_sigma_px > 0.0 {
        (1.0 / (p.blur_sigma_px * (2.0 * std::f32::consts::PI).sqrt())).min(1.0)
    } else {
        1.0
    };
    let slope = if p.display_black_dn < p.lin_log_dn {
        p.lin_log_dn.ln() / p.lin_log_dn
    } else {
        1.0 / p.display_black_dn
    };
    let gradient = f64::from(span * blur_gain * slope);
    let budget = f64::from(p.max_log_step * p.theta_on.min(p.theta_off));
    let tau_us = p
        .photoreceptor_cutoff_hz
        .map(|fc| 1e6 / (2.0 * std::f64::consts::PI * f64::from(fc)));

    let mut grids = Vec::with_capacity(p.saccades_px.len());
    for (k, d) in p.saccades_px.iter().enumerate() {
        let manhattan = f64::from(d[0].abs() + d[1].abs());
        let steps = ((manhattan * gradient / budget).ceil() as usize).max(1);
        let start = vertices[k];
        let t0 = p.saccade_us * k as f64;
        let mut t_us = Vec::with_capacity(steps + 1);
        let mut offset = Vec::with_capacity(steps + 1);
        let mut alpha = Vec::with_capacity(steps + 1);
        for j in 0..=steps {
            let s = j as f64 / steps as f64;
            let t = t0 + p.velocity_profile.time_of(s) * p.saccade_us;
            let dt = t_us.last().map_or(0.0, |&prev| t - prev);
            t_us.push(t);
            offset.push([start[0] + (s as f32) * d[0], start[1] + (s as f32) * d[1]]);
            alpha.push(match tau_us {
                Some(tau) => (1.0 - (-dt / tau).exp()) as f32,
                None => 1.0,
            });
        }
        grids.push(SaccadeGrid {
            t_us,
            offset,
            alpha,
        });
    }
    grids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{bursts, rate_histogram};

    fn square(side: usize, lo: usize, hi: usize) -> GreyImage {
        let mut px = vec![0u8; side * side];
        for y in lo..hi {
            for x in lo..hi {
                px[y * side + x] = 255;
            }
        }
        GreyImage::new(side, side, px).unwrap()
    }

    fn quiet() -> DvsParams {
        DvsParams {
            threshold_sigma: 0.0,
            leak_rate_hz: 0.0,
            shot_noise_rate_hz: 0.0,
            ..DvsParams::default()
        }
    }

    #[test]
    fn profile_inverse_and_ends() {
        for prof in [VelocityProfile::RaisedCosine, VelocityProfile::Constant] {
            assert_eq!(prof.position(0.0), 0.0);
            assert!((prof.position(1.0) - 1.0).abs() < 1e-12);
            for s in [0.01, 0.2, 0.5, 0.77, 0.999] {
                let u = prof.time_of(s);
                assert!((prof.position(u) - s).abs() < 1e-10, "{prof:?} {s}");
            }
        }
        // Raised cosine: half way in time is half way in space (symmetry).
        assert!((VelocityProfile::RaisedCosine.position(0.5) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_blank_image_gives_no_events_without_noise() {
        let emu = DvsEmulator::new(quiet(), Seeds::new(1)).unwrap();
        let blank = GreyImage::new(28, 28, vec![0; 784]).unwrap();
        let s = emu.emulate_sample(&blank, 0);
        assert!(s.is_empty(), "{} events", s.len());
    }

    #[test]
    fn one_pixel_ramp_gives_one_event_per_threshold_at_interpolated_times() {
        // Level M = 0, log intensity ramps 0 -> 1.05 over 1,000 us, theta 0.2:
        // exactly floor(1.05 / 0.2) = 5 ON events at t = k * 0.2 / 1.05 ms,
        // and the level ends at 5 * 0.2.
        let mut events = Vec::new();
        let mut step = PixelStep {
            refractory_us: 0.0,
            events: &mut events,
        };
        let (mut level, mut last) = (0.0f32, f64::NEG_INFINITY);
        step.advance(
            7,
            &mut level,
            &mut last,
            (0.0, 1.05),
            (0.0, 1000.0),
            0.0,
            (0.2, 0.2),
        );
        assert_eq!(events.len(), 5);
        for (k, e) in events.iter().enumerate() {
            let expected = (k as f64 + 1.0) * 0.2 / 1.05 * 1000.0;
            assert!(
                (e.0 as f64 - expected).abs() <= 0.5 + 1e-3,
                "{e:?} vs {expected}"
            );
            assert!(e.1 == 7 && e.2);
        }
        assert!((level - 1.0).abs() < 1e-6);
        // Back down by 1.05: the level must fall to 1.0 - 0.2 k <= L - ... :
        // crossings at M - 0.2 = 0.8, 0.6, 0.4, 0.2, 0.0 -> 5 OFF events.
        let mut events = Vec::new();
        let mut step = PixelStep {
            refractory_us: 0.0,
            events: &mut events,
        };
        step.advance(
            7,
            &mut level,
            &mut last,
            (1.05, 0.0),
            (1000.0, 2000.0),
            0.0,
            (0.2, 0.2),
        );
        assert_eq!(events.len(), 5);
        assert!(events.iter().all(|e| !e.2));
        // With a refractory period of 300 us the five ON events of the ramp
        // (190 us apart) are pushed to 190, 490, 790 and the fourth would be
        // at 1,090 > 1,000: it stays pending for the next step.
        let mut events = Vec::new();
        let mut step = PixelStep {
            refractory_us: 300.0,
            events: &mut events,
        };
        let (mut level, mut last) = (0.0f32, f64::NEG_INFINITY);
        step.advance(
            0,
            &mut level,
            &mut last,
            (0.0, 1.05),
            (0.0, 1000.0),
            0.0,
            (0.2, 0.2),
        );
        let times: Vec<u64> = step.events.iter().map(|e| e.0).collect();
        assert_eq!(times, vec![190, 490, 790]);
        step.advance(
            0,
            &mut level,
            &mut last,
            (1.05, 1.05),
            (1000.0, 2000.0),
            0.0,
            (0.2, 0.2),
        );
        let times: Vec<u64> = events.iter().map(|e| e.0).collect();
        assert_eq!(times, vec![190, 490, 790, 1090, 1390]);
    }

    #[test]
    fn event_count_of_a_moving_square_is_bounded_by_hand_counts() {
        // A 10 x 10 white square, a noise-free camera, no blur, no filter,
        // no refractory period. Every pixel swept by an edge sees one full
        // log step delta = ln(255 / 75) = 1.224 = 6.12 theta. With one
        // event per threshold crossing and the level kept between
        // transitions, a transition gives between floor(delta / theta) - 1
        // = 5 events (after a reversal, up to one theta of travel is spent
        // inside the hysteresis band) and ceil(delta / theta) = 7. Each
        // saccade (dx, dy) sweeps 2 * 10 * (|dx| + |dy|) pixel transitions
        // (leading and trailing edges); corner pixels see partial steps,
        // hence the 10 % margins.
        let p = DvsParams {
            blur_sigma_px: 0.0,
            photoreceptor_cutoff_hz: None,
            refractory_us: 0.0,
            ..quiet()
        };
        let emu = DvsEmulator::new(p.clone(), Seeds::new(3)).unwrap();
        let s = emu.emulate_sample(&square(28, 9, 19), 5);
        let n = s.len() as f64;
        let on = s.on_count() as f64;
        // The image returns to its start: ON and OFF balance to within the
        // pixels whose level ends one step apart.
        assert!((2.0 * on - n).abs() <= 0.05 * n, "on {on} of {n}");
        let sweeps: f64 = p
            .saccades_px
            .iter()
            .map(|d| 2.0 * 10.0 * f64::from(d[0].abs() + d[1].abs()))
            .sum();
        let per_transition = n / sweeps;
        assert!(
            (0.9 * 5.0..=1.1 * 7.0).contains(&per_transition),
            "{n} events, {per_transition:.2} per transition"
        );
    }

    #[test]
    fn timestamps_sorted_inside_the_motion_and_three_bursts() {
        let emu = DvsEmulator::new(DvsParams::default(), Seeds::new(2)).unwrap();
        let img = square(28, 8, 20);
        let s = emu.emulate_sample(&img, 1);
        assert!(s.is_time_sorted());
        assert!(s.t_max_us().unwrap() <= 315_000);
        let h = rate_histogram(&s, 10_000);
        let b = bursts(&h, 0.25);
        assert_eq!(b.len(), 3, "{h:?}");
    }

    #[test]
    fn same_key_same_events_other_key_other_events() {
        let emu = DvsEmulator::new(DvsParams::default(), Seeds::new(9)).unwrap();
        let img = square(28, 6, 22);
        let a = emu.emulate_sample(&img, 4);
        let b = emu.emulate_sample(&img, 4);
        let c = emu.emulate_sample(&img, 5);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn refractory_period_is_respected_per_pixel() {
        let p = DvsParams {
            refractory_us: 3_000.0,
            shot_noise_rate_hz: 0.0,
            ..DvsParams::default()
        };
        let emu = DvsEmulator::new(p, Seeds::new(4)).unwrap();
        let s = emu.emulate_sample(&square(28, 7, 21), 0);
        let mut last = std::collections::HashMap::new();
        for e in s.events() {
            if let Some(prev) = last.insert((e.x, e.y), e.t_us) {
                // Rounding to whole microseconds can shorten a gap by 1 us.
                assert!(e.t_us + 1 >= prev + 3_000, "{e:?} after {prev}");
            }
        }
    }

    #[test]
    fn sampling_step_respects_the_log_budget() {
        // Sample one pixel's luminance along the grid and check no step
        // changes its log by more than max_log_step * theta.
        let p = quiet();
        let emu = DvsEmulator::new(p.clone(), Seeds::new(1)).unwrap();
        let img = square(28, 4, 24);
        let scene = Scene::new(&p, &img, &emu.grids);
        let budget = p.max_log_step * p.theta_on + 1e-5;
        for grid in &emu.grids {
            for j in 1..grid.offset.len() {
                let a = scene.sampler(grid.offset[j - 1]);
                let b = scene.sampler(grid.offset[j]);
                for y in 0..34 {
                    for x in 0..34 {
                        let d = (p.lin_log(a.at(x, y)) - p.lin_log(b.at(x, y))).abs();
                        assert!(d <= budget, "step {j} pixel ({x}, {y}): {d}");
                    }
                }
            }
        }
    }

    #[test]
    fn invalid_parameters_name_the_field() {
        let p = DvsParams {
            theta_on: -1.0,
            ..DvsParams::default()
        };
        let err = DvsEmulator::new(p, Seeds::new(0)).unwrap_err().to_string();
        assert!(err.contains("dvs.theta_on"), "{err}");
        let p = DvsParams {
            display_white_dn: 50.0,
            ..DvsParams::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("display_white_dn")
        );
        let json = r#"{"theta_on": 0.3, "bogus": 1}"#;
        assert!(serde_json::from_str::<DvsParams>(json).is_err());
    }
}
