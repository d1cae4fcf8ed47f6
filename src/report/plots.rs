//! Plots (PNG and SVG) of a run: rendered in memory so they are written atomically with the
//! other outputs. Text uses a font compiled into the binary (Ubuntu Light, from
//! `epaint_default_fonts`), so nothing has to be installed.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 540;

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// A line chart to render.
#[derive(Clone, Debug)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Cannot fail for a valid TTF compiled into the binary.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT);
    });
}

fn bounds(series: &[Series]) -> (f64, f64, f64, f64) {
    let mut xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|x| x.is_finite());
    let mut ys = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|y| y.is_finite());
    let first = xs.next().unwrap_or(0.0);
    let (x0, x1) = xs.fold((first, first), |(a, b), x| (a.min(x), b.max(x)));
    let y1 = ys.next().map_or(1.0, |y| ys.fold(y, f64::max));
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let y1 = if y1 > 0.0 { y1 * 1.05 } else { 1.0 };
    (x0, x1, 0.0, y1)
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &Chart) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let (x0, x1, y0, y1) = bounds(&chart.series);
    let mut ctx = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    ctx.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    for (i, s) in chart.series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        ctx.draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2)))
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
    draw(BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area(), chart)?;
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
            series: vec![Series { name: "a".into(), points: vec![(0.0, 1.0), (1.0, 2.0)] }],
        };
        let (png1, svg1) = render(&chart).unwrap();
        let (png2, svg2) = render(&chart).unwrap();
        assert_eq!(&png1[1..4], b"PNG");
        assert!(svg1.starts_with("<svg"));
        assert_eq!((png1, svg1), (png2, svg2));
    }
}
