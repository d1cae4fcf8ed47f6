//! Plots (PNG and SVG) of a run: rendered in memory so they are written atomically with the
//! other outputs. Text uses a font compiled into the binary (Ubuntu Light, from
//! `epaint_default_fonts`), so nothing has to be installed. A chart is data ([`Chart`]):
//! its series, their colours, its vertical markers and its x axis, so tests check what is
//! drawn without reading pixels.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 540;

/// An RGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

/// Requests that succeeded, goodput.
pub const SUCCESS: Colour = Colour(0, 140, 60);
/// Requests that failed.
pub const FAILURE: Colour = Colour(210, 30, 30);
/// Offered load, beside the goodput it produced.
pub const OFFERED: Colour = Colour(40, 90, 200);
/// The end of the warm-up.
pub const WARMUP: Colour = Colour(120, 120, 120);
/// A fault or scale event.
pub const EVENT: Colour = Colour(200, 110, 0);
/// An analytic estimate or other reference value.
pub const REFERENCE: Colour = Colour(120, 40, 160);

/// How the x axis maps values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XAxis {
    #[default]
    Linear,
    /// Logarithmic (values ≤ 0 are not drawn), ticks labelled with the values.
    Log,
    /// Points are at x = 1/(1−q) for quantile q, on a log axis labelled as percentiles
    /// (1 → 0%, 10 → 90%, 100 → 99%, …): HdrHistogram's percentile distribution plot.
    Percentile,
}

/// One line of a chart; `colour: None` takes the palette's next colour.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub colour: Option<Colour>,
    /// Half-widths of an interval around each point's y (drawn as a vertical bar and a dot);
    /// empty: none.
    pub errors: Vec<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series { name: name.into(), points, colour: None, errors: Vec::new() }
    }

    pub fn coloured(name: impl Into<String>, points: Vec<(f64, f64)>, colour: Colour) -> Series {
        Series { name: name.into(), points, colour: Some(colour), errors: Vec::new() }
    }
}

/// A vertical line across the plot at `x`, labelled (the warm-up's end, a fault, an estimate).
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub label: String,
    pub colour: Colour,
}

/// A line chart to render. `warning`, when set, is printed in red above the plot (e.g. CPU
/// not limited).
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
    pub x_axis: XAxis,
    pub warning: Option<String>,
    /// Category names for the x positions 0, 1, 2, … (a linear axis of named values); empty:
    /// numeric ticks.
    pub x_ticks: Vec<String>,
}

impl Chart {
    pub fn new(title: impl Into<String>, x_label: &str, y_label: &str, series: Vec<Series>) -> Chart {
        Chart { title: title.into(), x_label: x_label.into(), y_label: y_label.into(), series, ..Chart::default() }
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Cannot fail for a valid TTF compiled into the binary.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT);
    });
}

/// Where `x` is drawn on the axis (log10 on the log axes; `None`: not drawable).
fn axis_x(axis: XAxis, x: f64) -> Option<f64> {
    match axis {
        XAxis::Linear => x.is_finite().then_some(x),
        XAxis::Log | XAxis::Percentile => (x > 0.0 && x.is_finite()).then(|| x.log10()),
    }
}

/// A number without trailing zeros, to at most `decimals` places.
fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The label of a tick at axis position `v`.
fn tick_label(axis: XAxis, v: f64) -> String {
    match axis {
        XAxis::Linear => trim(v, 3),
        XAxis::Log => {
            let x = 10f64.powf(v);
            trim(x, if x >= 10.0 { 0 } else { 3 })
        }
        XAxis::Percentile => format!("{}%", trim(100.0 * (1.0 - 10f64.powf(-v)), 4)),
    }
}

/// The plotted range: x on the axis's scale (whole decades on log axes), y from 0.
fn bounds(chart: &Chart) -> (f64, f64, f64, f64) {
    let axis = chart.x_axis;
    let xs = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).chain(chart.markers.iter().map(|m| m.x));
    let xs: Vec<f64> = xs.filter_map(|x| axis_x(axis, x)).collect();
    let ys = chart.series.iter().flat_map(|s| {
        s.points
            .iter()
            .enumerate()
            .filter(|(_, p)| axis_x(axis, p.0).is_some())
            .map(|(i, p)| p.1 + s.errors.get(i).copied().unwrap_or(0.0).max(0.0))
    });
    let (mut x0, mut x1) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if xs.is_empty() {
        (x0, x1) = (0.0, 1.0);
    }
    match axis {
        XAxis::Linear => {}
        // Whole decades, allowing for rounding in log10 (log10(10⁴) may come out a hair above 4).
        XAxis::Log => (x0, x1) = ((x0 + 1e-9).floor(), (x1 - 1e-9).ceil()),
        XAxis::Percentile => (x0, x1) = (0.0, (x1 - 1e-9).ceil()),
    }
    let y1 = ys.filter(|y| y.is_finite()).fold(f64::NEG_INFINITY, f64::max);
    if !chart.x_ticks.is_empty() {
        (x0, x1) = (-0.5, chart.x_ticks.len() as f64 - 0.5);
    } else if chart.series.iter().any(|s| !s.errors.is_empty()) && x1 > x0 {
        // Points with interval bars: keep the end ones off the frame.
        let pad = (x1 - x0) * 0.04;
        (x0, x1) = (x0 - pad, x1 + pad);
    }
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let y1 = if y1 > 0.0 { y1 * 1.05 } else { 1.0 };
    (x0, x1, 0.0, y1)
}

fn rgb(c: Colour) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let area = match &chart.warning {
        Some(w) => {
            root.draw_text(w, &("sans-serif", 16).into_font().color(&rgb(FAILURE)), (12, 6)).map_err(err)?;
            root.margin(22, 0, 0, 0)
        }
        None => root.clone(),
    };
    let axis = chart.x_axis;
    let (x0, x1, y0, y1) = bounds(chart);
    let mut ctx = ChartBuilder::on(&area)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(12)
        // A log axis ends on a labelled decade at the frame's edge ("99.99%"): room for half
        // of that label.
        .margin_right(if axis == XAxis::Linear { 12 } else { 36 })
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let mut mesh = ctx.configure_mesh();
    mesh.x_desc(&chart.x_label).y_desc(&chart.y_label).label_style(("sans-serif", 14));
    let label = move |v: &f64| tick_label(axis, *v);
    let ticks = &chart.x_ticks;
    let category = move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            ticks.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    if axis != XAxis::Linear {
        mesh.x_labels((x1 - x0).round() as usize + 1).x_label_formatter(&label);
    } else if !ticks.is_empty() {
        mesh.x_labels(ticks.len()).x_label_formatter(&category);
    }
    mesh.draw().map_err(err)?;
    for (i, m) in chart.markers.iter().enumerate() {
        let Some(x) = axis_x(axis, m.x) else { continue };
        let colour = rgb(m.colour);
        ctx.draw_series(LineSeries::new([(x, y0), (x, y1)], colour.stroke_width(1))).map_err(err)?;
        let y = y1 - (y1 - y0) * (0.03 + 0.06 * (i % 4) as f64);
        let text = Text::new(format!(" {}", m.label), (x, y), ("sans-serif", 13).into_font().color(&colour));
        ctx.draw_series(std::iter::once(text)).map_err(err)?;
    }
    for (i, s) in chart.series.iter().enumerate() {
        let color = s.colour.map_or_else(|| Palette99::pick(i).to_rgba(), |c| rgb(c).to_rgba());
        let points: Vec<(f64, f64)> = s.points.iter().filter_map(|&(x, y)| Some((axis_x(axis, x)?, y))).collect();
        for (&(x, y), &e) in points.iter().zip(&s.errors) {
            ctx.draw_series(LineSeries::new([(x, y - e), (x, y + e)], color.stroke_width(1))).map_err(err)?;
        }
        if !s.errors.is_empty() {
            ctx.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(err)?;
        }
        ctx.draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    if chart.series.len() > 1 {
        ctx.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)
}
/// Renders `chart` as PNG bytes and SVG text.
pub fn render(chart: &Chart) -> Result<(Vec<u8>, String), String> {
    register_font();
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(super::glyphs::Glyphs(BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT))).into_drawing_area(), chart)?;
    let mut png_bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png_bytes, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| e.to_string())?;
        w.write_image_data(&rgb).map_err(|e| e.to_string())?;
    }
    let mut svg = String::new();
    draw(SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area(), chart)?;
    Ok((png_bytes, svg))
}

/// Adds `<name>.png` and `<name>.svg` to the outputs (a chart that cannot be drawn is
/// skipped with a note in the report rather than failing the run).
pub fn add(files: &mut super::OutputFiles, name: &str, chart: &Chart, notes: &mut Vec<String>) {
    if chart.series.iter().all(|s| s.points.is_empty()) {
        return;
    }
    match render(chart) {
        Ok((png, svg)) => {
            files.add(format!("{name}.png"), png);
            files.add(format!("{name}.svg"), svg);
        }
        Err(e) => notes.push(format!("plot {name} not drawn: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_png_and_svg_deterministically() {
        let chart = Chart {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series::new("a", vec![(0.0, 1.0), (1.0, 2.0)])],
            ..Chart::default()
        };
        let (png1, svg1) = render(&chart).unwrap();
        let (png2, svg2) = render(&chart).unwrap();
        assert_eq!(&png1[1..4], b"PNG");
        assert!(svg1.starts_with("<svg"));
        assert_eq!((png1, svg1), (png2, svg2));
    }

    #[test]
    fn percentile_ticks_read_as_percentiles_and_log_ticks_as_values() {
        // Axis position v = log10(1/(1−q)): 0 → q = 0, 1 → 0.9, 2 → 0.99, 4 → 0.9999.
        let labels: Vec<String> = (0..=4).map(|v| tick_label(XAxis::Percentile, v as f64)).collect();
        assert_eq!(labels, ["0%", "90%", "99%", "99.9%", "99.99%"]);
        let labels: Vec<String> = (-1..=3).map(|v| tick_label(XAxis::Log, v as f64)).collect();
        assert_eq!(labels, ["0.1", "1", "10", "100", "1000"]);
    }

    #[test]
    fn log_axes_span_whole_decades_and_include_the_markers() {
        let chart = Chart {
            x_axis: XAxis::Log,
            markers: vec![Marker { x: 2000.0, label: "m".into(), colour: EVENT }],
            ..Chart::new("t", "x", "y", vec![Series::new("a", vec![(0.0, 0.5), (0.3, 0.5), (45.0, 1.0)])])
        };
        // x = 0 cannot be drawn on a log axis; 0.3 → decade −1, the marker 2000 → decade 4.
        let (x0, x1, y0, y1) = bounds(&chart);
        assert_eq!((x0, x1, y0), (-1.0, 4.0, 0.0));
        assert!((y1 - 1.05).abs() < 1e-12);
    }
}
