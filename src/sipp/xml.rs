//! XML to a tree of elements with byte positions, through quick-xml. Attributes are read
//! from the tag's own text so each keeps its position, and a raw `<` inside an attribute
//! value is refused as SIPp 3.6's parser does (the XML specification forbids it; quick-xml
//! alone would let it through).

use std::ops::Range;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::error::Errors;

#[derive(Clone, Debug)]
pub struct Attr {
    pub name: String,
    pub value: String,
    /// The attribute's name in the file (the value's position is `value_span`).
    pub span: Range<usize>,
    pub value_span: Range<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct Element {
    pub name: String,
    /// The tag's name in the file.
    pub span: Range<usize>,
    pub attrs: Vec<Attr>,
    pub children: Vec<Element>,
    /// The text and CDATA inside the element, concatenated (entities decoded in text).
    pub text: String,
    /// Where the first CDATA section's content starts (message text positions).
    pub text_start: usize,
    pub has_cdata: bool,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

/// Deeper nesting is refused (a SIPp scenario nests four levels: scenario, recv, action,
/// ereg), so that no input can exhaust the stack when the tree is dropped.
const DEPTH_MAX: usize = 32;

/// The document element, or `None` with the problems recorded.
pub fn parse(text: &str, errors: &mut Errors) -> Option<Element> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.check_comments = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = (reader.error_position() as usize).min(text.len());
                errors.at(&(at..at + 1), "XML", format!("not well-formed XML: {e}"));
                return None;
            }
        };
        let end = (reader.buffer_position() as usize).min(text.len());
        match event {
            Event::Start(_) | Event::Empty(_) => {
                let empty = matches!(event, Event::Empty(_));
                let el = tag(text, start..end, empty, errors)?;
                if root.is_some() && stack.is_empty() {
                    errors.at(&el.span, "XML", "content after the document element");
                    return None;
                }
                if stack.len() >= DEPTH_MAX {
                    errors.at(&el.span, "XML", format!("elements nested deeper than {DEPTH_MAX}"));
                    return None;
                }
                if empty {
                    attach(&mut stack, &mut root, el);
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                if let Some(el) = stack.pop() {
                    attach(&mut stack, &mut root, el);
                }
            }
            Event::Text(_) | Event::GeneralRef(_) => {
                let raw = &text[start..end];
                match stack.last_mut() {
                    Some(el) => match quick_xml::escape::unescape(raw) {
                        Ok(t) => el.text.push_str(&t),
                        Err(e) => {
                            errors.at(&(start..end), "XML", format!("not well-formed XML: {e}"));
                            return None;
                        }
                    },
                    None if raw.trim().is_empty() => {}
                    None => {
                        errors.at(&(start..end), "XML", "text outside the document element");
                        return None;
                    }
                }
            }
            Event::CData(c) => {
                let Some(el) = stack.last_mut() else {
                    errors.at(&(start..end), "XML", "CDATA outside the document element");
                    return None;
                };
                if !el.has_cdata {
                    el.text_start = start + "<![CDATA[".len();
                    el.has_cdata = true;
                }
                el.text.push_str(&String::from_utf8_lossy(&c.into_inner()));
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.first() {
        errors.at(&open.span, "XML", format!("<{}> is never closed", open.name));
        return None;
    }
    if root.is_none() {
        errors.whole("no XML element: a SIPp scenario is a <scenario> element");
    }
    root
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

fn el_name_len(name: &str) -> usize {
    name.len().max(1)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Reads a start or empty tag `<name a="v" …>` at `span` of `text`.
fn tag(text: &str, span: Range<usize>, empty: bool, errors: &mut Errors) -> Option<Element> {
    let bytes = text.as_bytes();
    let mut i = span.start + 1;
    let stop = span.end.saturating_sub(if empty { 2 } else { 1 }).max(i);
    let name_start = i;
    while i < stop && !is_space(bytes[i]) {
        i += 1;
    }
    let mut el = Element { name: text[name_start..i].to_string(), span: name_start..i, ..Element::default() };
    loop {
        while i < stop && is_space(bytes[i]) {
            i += 1;
        }
        if i >= stop {
            return Some(el);
        }
        let a0 = i;
        while i < stop && bytes[i] != b'=' && !is_space(bytes[i]) {
            i += 1;
        }
        let name = text[a0..i].to_string();
        while i < stop && is_space(bytes[i]) {
            i += 1;
        }
        if i >= stop || bytes[i] != b'=' {
            errors.at(&(a0..i.max(a0 + 1)), "XML", format!("not well-formed XML: attribute {name} has no value"));
            return None;
        }
        i += 1;
        while i < stop && is_space(bytes[i]) {
            i += 1;
        }
        let quote = bytes.get(i).copied().filter(|q| *q == b'"' || *q == b'\'');
        let Some(quote) = quote.filter(|_| i < stop) else {
            errors.at(&(i..i + 1), "XML", format!("not well-formed XML: the value of {name} is not quoted"));
            return None;
        };
        let v0 = i + 1;
        let Some(len) = bytes[v0..stop].iter().position(|b| *b == quote) else {
            errors.at(&(i..i + 1), "XML", format!("not well-formed XML: the value of {name} is not closed"));
            return None;
        };
        let raw = &text[v0..v0 + len];
        if let Some(lt) = raw.find('<') {
            let at = v0 + lt;
            errors.at(
                &(at..at + 1),
                "XML",
                format!("not well-formed XML: a raw '<' in the value of attribute {name} (write &lt;)"),
            );
            return None;
        }
        let value = match quick_xml::escape::unescape(raw) {
            Ok(v) => v.into_owned(),
            Err(e) => {
                errors.at(&(v0..v0 + len.max(1)), "XML", format!("not well-formed XML: attribute {name}: {e}"));
                return None;
            }
        };
        if el.attrs.iter().any(|a| a.name == name) {
            errors.at(&(a0..a0 + name.len()), "XML", format!("not well-formed XML: attribute {name} given twice"));
            return None;
        }
        let span = a0..a0 + el_name_len(&name);
        el.attrs.push(Attr { name, value, span, value_span: v0..v0 + len });
        i = v0 + len + 1;
        if i < stop && !is_space(bytes[i]) {
            errors.at(&(i..i + 1), "XML", "not well-formed XML: attributes must be separated by white space");
            return None;
        }
    }
}
