//! From an events file to an accuracy, through the library alone:
//!
//! 1. built-in synthetic digits through the DVS emulator, written as N-MNIST
//!    files (what a user's own recordings would be);
//! 2. a chip formed from the paper's device preset, saved and loaded back;
//! 3. the events files read, split and binned, and encoded by the reservoir
//!    on the chip ("hardware") and on its digital twin ("software");
//! 4. a linear readout trained on the training features, tested on the rest.
//!
//! Run with `cargo run -p experiments --example end_to_end`
//! (under a minute on two cores; the quick scale of the Fig. 2 preset).

use std::error::Error;
use std::sync::Arc;

use cim_macro::Macro;
use events::{DataConfig, DataSource, SyntheticSpec, VisionBinning, write_vision_nmnist};
use experiments::encode::encode_figure_data;
use experiments::supervised::{SupervisedPreset, train_readout};
use experiments::{DataOverrides, Figure, RunOptions, preset};
use lsm::Features;
use seeds::Seeds;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("rram-lsm-end-to-end-{}", std::process::id()));
    let seeds = Seeds::new(10);

    // 1. Events files: 40 training and 20 test digits per class.
    let config = DataConfig::with_source(DataSource::Synthetic(SyntheticSpec {
        train_per_class: 40,
        test_per_class: 20,
        ..SyntheticSpec::default()
    }));
    let nmnist = dir.join("nmnist");
    write_vision_nmnist(&config.vision(seeds)?, &nmnist, |_| {})?;
    println!("wrote N-MNIST files into {}", nmnist.display());

    // 2. The chip, from the settings of the Fig. 2 preset.
    let path = preset::default_path("fig2");
    let mut table = preset::read_table(&path)?;
    preset::apply_quick(&mut table, true)?;
    let p: SupervisedPreset<VisionBinning> = preset::parse(table, &path)?;
    let chip = Macro::program(&p.chip, &p.device, &p.program, seeds)?.with_device_preset("fig2");
    let chip_file = dir.join("chip.bin");
    chip.save(&chip_file)?;
    let chip = Arc::new(Macro::load(&chip_file)?);

    // 3. Read the files back, split, bin and encode on the chip.
    let options = RunOptions {
        quick: true,
        data: DataOverrides {
            nmnist: Some(nmnist),
            ..DataOverrides::default()
        },
        ..RunOptions::default()
    };
    let encoded = encode_figure_data(Figure::Fig2, &options, chip, None)?;
    let train: Vec<usize> = (0..encoded.labels.len())
        .filter(|&i| encoded.split[i] == 0)
        .collect();
    let test: Vec<usize> = (0..encoded.labels.len())
        .filter(|&i| encoded.split[i] == 1)
        .collect();
    let labels = |rows: &[usize]| -> Vec<usize> {
        rows.iter()
            .map(|&i| usize::from(encoded.labels[i]))
            .collect()
    };
    println!(
        "encoded {} training and {} test samples on {} neurons",
        train.len(),
        test.len(),
        encoded.hardware.n_res
    );

    // 4. Readout: scale on the training split, select the epoch on a
    // validation carve of it, test once.
    for (name, features) in [
        ("software", &encoded.software),
        ("hardware", &encoded.hardware),
    ] {
        let result = train_readout(
            &p.scaling,
            &p.classifier,
            (&rows(features, &train), &labels(&train)),
            (&rows(features, &test), &labels(&test)),
            10,
            seeds,
        )?;
        let (lo, hi) = wilson(result.test.accuracy, test.len());
        println!(
            "{name}: test accuracy {:.1} % (95 % Wilson interval {:.1}-{:.1} %) on {} test digits (chance 10 %)",
            100.0 * result.test.accuracy,
            100.0 * lo,
            100.0 * hi,
            test.len()
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The 95 % Wilson score interval of a proportion `p` of `n` trials.
fn wilson(p: f64, n: usize) -> (f64, f64) {
    let (n, z) = (n as f64, 1.959_963_984_540_054);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    (centre - half, centre + half)
}

/// The rows `rows` of `f`.
fn rows(f: &Features, rows: &[usize]) -> Features {
    Features {
        samples: rows.len(),
        n_res: f.n_res,
        counts: rows
            .iter()
            .flat_map(|&i| f.row(i).iter().copied())
            .collect(),
        steps: rows.iter().map(|&i| f.steps[i]).collect(),
        ops: f.ops,
    }
}
