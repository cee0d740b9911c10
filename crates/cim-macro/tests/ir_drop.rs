//! IR drop: hand-solved circuits, a dense direct solve of the same nodal
//! equations, monotonicity in the wire resistance, and the zero-resistance
//! limit.
#![allow(clippy::unwrap_used)]

mod common;

use cim_macro::rram_device::{CellState, ConductanceMap, ReadNoiseParams};
use cim_macro::{Error, IrDropParams, Layout, Macro, MacroParams, WeightScale};
use common::{chip, read_rng, spikes};
use costmodel::OpCounts;
use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use seeds::{Purpose, Seeds};

/// A macro on a hand-made `rows x cols` array (conductances in S,
/// row-major), ideal converters, no noise, weights in uS, IR drop `ir`.
fn small(rows: u32, cols: u32, g: Vec<f64>, layout: &str, ir: IrDropParams) -> Macro {
    let mut p = MacroParams::ideal();
    p.array.rows = rows;
    p.array.cols = cols;
    p.read.parallel_rows = rows;
    p.weights = WeightScale::Given { g_scale_us: 1.0 };
    p.layout = Layout::from_toml_str(layout, "test layout").unwrap();
    p.ir_drop = ir;
    let n = (rows * cols) as usize;
    let map =
        ConductanceMap::from_parts(rows as usize, cols as usize, g, vec![CellState::Formed; n])
            .unwrap();
    Macro::from_map(&p, map, &ReadNoiseParams::default(), Seeds::new(1)).unwrap()
}

fn wires(r_row: f64, r_col: f64, r_src: f64, r_acc: f64) -> IrDropParams {
    IrDropParams {
        enabled: true,
        r_row_ohm: r_row,
        r_col_ohm: r_col,
        r_source_ohm: r_src,
        r_access_ohm: r_acc,
        tolerance_v: 1e-15,
        max_iterations: 100_000,
    }
}

const ONE_PAIR: &str = "[[partition]]\nname = \"p\"\nrows = [{ start = 0, count = ROWS }]\ncolumns = { arrangement = \"interleaved\", start = 0, pairs = 1 }\n";

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn one_cell_is_a_series_circuit() {
    // Driver (5 Ohm) -> one row segment (2 Ohm) -> access (100 Ohm) + cell
    // (10 uS) -> one column segment (3 Ohm) -> virtual ground.
    let g = 10e-6;
    let c = small(
        1,
        2,
        vec![g, 0.0],
        &ONE_PAIR.replace("ROWS", "1"),
        wires(2.0, 3.0, 5.0, 100.0),
    );
    let part = c.partition("p").unwrap();
    let v = 0.2;
    let i = v / (5.0 + 2.0 + 100.0 + 1.0 / g + 3.0);
    let (plus, minus) = c.column_currents_a(&part, &[v]).unwrap();
    assert!(rel(plus[0], i) < 1e-12, "{} vs {i}", plus[0]);
    assert_eq!(minus[0], 0.0);
    // Through a read: (I+ - I-) / (V g_scale) with g_scale = 1 uS.
    let mut s = c.new_scratch(&part).unwrap();
    let mut out = [0.0];
    c.read_events(
        &part,
        &[0],
        &mut out,
        &mut s,
        &mut read_rng(0),
        &mut OpCounts::default(),
    )
    .unwrap();
    assert!(rel(out[0], i / (v * 1e-6)) < 1e-12);
}

#[test]
fn two_by_two_ladders_match_hand_solutions() {
    let (v, r) = (0.25, 500.0);
    let g = vec![20e-6, 5e-6, 8e-6, 30e-6]; // row-major: G(row, col)

    // Columns pinned (no column-wire resistance): each row is a two-node
    // ladder: driver -(R_s + r)- n0 -(r)- n1, cells from n0 and n1 to 0 V.
    let r_s = 50.0;
    let c = small(
        2,
        2,
        g.clone(),
        &ONE_PAIR.replace("ROWS", "2"),
        wires(r, 0.0, r_s, 0.0),
    );
    let part = c.partition("p").unwrap();
    let (plus, minus) = c.column_currents_a(&part, &[v, v]).unwrap();
    let (mut i0, mut i1) = (0.0, 0.0);
    for row in 0..2 {
        let (g0, g1) = (g[2 * row], g[2 * row + 1]);
        let g_eff = g0 + g1 / (1.0 + r * g1);
        let rd = r_s + r;
        let v0 = v * (1.0 / rd) / (1.0 / rd + g_eff);
        let v1 = v0 / (1.0 + r * g1);
        i0 += g0 * v0;
        i1 += g1 * v1;
    }
    assert!(rel(plus[0], i0) < 1e-12, "{} vs {i0}", plus[0]);
    assert!(rel(minus[0], i1) < 1e-12, "{} vs {i1}", minus[0]);

    // Rows pinned (no row-wire or driver resistance): each column is a
    // two-node ladder to its TIA; row 0 sits two segments from it, row 1 one.
    let c = small(
        2,
        2,
        g.clone(),
        &ONE_PAIR.replace("ROWS", "2"),
        wires(0.0, r, 0.0, 0.0),
    );
    let part = c.partition("p").unwrap();
    let (plus, minus) = c.column_currents_a(&part, &[v, v]).unwrap();
    for (col, got) in [(0usize, plus[0]), (1, minus[0])] {
        let (g0, g1, y) = (g[col], g[2 + col], 1.0 / r);
        // (g0 + y) W0 - y W1 = g0 V;  -y W0 + (g1 + 2 y) W1 = g1 V.
        let det = (g0 + y) * (g1 + 2.0 * y) - y * y;
        let w1 = ((g0 + y) * g1 * v + y * g0 * v) / det;
        let i = w1 * y;
        assert!(rel(got, i) < 1e-12, "column {col}: {got} vs {i}");
    }
}

/// The nodal equations of the live sub-network, assembled and solved
/// densely: the reference for the line-relaxation solver.
#[allow(clippy::too_many_arguments)]
fn dense_reference(
    g: &[f64],
    array_rows: u32,
    array_cols: usize,
    rows: &[(u32, f64)],
    cols: &[u32],
    ir: &IrDropParams,
) -> Vec<f64> {
    let (k, n) = (rows.len(), cols.len());
    let u = |a: usize, m: usize| a * n + m;
    let w = |a: usize, m: usize| k * n + a * n + m;
    let mut y = DMatrix::<f64>::zeros(2 * k * n, 2 * k * n);
    let mut j = DVector::<f64>::zeros(2 * k * n);
    let stamp = |y: &mut DMatrix<f64>, a: usize, b: usize, c: f64| {
        y[(a, a)] += c;
        y[(b, b)] += c;
        y[(a, b)] -= c;
        y[(b, a)] -= c;
    };
    let cell = |a: usize, m: usize| {
        let gc = g[rows[a].0 as usize * array_cols + cols[m] as usize];
        gc / (1.0 + gc * ir.r_access_ohm)
    };
    for a in 0..k {
        let gd = 1.0 / (ir.r_source_ohm + f64::from(cols[0] + 1) * ir.r_row_ohm);
        y[(u(a, 0), u(a, 0))] += gd;
        j[u(a, 0)] += gd * rows[a].1;
        for m in 1..n {
            stamp(
                &mut y,
                u(a, m - 1),
                u(a, m),
                1.0 / (f64::from(cols[m] - cols[m - 1]) * ir.r_row_ohm),
            );
        }
        for m in 0..n {
            stamp(&mut y, u(a, m), w(a, m), cell(a, m));
        }
    }
    for m in 0..n {
        for a in 1..k {
            stamp(
                &mut y,
                w(a - 1, m),
                w(a, m),
                1.0 / (f64::from(rows[a].0 - rows[a - 1].0) * ir.r_col_ohm),
            );
        }
        y[(w(k - 1, m), w(k - 1, m))] +=
            1.0 / (f64::from(array_rows - rows[k - 1].0) * ir.r_col_ohm);
    }
    let x = y.lu().solve(&j).unwrap();
    (0..n)
        .map(|m| (0..k).map(|a| cell(a, m) * (x[u(a, m)] - x[w(a, m)])).sum())
        .collect()
}

#[test]
fn random_small_networks_match_a_dense_direct_solve() {
    let mut rng = Seeds::new(41).stream(Purpose::Benchmark);
    for case in 0..40 {
        let (ar, ac) = (rng.random_range(2..8u32), rng.random_range(4..12u32));
        let g: Vec<f64> = (0..ar * ac)
            .map(|_| {
                if rng.random::<f64>() < 0.1 {
                    0.0
                } else {
                    rng.random_range(1e-6..60e-6)
                }
            })
            .collect();
        // A partition of a random subset of rows in random order, and
        // random disjoint column pairs.
        let mut all_rows: Vec<u32> = (0..ar).collect();
        let mut all_cols: Vec<u32> = (0..ac).collect();
        for v in [&mut all_rows, &mut all_cols] {
            for i in (1..v.len()).rev() {
                let j = rng.random_range(0..=i);
                v.swap(i, j);
            }
        }
        let nr = rng.random_range(1..=ar as usize);
        let np = rng.random_range(1..=(ac as usize / 2));
        let segs: Vec<String> = all_rows[..nr]
            .iter()
            .map(|r| format!("{{ start = {r}, count = 1 }}"))
            .collect();
        let pairs: Vec<String> = (0..np)
            .map(|j| format!("[{}, {}]", all_cols[2 * j], all_cols[2 * j + 1]))
            .collect();
        let layout = format!(
            "[[partition]]\nname = \"p\"\nrows = [{}]\ncolumns = {{ arrangement = \"explicit\", pairs = [{}] }}\n",
            segs.join(", "),
            pairs.join(", ")
        );
        let ir = wires(
            rng.random_range(0.5..2000.0),
            rng.random_range(0.5..2000.0),
            rng.random_range(0.0..500.0),
            rng.random_range(0.0..5000.0),
        );
        let c = small(ar, ac, g.clone(), &layout, ir.clone());
        let part = c.partition("p").unwrap();
        let volts: Vec<f64> = (0..nr)
            .map(|_| {
                if rng.random::<f64>() < 0.2 {
                    0.0
                } else {
                    rng.random_range(0.01..0.3)
                }
            })
            .collect();
        let (plus, minus) = c.column_currents_a(&part, &volts).unwrap();
        let l = c.layout_of(&part).unwrap();
        let mut driven: Vec<(u32, f64)> = (0..nr)
            .filter(|&i| volts[i] > 0.0)
            .map(|i| (l.rows[i], volts[i]))
            .collect();
        driven.sort_by_key(|d| d.0);
        if driven.is_empty() {
            assert!(plus.iter().chain(&minus).all(|&i| i == 0.0));
            continue;
        }
        let mut cols: Vec<u32> = l.plus.iter().chain(&l.minus).copied().collect();
        cols.sort_unstable();
        let reference = dense_reference(&g, ar, ac as usize, &driven, &cols, &ir);
        let scale = reference.iter().fold(0.0f64, |m, i| m.max(i.abs()));
        for (m, &col) in cols.iter().enumerate() {
            let got = match l.plus.iter().position(|&p| p == col) {
                Some(j) => plus[j],
                None => minus[l.minus.iter().position(|&q| q == col).unwrap()],
            };
            // 1e-9 of the largest current: the solver stops at 1e-15 V.
            assert!(
                (got - reference[m]).abs() <= 1e-9 * scale,
                "case {case} column {col}: {got} vs {}",
                reference[m]
            );
        }
    }
}

#[test]
fn currents_fall_as_wire_resistance_grows_and_zero_wires_are_ideal() {
    let ideal_chip = chip(&MacroParams::ideal(), 51);
    let part = ideal_chip.partition("nmnist").unwrap();
    let rows: Vec<u32> = (0..30).map(|i| i * 15 + 3).collect();
    let volts = {
        let mut v = vec![0.0; part.rows()];
        for &r in &rows {
            v[r as usize] = ideal_chip.periphery().v_spike_v;
        }
        v
    };
    let (ip, im) = ideal_chip.column_currents_a(&part, &volts).unwrap();
    let mut prev: Option<(Vec<f64>, Vec<f64>)> = None;
    for r in [0.0, 0.1, 0.5, 1.0, 2.0, 5.0] {
        let mut p = MacroParams::ideal();
        p.ir_drop = IrDropParams {
            enabled: true,
            r_row_ohm: r,
            r_col_ohm: r,
            r_source_ohm: 10.0 * r,
            ..IrDropParams::default()
        };
        let c = chip(&p, 51);
        let (cp, cm) = c.column_currents_a(&part_of(&c), &volts).unwrap();
        if r == 0.0 {
            // Zero resistance everywhere: the ideal currents sum V G.
            for j in 0..part.cols() {
                assert!(rel(cp[j], ip[j]) < 1e-12 && rel(cm[j], im[j]) < 1e-12);
            }
            // And the read is the ideal read.
            let mut out = vec![0.0; part.cols()];
            let mut ideal_out = vec![0.0; part.cols()];
            let mut ops = OpCounts::default();
            let pc = part_of(&c);
            c.read_events(
                &pc,
                &rows,
                &mut out,
                &mut c.new_scratch(&pc).unwrap(),
                &mut read_rng(0),
                &mut ops,
            )
            .unwrap();
            ideal_chip
                .read_events(
                    &part,
                    &rows,
                    &mut ideal_out,
                    &mut ideal_chip.new_scratch(&part).unwrap(),
                    &mut read_rng(0),
                    &mut ops,
                )
                .unwrap();
            for j in 0..part.cols() {
                assert!(
                    (out[j] - ideal_out[j]).abs() < 1e-10 * ideal_out[j].abs().max(1.0),
                    "{j}"
                );
            }
        }
        if let Some((pp, pm)) = &prev {
            for j in 0..part.cols() {
                assert!(cp[j] < pp[j] && cm[j] < pm[j], "r {r} column {j}");
            }
        }
        prev = Some((cp, cm));
    }
}

fn part_of(c: &Macro) -> cim_macro::Partition {
    c.partition("nmnist").unwrap()
}

#[test]
fn reads_convert_the_solved_currents_cycle_by_cycle() {
    let mut p = MacroParams::ideal();
    p.ir_drop.enabled = true;
    p.ir_drop.r_row_ohm = 2.0;
    p.read.parallel_rows = 16;
    let c = chip(&p, 52);
    let part = part_of(&c);
    let gs = c.g_scale_s(&part).unwrap();
    let v_s = c.periphery().v_spike_v;
    let rows: Vec<u32> = (0..40).map(|i| i * 11).collect();
    let mut out = vec![0.0; part.cols()];
    let mut s = c.new_scratch(&part).unwrap();
    c.read_events(
        &part,
        &rows,
        &mut out,
        &mut s,
        &mut read_rng(0),
        &mut OpCounts::default(),
    )
    .unwrap();
    assert!(s.last_ir_sweeps() >= 2);
    // Three cycles of 16, 16 and 8 rows, each its own network.
    let mut expected = vec![0.0; part.cols()];
    for chunk in rows.chunks(16) {
        let v: Vec<f64> = spikes(part.rows(), chunk).iter().map(|x| x * v_s).collect();
        let (ip, im) = c.column_currents_a(&part, &v).unwrap();
        for j in 0..part.cols() {
            expected[j] += (ip[j] - im[j]) / (v_s * gs);
        }
    }
    for j in 0..part.cols() {
        assert!(
            (out[j] - expected[j]).abs() < 1e-9 * expected[j].abs().max(1.0),
            "{j}"
        );
    }
}

#[test]
fn a_solve_that_cannot_converge_is_an_error() {
    let mut p = MacroParams::ideal();
    p.ir_drop.enabled = true;
    p.ir_drop.max_iterations = 1;
    let c = chip(&p, 53);
    let part = part_of(&c);
    let mut out = vec![0.0; part.cols()];
    let r = c.read_events(
        &part,
        &[0, 1, 2],
        &mut out,
        &mut c.new_scratch(&part).unwrap(),
        &mut read_rng(0),
        &mut OpCounts::default(),
    );
    match r {
        Err(Error::IrDropNotConverged {
            iterations: 1,
            change_v,
            tolerance_v,
        }) => {
            assert!(change_v > tolerance_v);
        }
        other => panic!("expected non-convergence, got {other:?}"),
    }
}
