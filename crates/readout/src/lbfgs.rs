//! Limited-memory BFGS for smooth unconstrained minimisation.
//!
//! The two-loop recursion of Nocedal & Wright (2006, Algorithm 7.4) with the
//! initial Hessian `gamma I`, `gamma = s'y / y'y` from the newest pair, and
//! a backtracking line search that enforces the Armijo condition (safeguarded
//! quadratic interpolation of the step). A pair whose curvature `s'y` is not
//! clearly positive is skipped, which keeps the inverse-Hessian model
//! positive definite. The iteration stops when the largest gradient
//! component falls below the tolerance (converged), when the objective stops
//! changing in floating point (stalled), or at the iteration limit.

/// What the minimiser reached.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Minimum {
    /// The final point.
    pub(crate) x: Vec<f64>,
    /// The objective there.
    pub(crate) f: f64,
    /// The largest absolute gradient component there.
    pub(crate) grad_max: f64,
    /// Iterations (accepted steps) taken.
    pub(crate) iterations: usize,
    /// Objective and gradient evaluations.
    pub(crate) evaluations: usize,
    /// The gradient criterion was met.
    pub(crate) converged: bool,
}

/// Settings of one minimisation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Settings {
    /// Stop when `max_i |g_i| <= grad_tol`.
    pub(crate) grad_tol: f64,
    /// At most this many iterations.
    pub(crate) max_iter: usize,
    /// Correction pairs kept.
    pub(crate) memory: usize,
}

/// Armijo constant: the step must realise this fraction of the decrease the
/// directional derivative predicts.
const ARMIJO: f64 = 1e-4;
/// Backtracking steps before the line search gives up.
const MAX_BACKTRACK: usize = 60;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Minimises `f` from `x0`. `f(x, g)` returns the objective at `x` and
/// writes its gradient into `g`.
pub(crate) fn minimize(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: Vec<f64>,
    settings: Settings,
) -> Minimum {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut evaluations = 1;
    let mut pairs: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
        std::collections::VecDeque::with_capacity(settings.memory);
    let mut iterations = 0;
    let (mut x_new, mut g_new) = (vec![0.0; n], vec![0.0; n]);
    while max_abs(&g) > settings.grad_tol && iterations < settings.max_iter {
        let d = direction(&g, &pairs);
        let slope = dot(&g, &d);
        // The first step has no curvature information: scale it to unit length.
        let mut t = if pairs.is_empty() {
            1.0 / dot(&d, &d).sqrt().max(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_BACKTRACK {
            for i in 0..n {
                x_new[i] = x[i] + t * d[i];
            }
            let f_new = f(&x_new, &mut g_new);
            evaluations += 1;
            if f_new.is_finite() && f_new <= fx + ARMIJO * t * slope {
                accepted = Some(f_new);
                break;
            }
            // Minimiser of the quadratic through f(0), f'(0) and f(t),
            // kept inside [0.1 t, 0.5 t].
            let q = if f_new.is_finite() {
                -slope * t * t / (2.0 * (f_new - fx - slope * t))
            } else {
                0.1 * t
            };
            t = q.clamp(0.1 * t, 0.5 * t);
        }
        let Some(f_new) = accepted else { break };
        iterations += 1;
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() && sy > 0.0 {
            if pairs.len() == settings.memory {
                pairs.pop_front();
            }
            pairs.push_back((s, y, 1.0 / sy));
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let stalled = (fx - f_new).abs() <= f64::EPSILON * fx.abs().max(f_new.abs());
        fx = f_new;
        if stalled {
            break;
        }
    }
    let grad_max = max_abs(&g);
    Minimum {
        x,
        f: fx,
        grad_max,
        iterations,
        evaluations,
        converged: grad_max <= settings.grad_tol,
    }
}

/// `-H g` by the two-loop recursion over the stored pairs (oldest first).
fn direction(g: &[f64], pairs: &std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)>) -> Vec<f64> {
    let mut q: Vec<f64> = g.to_vec();
    let mut alpha = vec![0.0; pairs.len()];
    for (k, (s, y, rho)) in pairs.iter().enumerate().rev() {
        let a = rho * dot(s, &q);
        alpha[k] = a;
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= a * yi;
        }
    }
    if let Some((s, y, _)) = pairs.back() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for (k, (s, y, rho)) in pairs.iter().enumerate() {
        let b = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (alpha[k] - b) * si;
        }
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            grad_tol: 1e-10,
            max_iter: 10_000,
            memory: 10,
        }
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let m = minimize(
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            vec![-1.2, 1.0],
            settings(),
        );
        assert!(m.converged, "{m:?}");
        assert!(
            (m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8,
            "{m:?}"
        );
        assert!(m.iterations < 200, "{m:?}");
    }

    #[test]
    fn solves_an_ill_conditioned_quadratic_to_its_closed_form() {
        // f = 0.5 sum_i c_i (x_i - i)^2 with condition number 1e6.
        let n = 50;
        let c: Vec<f64> = (0..n)
            .map(|i| 10f64.powf(6.0 * i as f64 / (n - 1) as f64))
            .collect();
        let m = minimize(
            |x, g| {
                let mut f = 0.0;
                for i in 0..n {
                    let r = x[i] - i as f64;
                    g[i] = c[i] * r;
                    f += 0.5 * c[i] * r * r;
                }
                f
            },
            vec![0.0; n],
            Settings {
                grad_tol: 1e-6,
                ..settings()
            },
        );
        assert!(m.converged, "{m:?}");
        for (i, v) in m.x.iter().enumerate() {
            assert!(
                (v - i as f64).abs() <= 1e-6 / c[i] * 10.0 + 1e-9,
                "x[{i}] = {v}"
            );
        }
    }

    #[test]
    fn stops_at_the_iteration_limit_without_claiming_convergence() {
        let m = minimize(
            |x, g| {
                g[0] = 4.0 * x[0].powi(3);
                x[0].powi(4)
            },
            vec![3.0],
            Settings {
                max_iter: 2,
                ..settings()
            },
        );
        assert_eq!(m.iterations, 2);
        assert!(!m.converged);
    }
}
