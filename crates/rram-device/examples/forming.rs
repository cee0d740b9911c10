//! Forms a 512 x 512 array with the default device and program and prints
//! its statistics beside the closed-form prediction.
//!
//! `cargo run -p rram-device --example forming [seed]`
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use rram_device::{ConductanceMap, DeviceParams, Histogram, Program, predict};
use seeds::Seeds;

fn main() -> Result<(), rram_device::Error> {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let params = DeviceParams::default();
    let program = Program::default();
    let start = Instant::now();
    let map = ConductanceMap::form_seeded(512, 512, &params, &program, Seeds::new(seed))?;
    let elapsed = start.elapsed();
    let g_scale = params.differential.g_scale_s();
    let summary = map.summary(g_scale);

    println!("rram-device: 512 x 512 array, default device and program (seed {seed})");
    println!("program: {}", serde_json::to_string(&program).unwrap());
    println!("formed in {:.1} ms\n", elapsed.as_secs_f64() * 1e3);
    print!("{summary}");

    let pred = predict(&params, &program)?;
    println!("\nclosed form:");
    println!(
        "  formed probability {:.9}; formed G mean {:.4} uS, std {:.4} uS, skew {:+.3}, ex.kurt {:+.3}",
        pred.formed_probability,
        pred.formed_g.mean * 1e6,
        pred.formed_g.std * 1e6,
        pred.formed_g.skewness,
        pred.formed_g.excess_kurtosis
    );
    println!(
        "  weight (G+ - G-) / {} uS: mean {:.4}, std {:.4}, skew {:+.3}, ex.kurt {:+.3}",
        params.differential.g_scale_us,
        pred.weight.mean,
        pred.weight.std,
        pred.weight.skewness,
        pred.weight.excess_kurtosis
    );

    let g_us: Vec<f64> = map.conductances_s().iter().map(|g| g * 1e6).collect();
    println!("\nconductance histogram:");
    print!(
        "{}",
        Histogram::new(&g_us, 4.0, 28.0, 12)?.render(50, 1.0, "uS")
    );
    let w = map.column_pair_weights(g_scale);
    println!("\ndifferential weight histogram (columns 2j - 2j+1):");
    print!(
        "{}",
        Histogram::new(&w, -12.0, 12.0, 12)?.render(50, 1.0, "  ")
    );
    Ok(())
}
