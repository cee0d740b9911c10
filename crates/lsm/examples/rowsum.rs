//! Micro-benchmark of the row-sum kernel alone.
#![allow(clippy::unwrap_used)]
use lsm::Real;
use rand::{RngExt, SeedableRng};

fn main() {
    let stride = 208;
    let rows = 456;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let wv: Vec<f32> = (0..rows * stride + 16)
        .map(|_| rng.random::<f32>() - 0.5)
        .collect();
    let off = wv.as_ptr().align_offset(64);
    let aligned = std::env::args().nth(1).is_some();
    let w = if aligned {
        &wv[off..off + rows * stride]
    } else {
        &wv[(off + 4) % 16..(off + 4) % 16 + rows * stride]
    };
    println!("aligned {aligned}: ptr % 64 = {}", w.as_ptr() as usize % 64);
    let steps = 200_000;
    let lists: Vec<(Vec<u32>, Vec<u32>)> = (0..1000)
        .map(|_| {
            let mut a: Vec<u32> = (0..256).filter(|_| rng.random_bool(0.05)).collect();
            let mut b: Vec<u32> = (0..200).filter(|_| rng.random_bool(0.05)).collect();
            a.sort();
            b.sort();
            (a, b)
        })
        .collect();
    let mut out = vec![0f32; stride];
    // Same kernel, fixed 22 uniformly random rows per call, no second list.
    let fixed: Vec<Vec<u32>> = (0..1000)
        .map(|_| (0..22).map(|_| rng.random_range(0..456u32)).collect())
        .collect();
    let sorted: Vec<Vec<u32>> = fixed
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.sort();
            v
        })
        .collect();
    for (name, set) in [("random", &fixed), ("sorted", &sorted)] {
        let t0 = std::time::Instant::now();
        let mut x = 0.0;
        for s in 0..steps {
            f32::sum_rows(w, stride, &set[s % 1000], &[], 0, &mut out);
            x += out[5];
        }
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "{name} 22 rows: {:.3e} adds/s ({x})",
            steps as f64 * 22.0 * 200.0 / dt
        );
    }
    for _ in 0..3 {
        let t0 = std::time::Instant::now();
        let mut total = 0usize;
        let mut x = 0.0;
        for s in 0..steps {
            let (a, b) = &lists[s % 1000];
            f32::sum_rows(w, stride, a, b, 256, &mut out);
            total += a.len() + b.len();
            x += out[5];
        }
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "{:.3e} adds/s, {:.2} ns/row ({x})",
            total as f64 * 200.0 / dt,
            dt * 1e9 / total as f64
        );
    }
}
