//! A drawing backend that draws its text glyph by glyph at each glyph's true position, for
//! the PNG plots. plotters' own ab_glyph text drawing (0.3.7) puts each glyph's outline at the
//! pen position without the glyph's left side bearing, so every glyph lands a little left of
//! where it belongs and a space before a glyph with a wide bearing all but vanishes
//! ("latency(ms)"). [`Glyphs`] wraps a backend, draws text itself with the bearing, and
//! passes everything else through. Text layout (sizes, anchors) is plotters' own, so charts
//! are laid out exactly as before.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    // The font compiled into the binary is a valid TTF.
    FONT.get_or_init(|| FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).expect("compiled-in font"))
}

/// The pixels of `text` at `size` px with their coverage (0–1), relative to the pen's start,
/// in plotters' vertical convention (the glyph's top at `size/2 + its offset from the baseline`).
pub fn rasterise(text: &str, size: f64) -> Vec<(i32, i32, f32)> {
    let font = font().as_scaled(size as f32);
    let mut pixels = Vec::new();
    let mut pen = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern(p, id);
        }
        prev = Some(id);
        let glyph = id.with_scale_and_position(font.scale(), point(pen, 0.0));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            let (x0, y0) = (b.min.x as i32, (size as f32 / 2.0 + b.min.y) as i32);
            outline.draw(|x, y, a| pixels.push((x0 + x as i32, y0 + y as i32, a)));
        }
        pen += font.h_advance(id);
    }
    pixels
}

/// A backend whose text is drawn by [`rasterise`].
pub struct Glyphs<B>(pub B);

impl<B: DrawingBackend> DrawingBackend for Glyphs<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(p, c)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(a, b, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        c: BackendCoord,
        r: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(c, r, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    /// As plotters' default text drawing (layout box, anchor, rotation), with the glyphs
    /// from [`rasterise`].
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) =
            style.layout_box(text).map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        for (x, y, a) in rasterise(text, style.size()) {
            let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                self.0.draw_pixel((x, y), colour.mix(a as f64))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::rasterise;

    #[test]
    fn glyphs_keep_their_left_side_bearing() {
        // An "l" after a space starts where the space ends plus the l's own bearing: its ink
        // begins right of the pen at the space's advance, never left of it.
        let font = super::font();
        use ab_glyph::{Font, ScaleFont};
        let scaled = font.as_scaled(20.0);
        let pen = scaled.h_advance(scaled.glyph_id(' '));
        let lsb = scaled.h_side_bearing(scaled.glyph_id('l'));
        let ink: Vec<i32> = rasterise(" l", 20.0).iter().filter(|p| p.2 > 0.01).map(|p| p.0).collect();
        let left = *ink.iter().min().unwrap();
        assert!((left as f32 - (pen + lsb)).abs() <= 1.0, "ink at {left}, pen {pen} + bearing {lsb}");
    }
}
