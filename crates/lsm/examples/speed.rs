//! Quick throughput check of the standard workload on one thread.
#![allow(clippy::unwrap_used)]
use lsm::{EncodeOptions, Reservoir, workload};
use seeds::Seeds;

fn main() {
    let seeds = Seeds::new(1234);
    let (params, w) = workload::reservoir(seeds).unwrap();
    let inputs = workload::inputs(seeds, 4000).unwrap();
    let r32 = Reservoir::new(params.clone(), w.convert::<f32>()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for _ in 0..3 {
        let t0 = std::time::Instant::now();
        let f = pool.install(|| r32.encode(&inputs, EncodeOptions::new(seeds)).unwrap());
        let dt = t0.elapsed().as_secs_f64();
        let rate = f.counts.iter().map(|&c| c as f64).sum::<f64>() / (4000.0 * 100.0 * 200.0);
        println!(
            "f32: {:.0} samples/s, {:.3e} syn events/s, rate {rate:.4}",
            4000.0 / dt,
            f.ops.synaptic_events as f64 / dt
        );
    }
}
