//! t-SNE: determinism per seed (also across thread pools) and cluster
//! structure preserved in 2-D and 3-D, exact and Barnes-Hut.
#![allow(clippy::unwrap_used, missing_docs)]

use readout::nalgebra::DMatrix;
use readout::{TsneMethod, TsneParams, synthetic, tsne, tsne_with};
use seeds::Seeds;

fn blobs() -> (DMatrix<f64>, Vec<usize>) {
    // Four clusters of 40 points in 10-D, centres ~13 apart, noise radius ~3.
    synthetic::gaussian_blobs(160, 10, 4, 1.0, Seeds::new(3))
}

/// Leave-one-out 1-nearest-neighbour accuracy in the embedding and the ratio
/// of the mean within-cluster to the mean between-cluster distance.
fn structure(y: &DMatrix<f64>, labels: &[usize]) -> (f64, f64) {
    let n = y.nrows();
    let dist = |i: usize, j: usize| (y.row(i) - y.row(j)).norm();
    let mut hits = 0;
    let (mut win, mut nwin, mut betw, mut nbetw) = (0.0, 0, 0.0, 0);
    for i in 0..n {
        let nn = (0..n)
            .filter(|&j| j != i)
            .min_by(|&a, &b| dist(i, a).total_cmp(&dist(i, b)))
            .unwrap();
        hits += usize::from(labels[nn] == labels[i]);
        for j in (i + 1)..n {
            if labels[i] == labels[j] {
                win += dist(i, j);
                nwin += 1;
            } else {
                betw += dist(i, j);
                nbetw += 1;
            }
        }
    }
    (
        hits as f64 / n as f64,
        (win / nwin as f64) / (betw / nbetw as f64),
    )
}

fn params(dims: usize, method: TsneMethod) -> TsneParams {
    TsneParams {
        dims,
        perplexity: 15.0,
        epochs: 500,
        method,
        ..TsneParams::default()
    }
}

#[test]
fn clusters_stay_separate_in_2d_and_3d_exact_and_barnes_hut() {
    let (x, labels) = blobs();
    for method in [TsneMethod::Exact, TsneMethod::BarnesHut { theta: 0.5 }] {
        for dims in [2, 3] {
            let y = tsne_with(&params(dims, method), &x, Seeds::new(1)).unwrap();
            assert_eq!(y.shape(), (160, dims));
            let (nn, ratio) = structure(&y, &labels);
            // Well-separated input clusters: every nearest neighbour in the
            // map is of the same cluster, and clusters are compact relative to
            // their spacing (measured ratios 0.12 exact, 0.17-0.19 Barnes-Hut;
            // bound 0.3).
            assert_eq!(nn, 1.0, "{method:?} {dims}-D");
            assert!(ratio < 0.3, "{method:?} {dims}-D ratio {ratio}");
        }
    }
}

#[test]
fn same_seed_same_embedding_whatever_the_thread_pool() {
    let (x, _) = blobs();
    for method in [TsneMethod::Exact, TsneMethod::BarnesHut { theta: 0.5 }] {
        let p = TsneParams {
            epochs: 300,
            ..params(2, method)
        };
        let a = tsne_with(&p, &x, Seeds::new(7)).unwrap();
        let run_in = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| tsne_with(&p, &x, Seeds::new(7)).unwrap())
        };
        let b = run_in(1);
        let c = run_in(2);
        assert_eq!(a, b, "{method:?}");
        assert_eq!(a, c, "{method:?}");
        let d = tsne_with(&p, &x, Seeds::new(8)).unwrap();
        assert_ne!(a, d, "{method:?}");
    }
    // The short form uses the defaults (1000 epochs, auto = exact here).
    let y = tsne(&x, 3, 20.0, 4).unwrap();
    assert_eq!(y, tsne(&x, 3, 20.0, 4).unwrap());
    assert_eq!(y.ncols(), 3);
}

#[test]
fn bad_parameters_are_errors() {
    let (x, _) = blobs();
    let e = tsne(&x, 2, 60.0, 1).unwrap_err().to_string();
    assert!(e.contains("tsne.perplexity"), "{e}");
    let e = tsne(&x, 1, 10.0, 1).unwrap_err().to_string();
    assert!(e.contains("tsne.dims"), "{e}");
}
