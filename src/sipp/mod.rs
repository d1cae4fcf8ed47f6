//! SIPp XML scenarios: an unmodified SIPp scenario file compiled into a UE script (data the
//! model runs). `xml` reads the document with positions, `compile` applies SIPp's loader
//! rules element by element, `attrs` reads typed attributes, `keywords` splits message text
//! into literal pieces and `[keywords]`, `actions` compiles `<action>` children, `script`
//! is the compiled form and `error` collects every problem with file:line:column.
//!
//! Bad input never panics: every problem is reported at once, each naming the construct and
//! what is supported instead.

pub mod actions;
pub mod attrs;
pub mod compile;
pub mod error;
pub mod eval;
pub mod identity;
pub mod keywords;
pub mod plan;
pub mod response;
pub mod script;
pub mod steps;
pub mod xml;

use std::path::Path;

pub use error::SippErrors;
pub use script::Script;

use crate::scenario::diag::Source;

/// The text of a scenario file: UTF-8, or ISO-8859-1 (what SIPp's own scenarios declare)
/// when it is not valid UTF-8. A byte-order mark is dropped.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// Compiles the scenario `bytes` read from `file`; `keys` are the `-key` names the load
/// source declares (they become `[NAME]` keywords).
pub fn compile(file: &str, bytes: &[u8], keys: &[String]) -> Result<Script, SippErrors> {
    let source = Source::new(file, decode(bytes));
    let mut ctx = compile::Ctx::new(&source, keys);
    let Some(root) = xml::parse(&source.text, &mut ctx.errors) else {
        return Err(ctx.errors.finish());
    };
    let mut script = compile::compile(&root, &mut ctx);
    if !ctx.errors.is_empty() {
        return Err(ctx.errors.finish());
    }
    script.variables = ctx.variables;
    script.rtds = ctx.rtds;
    script.ignored = ctx.ignored;
    script.fields_used = ctx.fields_used;
    script.keys_used = ctx.keys_used.into_iter().collect();
    Ok(script)
}

/// Reads and compiles a scenario file.
pub fn load(path: &Path, keys: &[String]) -> Result<Script, SippErrors> {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => compile(&name, &bytes, keys),
        Err(e) => Err(SippErrors(vec![Source::new(name, "").whole_file(format!("cannot read the file: {e}"))])),
    }
}

/// Checks text a SIPp message takes in at run time (an injection-file field such as
/// `[authentication username=… password=…]`): every keyword in it must be one `compile`
/// accepts. The problems, without positions (the caller names the field).
pub fn check_injected(text: &str, keys: &[String]) -> Vec<String> {
    if !text.contains('[') {
        return Vec::new();
    }
    let source = Source::new("field", text);
    let mut ctx = compile::Ctx::new(&source, keys);
    keywords::parse(text, 0, "field", &mut ctx);
    ctx.errors.finish().0.into_iter().map(|d| d.message).collect()
}
