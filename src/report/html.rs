//! report.html: one self-contained page per run, sweep or plan — the summary tables as HTML
//! tables and every chart as inline SVG, with inline CSS and nothing else: no script, no
//! external font, image or style sheet, so it opens offline and anywhere. The page is a pure
//! function of the outputs it is built from (deterministic bytes, pinned with them).

use super::OutputFiles;

/// One piece of the page, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    /// Shown in red, before the figures it qualifies (e.g. CPU not limited).
    Warning(String),
    /// A table: header cells and rows; cells after the first are right-aligned (figures).
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Preformatted text (a report kept in its text form).
    Pre(String),
    /// A chart: its SVG document, inlined.
    Figure {
        name: String,
        svg: String,
    },
}

/// A page under construction.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub title: String,
    pub blocks: Vec<Block>,
}

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em auto;max-width:1000px;color:#222;padding:0 1em}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}\
th,td{border:1px solid #ccc;padding:.2em .6em}th{background:#f0f0f0}\
td:not(:first-child),th:not(:first-child){text-align:right}\
tbody tr:nth-child(even){background:#fafafa}\
.warning{color:#d21e1e;font-weight:bold}pre{background:#f6f6f6;padding:.6em;overflow-x:auto}\
figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85em;color:#555}";

/// `text` with the five characters HTML gives meaning to escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Page {
    pub fn new(title: impl Into<String>) -> Page {
        Page { title: title.into(), blocks: Vec::new() }
    }

    pub fn heading(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Heading(text.into()));
    }

    pub fn paragraph(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }

    pub fn warning(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Warning(text.into()));
    }

    pub fn pre(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Pre(text.into()));
    }

    pub fn table(&mut self, head: &[&str], rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table { head: head.iter().map(|h| h.to_string()).collect(), rows });
    }

    /// Every chart among `files` (their `.svg`s, in the order they were added), under a
    /// "Charts" heading; nothing when there are none.
    pub fn figures(&mut self, files: &OutputFiles) {
        let svgs: Vec<(&str, &[u8])> = files
            .names()
            .filter(|n| n.ends_with(".svg") && !n.contains('/'))
            .filter_map(|n| Some((n, files.get(n)?)))
            .collect();
        if svgs.is_empty() {
            return;
        }
        self.heading("Charts");
        for (name, svg) in svgs {
            let svg = String::from_utf8_lossy(svg).into_owned();
            self.blocks.push(Block::Figure { name: name.trim_end_matches(".svg").to_string(), svg });
        }
    }

    /// The page's bytes.
    pub fn render(&self) -> Vec<u8> {
        let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str(&format!("<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n", escape(&self.title)));
        out.push_str(&format!("<h1>{}</h1>\n", escape(&self.title)));
        for b in &self.blocks {
            match b {
                Block::Heading(t) => out.push_str(&format!("<h2>{}</h2>\n", escape(t))),
                Block::Paragraph(t) => out.push_str(&format!("<p>{}</p>\n", escape(t))),
                Block::Warning(t) => out.push_str(&format!("<p class=\"warning\">{}</p>\n", escape(t))),
                Block::Pre(t) => out.push_str(&format!("<pre>{}</pre>\n", escape(t))),
                Block::Table { head, rows } => {
                    out.push_str("<table>\n<thead><tr>");
                    for h in head {
                        out.push_str(&format!("<th>{}</th>", escape(h)));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for r in rows {
                        out.push_str("<tr>");
                        for c in r {
                            out.push_str(&format!("<td>{}</td>", escape(c)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
                Block::Figure { name, svg } => {
                    // plotters writes a bare <svg> element (no XML declaration): valid inline.
                    out.push_str(&format!(
                        "<figure id=\"{0}\">\n{1}\n<figcaption>{0}.svg</figcaption>\n</figure>\n",
                        escape(name),
                        svg.trim_end()
                    ));
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_inlines_every_chart_in_order() {
        let mut files = OutputFiles::default();
        files.add("a.svg", "<svg id=\"a\"></svg>");
        files.add("a.png", vec![0u8]);
        files.add("b.svg", "<svg id=\"b\"></svg>");
        files.add("point-0/c.svg", "<svg id=\"c\"></svg>");
        let mut page = Page::new("x < y & z");
        page.table(&["k", "v"], vec![vec!["<b>".into(), "1".into()]]);
        page.figures(&files);
        let html = String::from_utf8(page.render()).unwrap();
        assert!(html.contains("<title>x &lt; y &amp; z</title>"));
        assert!(html.contains("<td>&lt;b&gt;</td><td>1</td>"));
        let (a, b) = (html.find("<svg id=\"a\">").unwrap(), html.find("<svg id=\"b\">").unwrap());
        assert!(a < b, "charts in the order they were written");
        // A point's own chart belongs to its own report, not the sweep's.
        assert!(!html.contains("id=\"c\""));
        // Self-contained: nothing that would make the browser fetch anything.
        for needle in ["<script", "<link", "src=", "@import", "url("] {
            assert!(!html.contains(needle), "{needle}");
        }
    }
}
