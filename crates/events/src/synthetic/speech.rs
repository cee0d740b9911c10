//! Synthetic spoken digits: a small source-filter (Klatt-style cascade)
//! synthesiser at 8 kHz, deterministic from a random stream.
//!
//! Each word of TIDIGITS' vocabulary ("one" ... "nine", "oh", "zero") is a
//! sequence of phones (ARPAbet-like): `zero` = z ih r ow, `one` = w ah n,
//! `two` = t uw, `three` = th r iy, `four` = f ao r, `five` = f ay v,
//! `six` = s ih k s, `seven` = s eh v ax n, `eight` = ey t, `nine` = n ay n,
//! `oh` = ow. Every phone has a duration and targets for the first three
//! formants (F1-F3, adult male values of Peterson and Barney 1952 /
//! Hillenbrand et al. 1995), voicing, frication noise (centre and
//! bandwidth) and aspiration; diphthongs (ay, ey, ow) glide from a start
//! to an end target. Targets are interpolated linearly over the first 35 %
//! of each phone from the previous phone's end (coarticulation); amplitudes
//! change over 10 ms.
//!
//! Sources: a Rosenberg glottal pulse train (open quotient 0.6, lip
//! radiation as a first difference) at `f0(t)` falling by 25 % over the
//! word (declination) with 1 % period jitter; white noise for frication
//! (s, z, f, th, v; first-differenced, through a two-pole resonator at
//! the phone's noise centre) and
//! for aspiration (through the formants). Filter: cascade of four Klatt
//! resonators `y[n] = A x[n] + B y[n-1] + C y[n-2]` (F1-F3 of the phone,
//! F4 = 3,500 Hz scaled; formants capped at 0.45 x rate), updated every
//! millisecond.
//!
//! Speakers ([`Speaker`]): man, woman, boy or girl with pitch (about
//! 100-140, 180-240, 230-300 Hz), formant scale (about 1.0, 1.15, 1.25:
//! shorter vocal tracts), tempo (0.85-1.2) and breathiness drawn per
//! speaker; each utterance varies pitch (+-8 %), tempo (+-8 %), formants
//! (+-3 %), each phone's duration (+-25 %) and formant targets (+-8 %), has
//! 40-150 ms of silence before and after, and white background noise 15-35
//! dB below the speech's RMS.
//!
//! This is not a natural-sounding voice; it gives each digit word its
//! characteristic formant trajectory and frication, so that a cochlea model
//! sees word-specific channel-time patterns with speaker variation.

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::emulate::Audio;
use crate::ntidigits::SpokenDigit;

/// Output sampling rate of the synthesiser (FSDD's and the telephone
/// band's 8 kHz).
pub const RATE_HZ: u32 = 8000;

/// A synthetic speaker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Speaker {
    /// Speaker group, as in N-TIDIGITS keys: `man`, `woman`, `boy`, `girl`.
    pub group: String,
    /// Mean fundamental frequency in hertz.
    pub f0_hz: f32,
    /// Formant frequency scale (1 = adult male vocal tract).
    pub formant_scale: f32,
    /// Speaking-rate factor (durations are divided by it).
    pub tempo: f32,
    /// Aspiration noise mixed into voicing (0-0.2).
    pub breathiness: f32,
}

impl Speaker {
    /// Draws a speaker: the group uniformly, then its parameters.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let group = rng.random_range(0..4u8);
        let u = |rng: &mut R, lo: f32, hi: f32| lo + (hi - lo) * rng.random::<f32>();
        let (name, f0, scale) = match group {
            0 => ("man", u(rng, 95.0, 145.0), u(rng, 0.94, 1.06)),
            1 => ("woman", u(rng, 175.0, 245.0), u(rng, 1.1, 1.22)),
            2 => ("boy", u(rng, 225.0, 300.0), u(rng, 1.2, 1.32)),
            _ => ("girl", u(rng, 235.0, 310.0), u(rng, 1.22, 1.34)),
        };
        Self {
            group: name.to_owned(),
            f0_hz: f0,
            formant_scale: scale,
            tempo: u(rng, 0.85, 1.2),
            breathiness: u(rng, 0.0, 0.12),
        }
    }
}

/// Acoustic targets of one phone.
#[derive(Clone, Copy, Debug)]
struct Target {
    /// F1-F3 in hertz (adult male).
    formants: [f32; 3],
    /// Voicing amplitude.
    voice: f32,
    /// Frication amplitude.
    noise: f32,
    /// Frication noise centre and bandwidth in hertz.
    noise_band: [f32; 2],
    /// Aspiration amplitude (noise through the formants).
    aspiration: f32,
}

const fn vowel(f1: f32, f2: f32, f3: f32) -> Target {
    Target {
        formants: [f1, f2, f3],
        voice: 1.0,
        noise: 0.0,
        noise_band: [3000.0, 1000.0],
        aspiration: 0.0,
    }
}

const fn with(t: Target, voice: f32, noise: f32, noise_band: [f32; 2], aspiration: f32) -> Target {
    Target {
        formants: t.formants,
        voice,
        noise,
        noise_band,
        aspiration,
    }
}

/// A phone: duration (ms, adult at normal tempo), start and end targets.
#[derive(Clone, Copy, Debug)]
struct Phone {
    ms: f32,
    start: Target,
    end: Target,
}

const fn steady(ms: f32, t: Target) -> Phone {
    Phone {
        ms,
        start: t,
        end: t,
    }
}

const fn glide(ms: f32, start: Target, end: Target) -> Phone {
    Phone { ms, start, end }
}

// Vowels (Peterson and Barney 1952 / Hillenbrand et al. 1995, men).
const IY: Target = vowel(270.0, 2290.0, 3010.0);
const IH: Target = vowel(390.0, 1990.0, 2550.0);
const EH: Target = vowel(530.0, 1840.0, 2480.0);
const AH: Target = vowel(640.0, 1190.0, 2390.0);
const AO: Target = vowel(570.0, 840.0, 2410.0);
const UW: Target = vowel(300.0, 870.0, 2240.0);
const AX: Target = vowel(500.0, 1500.0, 2500.0);
const AA: Target = vowel(730.0, 1090.0, 2440.0);
const EY0: Target = vowel(480.0, 1850.0, 2500.0);
const OW0: Target = vowel(520.0, 920.0, 2400.0);
const OW1: Target = vowel(360.0, 720.0, 2300.0);
// Approximants and nasal (lower amplitude; r lowers F3).
const W: Target = with(vowel(300.0, 650.0, 2200.0), 0.5, 0.0, [3000.0, 1000.0], 0.0);
const R: Target = with(
    vowel(420.0, 1300.0, 1650.0),
    0.6,
    0.0,
    [3000.0, 1000.0],
    0.0,
);
const N: Target = with(
    vowel(260.0, 1700.0, 2600.0),
    0.3,
    0.0,
    [3000.0, 1000.0],
    0.0,
);
// Fricatives: frication centre and bandwidth (8 kHz limits /s/ to below
// 4 kHz), voiced ones keep some voicing.
const S: Target = with(
    vowel(400.0, 1700.0, 2600.0),
    0.0,
    0.55,
    [3500.0, 900.0],
    0.0,
);
const Z: Target = with(
    vowel(300.0, 1700.0, 2600.0),
    0.35,
    0.35,
    [3500.0, 900.0],
    0.0,
);
const F: Target = with(
    vowel(400.0, 1300.0, 2400.0),
    0.0,
    0.15,
    [2500.0, 3000.0],
    0.0,
);
const TH: Target = with(
    vowel(400.0, 1600.0, 2600.0),
    0.0,
    0.13,
    [3000.0, 2500.0],
    0.0,
);
const V: Target = with(
    vowel(300.0, 1300.0, 2400.0),
    0.45,
    0.08,
    [2500.0, 3000.0],
    0.0,
);
// Stops: closure silence, then burst (frication) and aspiration.
const CLOSURE: Target = with(
    vowel(400.0, 1600.0, 2500.0),
    0.0,
    0.0,
    [3000.0, 1000.0],
    0.0,
);
const T_BURST: Target = with(
    vowel(400.0, 1700.0, 2600.0),
    0.0,
    0.6,
    [3300.0, 1200.0],
    0.25,
);
const K_BURST: Target = with(
    vowel(400.0, 1800.0, 2500.0),
    0.0,
    0.5,
    [1900.0, 600.0],
    0.25,
);

/// The phones of a word.
fn phones(word: SpokenDigit) -> Vec<Phone> {
    match word {
        SpokenDigit::Zero => vec![
            steady(90.0, Z),
            steady(70.0, IH),
            steady(60.0, R),
            glide(200.0, OW0, OW1),
        ],
        SpokenDigit::One => vec![steady(70.0, W), steady(170.0, AH), steady(110.0, N)],
        SpokenDigit::Two => vec![
            steady(40.0, CLOSURE),
            steady(35.0, T_BURST),
            steady(260.0, UW),
        ],
        SpokenDigit::Three => vec![steady(110.0, TH), steady(60.0, R), steady(230.0, IY)],
        SpokenDigit::Four => vec![steady(110.0, F), steady(170.0, AO), steady(120.0, R)],
        SpokenDigit::Five => vec![steady(110.0, F), glide(240.0, AA, IH), steady(80.0, V)],
        SpokenDigit::Six => vec![
            steady(130.0, S),
            steady(100.0, IH),
            steady(50.0, CLOSURE),
            steady(30.0, K_BURST),
            steady(130.0, S),
        ],
        SpokenDigit::Seven => vec![
            steady(120.0, S),
            steady(120.0, EH),
            steady(60.0, V),
            steady(60.0, AX),
            steady(100.0, N),
        ],
        SpokenDigit::Eight => vec![
            glide(240.0, EY0, IY),
            steady(50.0, CLOSURE),
            steady(40.0, T_BURST),
        ],
        SpokenDigit::Nine => vec![steady(80.0, N), glide(230.0, AA, IH), steady(110.0, N)],
        SpokenDigit::Oh => vec![glide(300.0, OW0, OW1)],
    }
}

/// Klatt's digital resonator.
#[derive(Clone, Copy, Debug, Default)]
struct Resonator {
    a: f32,
    b: f32,
    c: f32,
    y1: f32,
    y2: f32,
}

impl Resonator {
    fn set(&mut self, f: f32, bw: f32, fs: f32) {
        let t = 1.0 / fs;
        let c = -(-2.0 * std::f32::consts::PI * bw * t).exp();
        let b = 2.0
            * (-std::f32::consts::PI * bw * t).exp()
            * (2.0 * std::f32::consts::PI * f * t).cos();
        self.a = 1.0 - b - c;
        self.b = b;
        self.c = c;
    }

    #[inline]
    fn step(&mut self, x: f32) -> f32 {
        let y = self.a * x + self.b * self.y1 + self.c * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

fn mix(a: &Target, b: &Target, t: f32) -> Target {
    Target {
        formants: [
            lerp(a.formants[0], b.formants[0], t),
            lerp(a.formants[1], b.formants[1], t),
            lerp(a.formants[2], b.formants[2], t),
        ],
        voice: lerp(a.voice, b.voice, t),
        noise: lerp(a.noise, b.noise, t),
        noise_band: [
            lerp(a.noise_band[0], b.noise_band[0], t),
            lerp(a.noise_band[1], b.noise_band[1], t),
        ],
        aspiration: lerp(a.aspiration, b.aspiration, t),
    }
}

/// Synthesises `word` spoken by `speaker` at [`RATE_HZ`], drawing the
/// utterance's variation from `rng`. Peak amplitude about 0.5.
pub fn synthesize<R: Rng + ?Sized>(word: SpokenDigit, speaker: &Speaker, rng: &mut R) -> Audio {
    let fs = RATE_HZ as f32;
    let vary = |rng: &mut R, spread: f32| 1.0 + spread * (2.0 * rng.random::<f32>() - 1.0);
    let f0 = speaker.f0_hz * vary(rng, 0.08);
    let tempo = speaker.tempo * vary(rng, 0.08);
    let scale = speaker.formant_scale * vary(rng, 0.03);
    let lead_ms = 40.0 + 110.0 * rng.random::<f32>();
    let tail_ms = 40.0 + 110.0 * rng.random::<f32>();

    // Control track, one frame per millisecond.
    let mut frames: Vec<Target> = Vec::new();
    let silent = with(CLOSURE, 0.0, 0.0, [3000.0, 1000.0], 0.0);
    frames.extend(std::iter::repeat_n(silent, lead_ms as usize));
    let mut previous_end = silent;
    for phone in phones(word) {
        let jitter = |rng: &mut R, t: Target| {
            let mut t = t;
            for f in &mut t.formants {
                *f *= scale * vary(rng, 0.08);
            }
            t
        };
        let start = jitter(rng, phone.start);
        let end = jitter(rng, phone.end);
        let ms = (phone.ms * vary(rng, 0.25) / tempo).max(10.0) as usize;
        let transition = (0.35 * ms as f32).max(1.0);
        for k in 0..ms {
            let own = mix(&start, &end, k as f32 / ms as f32);
            let t = (k as f32 / transition).min(1.0);
            let mut frame = mix(&previous_end, &own, t);
            // Amplitudes move faster than formants: over 10 ms.
            let ta = (k as f32 / 10.0).min(1.0);
            frame.voice = lerp(previous_end.voice, own.voice, ta);
            frame.noise = lerp(previous_end.noise, own.noise, ta);
            frame.aspiration = lerp(previous_end.aspiration, own.aspiration, ta);
            frames.push(frame);
        }
        previous_end = end;
    }
    // Fade out over 30 ms, then silence.
    for k in 0..30 {
        let mut f = previous_end;
        let g = 1.0 - k as f32 / 30.0;
        f.voice *= g;
        f.noise *= g;
        f.aspiration *= g;
        frames.push(f);
    }
    frames.extend(std::iter::repeat_n(silent, tail_ms as usize));

    let per_frame = (fs / 1000.0) as usize;
    let n = frames.len() * per_frame;
    let mut out = Vec::with_capacity(n);
    let mut formants = [Resonator::default(); 4];
    let mut fric = Resonator::default();
    let mut phase = 0.0f32;
    let mut period_jitter = 1.0f32;
    let mut last_glottal = 0.0f32;
    let mut last_noise = 0.0f32;
    let bandwidths = [70.0f32, 100.0, 160.0, 250.0];
    let nyquist_cap = 0.45 * fs;
    let total = frames.len() as f32;
    for (i, frame) in frames.iter().enumerate() {
        let f4 = 3500.0 * scale;
        let fs4 = [frame.formants[0], frame.formants[1], frame.formants[2], f4];
        for (r, (&f, &bw)) in formants.iter_mut().zip(fs4.iter().zip(&bandwidths)) {
            r.set(f.min(nyquist_cap), bw, fs);
        }
        fric.set(
            frame.noise_band[0].min(nyquist_cap),
            frame.noise_band[1],
            fs,
        );
        // Declination: pitch falls by 25 % over the utterance.
        let pitch = f0 * (1.1 - 0.25 * i as f32 / total);
        for _ in 0..per_frame {
            // Rosenberg pulse over the open phase (60 % of the period).
            phase += pitch * period_jitter / fs;
            if phase >= 1.0 {
                phase -= 1.0;
                period_jitter = 1.0 + 0.01 * (2.0 * rng.random::<f32>() - 1.0);
            }
            let open = 0.6f32;
            let (tp, tn) = (0.4 * open, 0.6 * open);
            let g = if phase < tp {
                0.5 * (1.0 - (std::f32::consts::PI * phase / tp).cos())
            } else if phase < tp + tn {
                (std::f32::consts::PI * (phase - tp) / (2.0 * tn)).cos()
            } else {
                0.0
            };
            let glottal = g - last_glottal; // lip radiation
            last_glottal = g;
            let noise = 2.0 * rng.random::<f32>() - 1.0;
            let source = frame.voice * glottal * 8.0
                + (frame.aspiration + speaker.breathiness * frame.voice) * noise * 0.3;
            let mut y = source;
            for r in formants.iter_mut() {
                y = r.step(y);
            }
            // First difference: frication has no low-frequency energy
            // (the resonator alone passes DC at unit gain).
            let frication = fric.step(noise - last_noise) * frame.noise;
            last_noise = noise;
            out.push(y + frication);
        }
    }
    // Background noise (room, microphone) at 15-35 dB below the speech's
    // RMS.
    let rms = (out.iter().map(|v| v * v).sum::<f32>() / out.len().max(1) as f32).sqrt();
    let snr_db = 15.0 + 20.0 * rng.random::<f32>();
    let noise_rms = rms * 10f32.powf(-snr_db / 20.0);
    for v in out.iter_mut() {
        // Uniform noise in [-a, a] has RMS a / sqrt(3).
        *v += noise_rms * 3f32.sqrt() * (2.0 * rng.random::<f32>() - 1.0);
    }
    let peak = out.iter().fold(0f32, |m, &v| m.max(v.abs()));
    if peak > 0.0 {
        let g = 0.5 / peak;
        out.iter_mut().for_each(|v| *v *= g);
    }
    Audio {
        rate_hz: RATE_HZ,
        samples: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use seeds::ChaCha8Rng;

    fn speaker() -> Speaker {
        Speaker {
            group: "man".into(),
            f0_hz: 120.0,
            formant_scale: 1.0,
            tempo: 1.0,
            breathiness: 0.05,
        }
    }

    /// Energy of `x` in the band [lo, hi) hertz, by a direct DFT at 10 Hz
    /// steps (the signals are short).
    fn band_energy(x: &[f32], lo: f64, hi: f64) -> f64 {
        let fs = f64::from(RATE_HZ);
        let mut e = 0.0;
        let mut f = lo;
        while f < hi {
            let (mut re, mut im) = (0.0, 0.0);
            for (n, &v) in x.iter().enumerate() {
                let a = 2.0 * std::f64::consts::PI * f * n as f64 / fs;
                re += f64::from(v) * a.cos();
                im += f64::from(v) * a.sin();
            }
            e += re * re + im * im;
            f += 10.0;
        }
        e
    }

    #[test]
    fn words_have_plausible_durations_and_levels() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for word in SpokenDigit::ALL {
            let a = synthesize(word, &speaker(), &mut rng);
            assert_eq!(a.rate_hz, 8000);
            // Spoken digits last 0.3-0.8 s (FSDD: 0.14-2.3 s, mostly 0.3-0.6).
            let d = a.duration_s();
            assert!((0.3..=0.9).contains(&d), "{word:?}: {d} s");
            let peak = a.samples.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!((peak - 0.5).abs() < 1e-4, "{word:?}: peak {peak}");
            assert!(a.samples.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn pitch_follows_the_speaker() {
        // Autocorrelation peak of the vowel of "oh" lies at the pitch
        // period: 120 Hz -> 66.7 samples; with declination (1.1 -> 0.85 of
        // f0) and +-8 % utterance variation the period is 55-95 samples.
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let a = synthesize(SpokenDigit::Oh, &speaker(), &mut rng);
        let mid = a.samples.len() / 2;
        let x = &a.samples[mid - 400..mid + 400];
        let best = (30..150)
            .max_by(|&l1, &l2| {
                let r = |l: usize| x.iter().zip(&x[l..]).map(|(a, b)| a * b).sum::<f32>();
                r(l1).total_cmp(&r(l2))
            })
            .unwrap();
        assert!((55..=95).contains(&best), "period {best} samples");
    }

    #[test]
    fn fricatives_put_energy_high_and_back_vowels_low() {
        // "six" starts with /s/ (noise around 3.5 kHz); "two" is mostly the
        // back vowel /uw/ (F1 300, F2 870 Hz). Compare the fraction of
        // energy above 2.5 kHz in their first and middle 100 ms.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let sp = Speaker {
            breathiness: 0.0,
            ..speaker()
        };
        let six = synthesize(SpokenDigit::Six, &sp, &mut rng);
        let two = synthesize(SpokenDigit::Two, &sp, &mut rng);
        let onset = |a: &Audio| {
            // The first 10 ms frame whose RMS exceeds 4 x the background
            // noise's (the first 30 ms are silence plus noise), then 100 ms.
            let rms: Vec<f32> = a
                .samples
                .chunks(80)
                .map(|c| (c.iter().map(|v| v * v).sum::<f32>() / c.len() as f32).sqrt())
                .collect();
            let floor = rms[..3].iter().copied().fold(0.0, f32::max);
            let start = 80 * rms.iter().position(|&r| r > 4.0 * floor).unwrap();
            a.samples[start..start + 800].to_vec()
        };
        let high_fraction = |x: &[f32]| {
            let hi = band_energy(x, 2500.0, 4000.0);
            hi / (hi + band_energy(x, 50.0, 2500.0))
        };
        let s = high_fraction(&onset(&six));
        let mid = two.samples.len() / 2;
        let u = high_fraction(&two.samples[mid - 400..mid + 400]);
        assert!(s > 0.6, "/s/ high-band fraction {s}");
        assert!(u < 0.1, "/uw/ high-band fraction {u}");
    }

    #[test]
    fn deterministic_and_speakers_differ() {
        let a = synthesize(
            SpokenDigit::Seven,
            &speaker(),
            &mut ChaCha8Rng::seed_from_u64(1),
        );
        let b = synthesize(
            SpokenDigit::Seven,
            &speaker(),
            &mut ChaCha8Rng::seed_from_u64(1),
        );
        assert_eq!(a, b);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let groups: std::collections::BTreeSet<String> =
            (0..40).map(|_| Speaker::random(&mut rng).group).collect();
        assert_eq!(groups.len(), 4);
    }
}
