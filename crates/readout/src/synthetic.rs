//! Synthetic features for tests, examples and benchmarks: Gaussian class
//! clusters, and two "modalities" generated from one hidden class structure.
//! They model no dataset; they exist so that training can be checked against
//! known answers.

use nalgebra::DMatrix;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use seeds::{Purpose, Seeds};

/// One standard normal draw (`rand_distr::StandardNormal`, a ziggurat).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample(StandardNormal)
}

/// `n_samples` points in `n_features` dimensions, sample `i` of class
/// `i % n_classes`; class centres are standard normal times 3, points are
/// centre plus Gaussian noise of standard deviation `noise_std`. Draws from
/// the `SyntheticData` stream of `seeds`.
pub fn gaussian_blobs(
    n_samples: usize,
    n_features: usize,
    n_classes: usize,
    noise_std: f64,
    seeds: Seeds,
) -> (DMatrix<f64>, Vec<usize>) {
    let mut rng = seeds.stream(Purpose::SyntheticData);
    let classes = n_classes.max(1);
    let centres = DMatrix::from_fn(classes, n_features, |_, _| 3.0 * standard_normal(&mut rng));
    let labels: Vec<usize> = (0..n_samples).map(|i| i % classes).collect();
    let x = DMatrix::from_fn(n_samples, n_features, |i, j| {
        centres[(labels[i], j)] + noise_std * standard_normal(&mut rng)
    });
    (x, labels)
}

/// Shape of a two-modality synthetic problem.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TwoModalityParams {
    /// Number of classes.
    pub n_classes: usize,
    /// Dimension of the hidden class structure shared by both modalities.
    pub latent_dim: usize,
    /// Within-class spread of the latent vectors (class means are standard normal).
    pub latent_noise: f64,
    /// Image feature width.
    pub image_features: usize,
    /// Audio feature width.
    pub audio_features: usize,
    /// Additive observation noise of both modalities.
    pub feature_noise: f64,
    /// Samples per class and modality.
    pub per_class: usize,
}

impl Default for TwoModalityParams {
    fn default() -> Self {
        TwoModalityParams {
            n_classes: 10,
            latent_dim: 8,
            latent_noise: 0.3,
            image_features: 200,
            audio_features: 200,
            feature_noise: 0.3,
            per_class: 100,
        }
    }
}

/// Features and labels of two modalities.
#[derive(Clone, Debug)]
pub struct TwoModalities {
    /// Image features (samples x image_features).
    pub images: DMatrix<f64>,
    /// Image labels.
    pub image_labels: Vec<usize>,
    /// Audio features (samples x audio_features).
    pub audio: DMatrix<f64>,
    /// Audio labels.
    pub audio_labels: Vec<usize>,
}

/// Two modalities that share a hidden class structure: every sample has a
/// latent vector `z = m_c + latent_noise * N(0, I)` around its class mean
/// `m_c`; images are `relu(M_i z) + noise`, audio `tanh(M_a z) + noise`, with
/// fixed random maps `M_i`, `M_a` (entries N(0, 1/latent_dim)). The two
/// modalities are drawn independently (no sample-level pairing), so only the
/// class structure links them, as for digits seen and heard.
///
/// `maps_seed` fixes the class means and the maps (the "world");
/// `sample_seed` draws the samples, so train and test sets of one world come
/// from different sample seeds.
pub fn two_modalities(
    p: &TwoModalityParams,
    maps_seed: Seeds,
    sample_seed: Seeds,
) -> TwoModalities {
    let mut w = maps_seed.stream(Purpose::SyntheticData);
    let l = p.latent_dim;
    let means = DMatrix::from_fn(p.n_classes, l, |_, _| standard_normal(&mut w));
    let s = 1.0 / (l as f64).sqrt();
    let mi = DMatrix::from_fn(l, p.image_features, |_, _| s * standard_normal(&mut w));
    let ma = DMatrix::from_fn(l, p.audio_features, |_, _| s * standard_normal(&mut w));
    let mut rng = sample_seed.stream(Purpose::SyntheticData);
    let mut draw = |map: &DMatrix<f64>, f: fn(f64) -> f64| {
        let n = p.n_classes * p.per_class;
        let labels: Vec<usize> = (0..n).map(|i| i / p.per_class.max(1)).collect();
        let z = DMatrix::from_fn(n, l, |i, j| {
            means[(labels[i], j)] + p.latent_noise * standard_normal(&mut rng)
        });
        let mut x = &z * map;
        x.apply(|v| *v = f(*v) + p.feature_noise * standard_normal(&mut rng));
        (x, labels)
    };
    let (images, image_labels) = draw(&mi, |v| v.max(0.0));
    let (audio, audio_labels) = draw(&ma, f64::tanh);
    TwoModalities {
        images,
        image_labels,
        audio,
        audio_labels,
    }
}
