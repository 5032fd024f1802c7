//! SVG charts drawn with plotters. plotters runs without its font features here: it then sizes
//! text by estimate and writes it as SVG `<text>` in a generic `sans-serif`, so no system font
//! is needed on the server; the reader's browser renders the text.

use chrono::{Datelike, NaiveDate};
use plotters::prelude::*;

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 560;

/// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies; the last
/// colour is for everything beyond them ("Other").
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];
const OTHER: RGBColor = RGBColor(150, 150, 150);

pub struct Point {
    pub label: String,
    pub date: NaiveDate,
    pub value: f64,
    /// What the point is coloured by (a country code, an access level).
    pub group: String,
    pub highlighted: bool,
}

/// The fitted line and what the legend says of it.
pub struct TrendLine {
    pub from: (NaiveDate, f64),
    pub to: (NaiveDate, f64),
    pub text: String,
}

/// A date as a fractional year, the charts' x coordinate.
fn year(date: NaiveDate) -> f64 {
    date.year() as f64 + (date.ordinal0() as f64) / 365.25
}

/// The groups with the most points get their own colour, largest first; the rest are "Other".
fn colours(points: &[&Point]) -> Vec<(String, RGBColor)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for p in points {
        match counts.iter_mut().find(|(g, _)| *g == p.group) {
            Some((_, n)) => *n += 1,
            None => counts.push((p.group.clone(), 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.into_iter().take(PALETTE.len()).zip(PALETTE).map(|((g, _), c)| (g, c)).collect()
}

fn colour_of(colours: &[(String, RGBColor)], group: &str) -> RGBColor {
    colours.iter().find(|(g, _)| g == group).map(|(_, c)| *c).unwrap_or(OTHER)
}

/// Gives the SVG a title (the accessible name) and `role="img"`.
fn with_title(svg: String, title: &str) -> String {
    let escaped = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    match svg.find("<svg").and_then(|start| svg[start..].find('>').map(|end| start + end)) {
        Some(end) => format!("{} role=\"img\">\n<title>{escaped}</title>{}", &svg[..end], &svg[end + 1..]),
        None => svg,
    }
}

fn x_range(points: &[&Point]) -> (f64, f64) {
    let xs = points.iter().map(|p| year(p.date));
    let (lo, hi) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    if lo > hi { (2015.0, 2026.0) } else { (lo.floor() - 0.25, hi.ceil() + 0.25) }
}

fn message(title: &str, text: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 200)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let style = ("sans-serif", 20).into_font().color(&BLACK);
        let _ = root.draw(&Text::new(text.to_owned(), (24, 90), style));
        let _ = root.present();
    }
    with_title(svg, title)
}

/// Each point at (announced date, value) on a log scale, coloured by group, with the trend line.
pub fn scatter(title: &str, y_label: &str, points: &[Point], trend: Option<&TrendLine>) -> String {
    let points: Vec<&Point> = points.iter().filter(|p| p.value > 0.0 && p.value.is_finite()).collect();
    if points.is_empty() {
        return message(title, "No model with a value matches these filters.");
    }
    draw_scatter(title, y_label, &points, trend).unwrap_or_else(|error| {
        tracing::error!(%error, "drawing a scatter plot failed");
        message(title, "The plot could not be drawn.")
    })
}

fn draw_scatter(title: &str, y_label: &str, points: &[&Point], trend: Option<&TrendLine>) -> Result<String, String> {
    let (x0, x1) = x_range(points);
    let mut values: Vec<f64> = points.iter().map(|p| p.value).collect();
    if let Some(t) = trend {
        values.extend([t.from.1, t.to.1]);
    }
    let lo = values.iter().copied().fold(f64::MAX, f64::min);
    let hi = values.iter().copied().fold(f64::MIN, f64::max);
    let (y0, y1) = (10f64.powf(lo.log10().floor()), 10f64.powf(hi.log10().ceil() + 0.5));
    let colours = colours(points);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(76)
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("Announced")
            .y_desc(y_label)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(|e| e.to_string())?;
        let mut groups: Vec<(String, RGBColor)> = colours.clone();
        if points.iter().any(|p| colours.iter().all(|(g, _)| *g != p.group)) {
            groups.push(("Other".into(), OTHER));
        }
        for (group, colour) in groups {
            let members = points.iter().filter(|p| colour_of(&colours, &p.group) == colour);
            chart
                .draw_series(members.map(|p| Circle::new((year(p.date), p.value), 4, colour.mix(0.85).filled())))
                .map_err(|e| e.to_string())?
                .label(group)
                .legend(move |(x, y)| Circle::new((x, y), 4, colour.filled()));
        }
        if let Some(t) = trend {
            let line = [(year(t.from.0), t.from.1), (year(t.to.0), t.to.1)];
            chart
                .draw_series(LineSeries::new(line, BLACK.stroke_width(2)))
                .map_err(|e| e.to_string())?
                // In the legend, beside a sample of the line: text drawn on the plot itself
                // would cross the points or the line for some filter or other.
                .label(format!("Trend: {}", t.text))
                .legend(|(x, y)| PathElement::new([(x - 8, y), (x + 8, y)], BLACK.stroke_width(2)));
        }
        for p in points.iter().filter(|p| p.highlighted) {
            let style = ("sans-serif", 15).into_font().color(&BLACK);
            let marked = EmptyElement::at((year(p.date), p.value))
                + Circle::new((0, 0), 9, BLACK.stroke_width(2))
                + Text::new(p.label.clone(), (12, -20), style);
            chart.draw_series(std::iter::once(marked)).map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(with_title(svg, title))
}

/// Releases over time: one lane per group, one dot per model.
pub fn timeline(title: &str, points: &[Point]) -> String {
    if points.is_empty() {
        return message(title, "No model with an announced date matches these filters.");
    }
    let points: Vec<&Point> = points.iter().collect();
    draw_timeline(title, &points).unwrap_or_else(|error| {
        tracing::error!(%error, "drawing a timeline failed");
        message(title, "The timeline could not be drawn.")
    })
}

fn draw_timeline(title: &str, points: &[&Point]) -> Result<String, String> {
    let colours = colours(points);
    let mut lanes: Vec<(String, RGBColor)> = colours.clone();
    if points.iter().any(|p| colours.iter().all(|(g, _)| *g != p.group)) {
        lanes.push(("Other".into(), OTHER));
    }
    let lane_of = |p: &&Point| lanes.iter().position(|(_, c)| *c == colour_of(&colours, &p.group)).unwrap_or(0);
    let names: Vec<String> = lanes.iter().map(|(g, _)| g.clone()).collect();
    let (x0, x1) = x_range(points);
    let height = 120 + 44 * lanes.len() as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(110)
            .build_cartesian_2d(x0..x1, -0.5..(lanes.len() as f64 - 0.5))
            .map_err(|e| e.to_string())?;
        let label = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 0.01 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("Announced")
            .y_labels(lanes.len() * 2 + 1)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&label)
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(|e| e.to_string())?;
        for p in points {
            let lane = lane_of(p);
            let colour = lanes[lane].1;
            chart
                .draw_series([Circle::new((year(p.date), lane as f64), 5, colour.mix(0.6).filled())])
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(with_title(svg, title))
}

/// One stack of a stacked bar chart: its name in the legend, its colour, and its value in each
/// category (a bar per category).
pub struct Stack {
    pub name: String,
    pub colour: RGBColor,
    pub values: Vec<f64>,
}

/// The palette's `i`th colour (for stacks).
pub fn colour(i: usize) -> RGBColor {
    if i < PALETTE.len() { PALETTE[i] } else { OTHER }
}

pub const GREY: RGBColor = OTHER;

/// A bar per category, each the stacks' values on top of one another, in the order given.
pub fn stacked_bars(title: &str, x_label: &str, y_label: &str, categories: &[String], stacks: &[Stack]) -> String {
    let total = |i: usize| stacks.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0)).sum::<f64>();
    if categories.is_empty() || (0..categories.len()).all(|i| total(i) <= 0.0) {
        return message(title, "Nothing to plot.");
    }
    draw_stacked_bars(title, x_label, y_label, categories, stacks).unwrap_or_else(|error| {
        tracing::error!(%error, "drawing a bar chart failed");
        message(title, "The plot could not be drawn.")
    })
}

fn draw_stacked_bars(
    title: &str,
    x_label: &str,
    y_label: &str,
    categories: &[String],
    stacks: &[Stack],
) -> Result<String, String> {
    let highest = (0..categories.len())
        .map(|i| stacks.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0)).sum::<f64>())
        .fold(0.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..(categories.len() as f64 - 0.5), 0.0..(highest * 1.15).max(1.0))
            .map_err(|e| e.to_string())?;
        let label = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 0.01 && i >= 0.0 {
                categories.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .x_labels(categories.len() * 2 + 1)
            .x_label_formatter(&label)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(|e| e.to_string())?;
        let mut base = vec![0.0; categories.len()];
        for stack in stacks {
            let colour = stack.colour;
            let bars: Vec<_> = (0..categories.len())
                .filter_map(|i| {
                    let value = stack.values.get(i).copied().unwrap_or(0.0);
                    let bottom = base[i];
                    base[i] += value;
                    (value > 0.0).then(|| {
                        Rectangle::new([(i as f64 - 0.35, bottom), (i as f64 + 0.35, bottom + value)], colour.filled())
                    })
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(|e| e.to_string())?
                .label(stack.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x - 6, y - 6), (x + 6, y + 6)], colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(with_title(svg, title))
}
