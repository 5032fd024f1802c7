//! Ordinary least squares of y on x with the 90% confidence band of the fitted line, and the
//! Student t quantile it needs (implemented here: the regularized incomplete beta function by
//! its continued fraction, inverted by bisection; no statistics crate).

/// A fitted line `y = y_mean + slope (x - x_mean)` and what its uncertainty needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub n: usize,
    pub x_mean: f64,
    pub y_mean: f64,
    pub slope: f64,
    /// Sum of squared deviations of x from its mean.
    pub sxx: f64,
    /// Residual standard deviation, on n - 2 degrees of freedom.
    pub residual_sd: f64,
    /// None when every y is the same (nothing to explain).
    pub r_squared: Option<f64>,
    /// The two-sided 90% Student t quantile on n - 2 degrees of freedom.
    pub t90: f64,
}

/// Why a fit could not be made.
pub const TOO_FEW: &str = "fewer than 3 models have both an announced date and a value";
pub const ONE_DATE: &str = "all the models were announced on the same date";

pub fn least_squares(points: &[(f64, f64)]) -> Result<Fit, &'static str> {
    let n = points.len();
    if n < 3 {
        return Err(TOO_FEW);
    }
    let nf = n as f64;
    let x_mean = points.iter().map(|p| p.0).sum::<f64>() / nf;
    let y_mean = points.iter().map(|p| p.1).sum::<f64>() / nf;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in points {
        let (dx, dy) = (x - x_mean, y - y_mean);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    // Dates are whole days; a spread below a thousandth of a day is one date.
    if sxx <= nf * 1e-12 {
        return Err(ONE_DATE);
    }
    let slope = sxy / sxx;
    let sse = (syy - slope * sxy).max(0.0);
    let r_squared = (syy > 0.0).then(|| (1.0 - sse / syy).clamp(0.0, 1.0));
    let df = nf - 2.0;
    Ok(Fit { n, x_mean, y_mean, slope, sxx, residual_sd: (sse / df).sqrt(), r_squared, t90: t_quantile(0.95, df) })
}

impl Fit {
    pub fn predict(&self, x: f64) -> f64 {
        self.y_mean + self.slope * (x - self.x_mean)
    }

    /// Standard error of the slope.
    pub fn slope_se(&self) -> f64 {
        self.residual_sd / self.sxx.sqrt()
    }

    /// Half-width of the 90% confidence band of the fitted line at `x`.
    pub fn band(&self, x: f64) -> f64 {
        let d = x - self.x_mean;
        self.t90 * self.residual_sd * (1.0 / self.n as f64 + d * d / self.sxx).sqrt()
    }

    /// Where the line reaches `y`, and the x interval where the 90% band contains `y`
    /// (None when the band never closes: the slope is not clearly different from zero).
    pub fn solve(&self, y: f64) -> Option<(f64, Option<(f64, f64)>)> {
        if self.slope == 0.0 {
            return None;
        }
        let delta = y - self.y_mean;
        let x = self.x_mean + delta / self.slope;
        let ts2 = (self.t90 * self.residual_sd).powi(2);
        // (delta - slope d)^2 = ts2 (1/n + d^2/sxx), for d = x - x_mean.
        let a = self.slope * self.slope - ts2 / self.sxx;
        let b = -2.0 * self.slope * delta;
        let c = delta * delta - ts2 / self.n as f64;
        if a <= 0.0 {
            return Some((x, None));
        }
        let disc = (b * b - 4.0 * a * c).max(0.0).sqrt();
        let (d1, d2) = ((-b - disc) / (2.0 * a), (-b + disc) / (2.0 * a));
        Some((x, Some((self.x_mean + d1.min(d2), self.x_mean + d1.max(d2)))))
    }
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom (p in (0.5, 1)).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
        if hi > 1e12 {
            return hi;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

fn ln_gamma(x: f64) -> f64 {
    // Lanczos (g = 7, n = 9).
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized incomplete beta function I_x(a, b).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + numerator / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        for (df, expected) in
            [(1.0, 6.313_752), (2.0, 2.919_986), (5.0, 2.015_048), (10.0, 1.812_461), (30.0, 1.697_261)]
        {
            let t = t_quantile(0.95, df);
            assert!((t - expected).abs() < 1e-5, "df {df}: {t}");
        }
        assert!((t_quantile(0.95, 1e6) - 1.644_854).abs() < 1e-4);
    }

    #[test]
    fn a_hand_computed_fit() {
        // x: 0 1 2 3, y: 1 3 2 5 -> slope 1.1, intercept 1.1, SSE 2.7, SST 8.75.
        let fit = least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 2.0), (3.0, 5.0)]).unwrap();
        assert!((fit.slope - 1.1).abs() < 1e-12);
        assert!((fit.predict(0.0) - 1.1).abs() < 1e-12);
        assert!((fit.r_squared.unwrap() - (1.0 - 2.7 / 8.75)).abs() < 1e-12);
        assert!((fit.slope_se() - (2.7_f64 / 2.0 / 5.0).sqrt()).abs() < 1e-12);
        // t·SE(b) = 2.92 · 0.52 > 1.1: the slope could be zero, so no date interval closes.
        let (x, interval) = fit.solve(fit.predict(1.5)).unwrap();
        assert!((x - 1.5).abs() < 1e-12);
        assert_eq!(interval, None);
        let tight = least_squares(&[(0.0, 1.0), (1.0, 2.1), (2.0, 2.9), (3.0, 4.1)]).unwrap();
        let (x, interval) = tight.solve(tight.predict(1.5)).unwrap();
        let (lo, hi) = interval.unwrap();
        assert!(lo < x && x < hi && hi - lo < 0.5);
    }

    #[test]
    fn degenerate_fits_say_why() {
        assert_eq!(least_squares(&[(1.0, 1.0), (2.0, 2.0)]), Err(TOO_FEW));
        assert_eq!(least_squares(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]), Err(ONE_DATE));
        let flat = least_squares(&[(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)]).unwrap();
        assert_eq!(flat.r_squared, None);
        assert_eq!(flat.solve(3.0), None);
    }
}
