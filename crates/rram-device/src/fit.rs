//! Fitting the model to measured conductances: read a CSV column or a plain
//! list of values in uS, split formed from unformed cells, and estimate the
//! formed log-normal (the compliance spread), the formed fraction, the
//! pristine log-normal and, given the program that formed the array, the
//! Weibull scale `eta0`.
//!
//! # Estimators
//!
//! * Split: a cell is formed when `G > formed_threshold_us` (default 1 uS:
//!   10x above the default pristine median, 14x below the formed mean, so
//!   both tails are many standard deviations away; set it for other devices).
//! * Log-normal: `mu = mean(ln G)`, `sigma^2 = sum (ln G - mu)^2 / (n - 1)`
//!   (maximum likelihood up to the `n - 1`); standard errors
//!   `sigma / sqrt(n)` and `sigma / sqrt(2 (n - 1))`. Mean and standard
//!   deviation follow as `exp(mu + sigma^2 / 2)` and
//!   `mean sqrt(exp(sigma^2) - 1)`.
//! * Compliance: `I_C = mean V_C` with the device's `V_C`.
//! * Formed fraction `p = n_formed / n`, standard error `sqrt(p (1 - p) / n)`.
//! * `eta0`, when the program is known and `0 < p < 1`: for a pulse,
//!   `eta(V) = t / (-ln(1 - p))^(1/beta)` and `eta0 = eta(V) (V / V0)^n`; for
//!   a sweep, bisection on `ln eta0` of the closed-form sweep fraction (which
//!   decreases monotonically with `eta0`). `beta` and `n` cannot be separated
//!   from one array and are kept.
//! * Goodness of fit: the Kolmogorov-Smirnov distance of the formed values to
//!   the fitted log-normal and to a fitted normal (the published fit was a
//!   Gaussian), so a user can see which describes the data better.

use param_guard::ParamGuard;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, ensure};
use crate::forming::SweepDistribution;
use crate::params::{DeviceParams, Program};
use crate::stats::{Moments, normal_cdf};

/// Which field of each line holds the conductance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Column {
    /// A file whose first data line contains a comma is CSV and its first
    /// column is used; otherwise every whitespace-separated token is a value.
    /// A first line that is not a number is a header and is skipped.
    #[default]
    Auto,
    /// Field `i` (0-based) of each line, split at commas if the first data
    /// line has one, else at whitespace. An optional header is skipped.
    Index(usize),
    /// The field whose header (first data line) is this name
    /// (case-insensitive, surrounding quotes ignored).
    Name(String),
}

fn clean(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(f)
        .trim()
}

fn parse_value(token: &str, file: &str, line: usize) -> Result<f64> {
    let bad = |reason: &str| Error::Parse {
        file: file.to_owned(),
        line,
        value: token.to_owned(),
        reason: reason.to_owned(),
    };
    let v: f64 = token.parse().map_err(|_| bad("not a number"))?;
    if !v.is_finite() {
        return Err(bad("not finite"));
    }
    if v <= 0.0 {
        return Err(bad("a conductance must be > 0 uS"));
    }
    Ok(v)
}

/// Parses conductances in uS from text (`file` names it in errors). Blank
/// lines and lines starting with `#` are skipped. Every other line must give
/// a finite value > 0; an error names the file, the line number and the
/// value.
pub fn parse_conductances_us(text: &str, file: &str, column: &Column) -> Result<Vec<f64>> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .peekable();
    let Some(&(_, first)) = lines.peek() else {
        return Ok(Vec::new());
    };
    let csv = first.contains(',');
    let fields = |l: &str| -> Vec<String> {
        if csv {
            l.split(',').map(|f| clean(f).to_owned()).collect()
        } else {
            l.split_whitespace().map(|f| clean(f).to_owned()).collect()
        }
    };
    let mut out = Vec::new();
    // Resolve the column and skip a header.
    let mut index: Option<usize> = match column {
        Column::Auto if csv => Some(0),
        Column::Auto => None,
        Column::Index(i) => Some(*i),
        Column::Name(_) => None,
    };
    {
        let &(line_no, line) = lines.peek().unwrap_or(&(0, ""));
        let head = fields(line);
        let numeric = head.iter().all(|f| f.parse::<f64>().is_ok());
        if let Column::Name(name) = column {
            if numeric {
                return Err(Error::Parse {
                    file: file.to_owned(),
                    line: line_no,
                    value: line.to_owned(),
                    reason: format!("column `{name}` asked for but the file has no header line"),
                });
            }
            let pos = head
                .iter()
                .position(|h| h.eq_ignore_ascii_case(clean(name)))
                .ok_or_else(|| Error::Parse {
                    file: file.to_owned(),
                    line: line_no,
                    value: line.to_owned(),
                    reason: format!("no column named `{name}` in the header"),
                })?;
            index = Some(pos);
            lines.next();
        } else {
            let selected_is_number = match index {
                Some(i) => head.get(i).is_some_and(|f| f.parse::<f64>().is_ok()),
                None => numeric,
            };
            let header_like = match index {
                Some(_) => !selected_is_number && head.iter().any(|f| f.parse::<f64>().is_err()),
                // A plain list: a header is one non-numeric line of words.
                None => !numeric && head.iter().all(|f| f.parse::<f64>().is_err()),
            };
            if header_like {
                lines.next();
            }
        }
    }
    for (line_no, line) in lines {
        let f = fields(line);
        match index {
            Some(i) => {
                let token = f.get(i).ok_or_else(|| Error::Parse {
                    file: file.to_owned(),
                    line: line_no,
                    value: line.to_owned(),
                    reason: format!(
                        "the line has {} fields, column {i} (0-based) is missing",
                        f.len()
                    ),
                })?;
                if token.is_empty() {
                    return Err(Error::Parse {
                        file: file.to_owned(),
                        line: line_no,
                        value: line.to_owned(),
                        reason: format!("column {i} is empty"),
                    });
                }
                out.push(parse_value(token, file, line_no)?);
            }
            None => {
                for token in &f {
                    out.push(parse_value(token, file, line_no)?);
                }
            }
        }
    }
    Ok(out)
}

/// Reads conductances in uS from a file (see [`parse_conductances_us`]).
pub fn read_conductances_us(path: impl AsRef<Path>, column: &Column) -> Result<Vec<f64>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        file: name.clone(),
        source,
    })?;
    parse_conductances_us(&text, &name, column)
}

/// Options of [`fit_conductances`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FitOptions {
    /// Cells above this conductance count as formed, uS. Default 1 uS.
    pub formed_threshold_us: f64,
    /// The program that formed the measured array, if known: then `eta0` is
    /// estimated from the formed fraction.
    pub program: Option<Program>,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            formed_threshold_us: 1.0,
            program: None,
        }
    }
}

/// A fitted log-normal (conductances in uS).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogNormalFit {
    /// Values used.
    pub n: usize,
    /// Mean of `ln(G / 1 uS)`.
    pub mu_ln: f64,
    /// Standard deviation of `ln G`.
    pub sigma_ln: f64,
    /// Standard error of `mu_ln`.
    pub mu_ln_stderr: f64,
    /// Standard error of `sigma_ln`.
    pub sigma_ln_stderr: f64,
    /// Median `exp(mu)`, uS.
    pub median_us: f64,
    /// Mean `exp(mu + sigma^2 / 2)`, uS.
    pub mean_us: f64,
    /// Standard deviation `mean sqrt(exp(sigma^2) - 1)`, uS.
    pub std_us: f64,
    /// Kolmogorov-Smirnov distance of the data to this log-normal.
    pub ks_distance: f64,
}

/// Kolmogorov-Smirnov distance of sorted data to a CDF.
fn ks_distance(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

fn fit_lognormal(values_us: &[f64]) -> Option<LogNormalFit> {
    let n = values_us.len();
    if n < 2 {
        return None;
    }
    let logs: Vec<f64> = values_us.iter().map(|v| v.ln()).collect();
    let m = Moments::of(&logs)?;
    let (mu, s) = (m.mean, m.std);
    let mean = (mu + 0.5 * s * s).exp();
    let mut sorted = values_us.to_vec();
    sorted.sort_by(f64::total_cmp);
    let ks = ks_distance(&sorted, |x| {
        if s > 0.0 {
            normal_cdf((x.ln() - mu) / s)
        } else if x.ln() >= mu {
            1.0
        } else {
            0.0
        }
    });
    Some(LogNormalFit {
        n,
        mu_ln: mu,
        sigma_ln: s,
        mu_ln_stderr: s / (n as f64).sqrt(),
        sigma_ln_stderr: s / (2.0 * (n as f64 - 1.0)).sqrt(),
        median_us: mu.exp(),
        mean_us: mean,
        std_us: mean * (s * s).exp_m1().sqrt(),
        ks_distance: ks,
    })
}

/// The fitted model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Values fitted.
    pub n: usize,
    /// Values above the threshold.
    pub n_formed: usize,
    /// Formed fraction `n_formed / n`.
    pub formed_fraction: f64,
    /// Its binomial standard error.
    pub formed_fraction_stderr: f64,
    /// Log-normal of the formed cells (the compliance spread).
    pub formed: LogNormalFit,
    /// Sample statistics of the formed cells, uS (the Gaussian view).
    pub formed_sample: Moments,
    /// Kolmogorov-Smirnov distance of the formed cells to the normal with
    /// their sample mean and standard deviation.
    pub formed_normal_ks_distance: f64,
    /// Log-normal of the unformed cells (with at least two of them).
    pub pristine: Option<LogNormalFit>,
    /// Compliance current that gives the formed mean with the device's
    /// `V_C`, A.
    pub i_c_a: f64,
    /// Weibull scale at `V0`, when the program is known and `0 < p < 1`, s.
    pub eta0_s: Option<f64>,
}

impl Fit {
    /// A Markdown report of the fit: the split, the formed log-normal with
    /// standard errors, the Gaussian view beside it with both
    /// Kolmogorov-Smirnov distances, the pristine cells, the compliance and
    /// the Weibull scale.
    ///
    /// ```
    /// use rram_device::{DeviceParams, FitOptions, fit_conductances};
    /// let values = [0.2, 0.25, 13.0, 14.0, 15.5, 16.0];
    /// let fit = fit_conductances(&values, &DeviceParams::default(), &FitOptions::default()).unwrap();
    /// assert!(fit.report().contains("| formed fraction | 0.6667"));
    /// ```
    pub fn report(&self) -> String {
        use std::fmt::Write as _;
        let f = &self.formed;
        let mut s = String::from("| quantity | value |\n|---|---|\n");
        let mut row = |q: &str, v: String| {
            let _ = writeln!(s, "| {q} | {v} |");
        };
        row("cells", self.n.to_string());
        row("formed cells", self.n_formed.to_string());
        row(
            "formed fraction",
            format!(
                "{:.4} +- {:.4}",
                self.formed_fraction, self.formed_fraction_stderr
            ),
        );
        row(
            "formed ln G: mu, sigma",
            format!(
                "{:.4} +- {:.4}, {:.4} +- {:.4}",
                f.mu_ln, f.mu_ln_stderr, f.sigma_ln, f.sigma_ln_stderr
            ),
        );
        row(
            "formed log-normal: median, mean, std (uS)",
            format!("{:.3}, {:.3}, {:.3}", f.median_us, f.mean_us, f.std_us),
        );
        row(
            "formed sample: mean, std (uS)",
            format!(
                "{:.3}, {:.3}",
                self.formed_sample.mean, self.formed_sample.std
            ),
        );
        row(
            "KS distance: log-normal, normal",
            format!(
                "{:.4}, {:.4}",
                f.ks_distance, self.formed_normal_ks_distance
            ),
        );
        row(
            "pristine log-normal: median (uS), sigma",
            self.pristine
                .map_or("- (fewer than two unformed cells)".to_owned(), |p| {
                    format!("{:.4}, {:.4}", p.median_us, p.sigma_ln)
                }),
        );
        row(
            "compliance current (uA)",
            format!("{:.3}", self.i_c_a * 1e6),
        );
        row(
            "Weibull scale eta0 (s)",
            self.eta0_s.map_or(
                "- (program unknown, or all or no cells formed)".to_owned(),
                |e| format!("{e:.4e}"),
            ),
        );
        s
    }

    /// `base` with the fitted values in place: `compliance.sigma_ln`,
    /// the pristine log-normal (when fitted) and `forming.eta0_s` (when
    /// estimated).
    pub fn apply(&self, base: &DeviceParams) -> DeviceParams {
        let mut p = base.clone();
        p.compliance.sigma_ln = self.formed.sigma_ln;
        if let Some(pr) = &self.pristine {
            p.pristine.g_median_us = pr.median_us;
            p.pristine.sigma_ln = pr.sigma_ln;
        }
        if let Some(eta0) = self.eta0_s {
            p.forming.eta0_s = eta0;
        }
        p
    }
}

/// Estimates the model from measured conductances in uS (see the module
/// docs for the estimators). `base` supplies what the data cannot (`V_C`,
/// `beta`, `n`, `V0`).
pub fn fit_conductances(
    values_us: &[f64],
    base: &DeviceParams,
    options: &FitOptions,
) -> Result<Fit> {
    base.validate()?;
    ensure(
        options.formed_threshold_us.is_finite() && options.formed_threshold_us > 0.0,
        "formed_threshold_us",
        options.formed_threshold_us,
        "finite and > 0",
    )?;
    if let Some(program) = &options.program {
        program.validate(base)?;
    }
    if let Some(i) = values_us.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        ensure(
            false,
            &format!("values_us[{i}]"),
            values_us[i],
            "finite and > 0",
        )?;
    }
    let (formed, unformed): (Vec<f64>, Vec<f64>) = values_us
        .iter()
        .partition(|v| **v > options.formed_threshold_us);
    let formed_fit = fit_lognormal(&formed).ok_or(Error::InsufficientData {
        what: format!(
            "a formed-cell fit (values above {} uS)",
            options.formed_threshold_us
        ),
        needed: 2,
        found: formed.len(),
    })?;
    let sample = Moments::of(&formed).ok_or(Error::InsufficientData {
        what: "formed-cell statistics".into(),
        needed: 2,
        found: formed.len(),
    })?;
    let mut sorted = formed.clone();
    sorted.sort_by(f64::total_cmp);
    let normal_ks = ks_distance(&sorted, |x| {
        if sample.std > 0.0 {
            normal_cdf((x - sample.mean) / sample.std)
        } else if x >= sample.mean {
            1.0
        } else {
            0.0
        }
    });
    let n = values_us.len();
    let p = formed.len() as f64 / n as f64;
    let eta0_s = match &options.program {
        Some(program) if p > 0.0 && p < 1.0 => estimate_eta0(base, program, p),
        _ => None,
    };
    Ok(Fit {
        n,
        n_formed: formed.len(),
        formed_fraction: p,
        formed_fraction_stderr: (p * (1.0 - p) / n as f64).sqrt(),
        formed: formed_fit,
        formed_sample: sample,
        formed_normal_ks_distance: normal_ks,
        pristine: fit_lognormal(&unformed),
        i_c_a: base.compliance.i_c_for_g_mean_a(formed_fit.mean_us * 1e-6),
        eta0_s,
    })
}

/// `eta0` such that a healthy cell forms with probability `p` under
/// `program`.
fn estimate_eta0(base: &DeviceParams, program: &Program, p: f64) -> Option<f64> {
    let f = &base.forming;
    match program {
        Program::Pulse(pulse) => {
            let h = -(-p).ln_1p();
            let eta_v = pulse.width_s / h.powf(1.0 / f.beta);
            Some(eta_v * (pulse.v_v / f.v0_v).powf(f.accel_exponent))
        }
        Program::Sweep(sweep) => {
            let frac = |ln_eta0: f64| {
                let mut g = f.clone();
                g.eta0_s = ln_eta0.exp();
                SweepDistribution::new(&g, sweep).formed_fraction()
            };
            // The fraction falls from 1 to 0 as eta0 grows; bracket, then bisect.
            let (mut lo, mut hi) = (f.eta0_s.ln() - 50.0, f.eta0_s.ln() + 50.0);
            if !(frac(lo) > p && frac(hi) < p) {
                return None;
            }
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if frac(mid) > p {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            Some((0.5 * (lo + hi)).exp())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_list_with_header_and_comments() {
        let text = "# measured\nG_uS\n14.1 15.2\n\n13.0\r\n";
        let v = parse_conductances_us(text, "m.txt", &Column::Auto).unwrap();
        assert_eq!(v, vec![14.1, 15.2, 13.0]);
    }

    #[test]
    fn csv_by_name_and_index() {
        let text = "row,col,\"G (uS)\"\n0,0,14.5\n0,1,0.1\n";
        let by_name = parse_conductances_us(text, "a.csv", &Column::Name("g (us)".into())).unwrap();
        assert_eq!(by_name, vec![14.5, 0.1]);
        let by_index = parse_conductances_us(text, "a.csv", &Column::Index(2)).unwrap();
        assert_eq!(by_index, by_name);
        let first = parse_conductances_us("1.5,2\n2.5,3\n", "b.csv", &Column::Auto).unwrap();
        assert_eq!(first, vec![1.5, 2.5]);
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse_conductances_us("1.0\n2.0\nabc\n", "m.txt", &Column::Auto).unwrap_err();
        match e {
            Error::Parse {
                file, line, value, ..
            } => {
                assert_eq!((file.as_str(), line, value.as_str()), ("m.txt", 3, "abc"));
            }
            other => panic!("{other}"),
        }
        let e = parse_conductances_us("1.0\n-2.0\n", "m.txt", &Column::Auto)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.txt:2") && e.contains("-2.0") && e.contains("> 0"),
            "{e}"
        );
        let e = parse_conductances_us("a,b\n1,2\n3\n", "c.csv", &Column::Index(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.csv:3"), "{e}");
        let e = parse_conductances_us("1,2\n", "c.csv", &Column::Name("g".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no header"), "{e}");
        let e = parse_conductances_us("1\ninf\n", "c.txt", &Column::Auto)
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.txt:2") && e.contains("not finite"), "{e}");
    }

    #[test]
    fn ks_distance_by_hand() {
        // Data {1, 2} against U(0, 4): F = 0.25, 0.5; steps 0, 0.5, 1:
        // max(|0.25 - 0|, |0.5 - 0.25|, |0.5 - 0.5|, |1 - 0.5|) = 0.5.
        let d = ks_distance(&[1.0, 2.0], |x| x / 4.0);
        assert!((d - 0.5).abs() < 1e-15);
    }
}
