//! `--format json`: the decision as one JSON object on one line, written by
//! serde_json.
//!
//! The schema (documented field by field in the README's command-line
//! section) is [`DecisionJson`]; other tools parse it, so fields are only
//! ever added, never renamed or retyped.

use std::io;

use corsgate::Decision;
use serde::Serialize;
use serde_json::ser::Formatter;

/// One evaluated request, as `eval --format json` prints it.
#[derive(Debug, Serialize)]
pub struct DecisionJson<'a> {
    /// `not_cors`, `preflight` or `actual`.
    pub kind: &'static str,
    /// Whether the request is allowed (`false` for `not_cors`).
    pub allowed: bool,
    /// The stable reason code, such as `ok` or `origin_not_allowed`.
    pub reason: &'static str,
    /// The status the engine proposes, or 0 when the application answers.
    pub status: u16,
    /// The CORS response headers in the order they are sent, each a
    /// `[name, value]` pair.
    pub headers: Vec<(&'static str, &'a str)>,
}

impl<'a> From<&Decision<'a>> for DecisionJson<'a> {
    fn from(d: &Decision<'a>) -> Self {
        DecisionJson {
            kind: d.kind().as_str(),
            allowed: d.allowed(),
            reason: d.reason().as_str(),
            status: d.status(),
            headers: d
                .headers()
                .iter()
                .map(|h| (h.name, h.value_str()))
                .collect(),
        }
    }
}

/// Renders `decision` as JSON followed by a newline.
pub fn render(decision: &Decision<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Spaced);
    DecisionJson::from(decision)
        .serialize(&mut ser)
        .map_err(|e| format!("cannot serialise the decision: {e}"))?;
    out.push(b'\n');
    String::from_utf8(out).map_err(|e| format!("cannot serialise the decision: {e}"))
}

/// serde_json's compact layout with a space after every `,` and `:`: still
/// one line per decision (so `jq`, `grep` and line-oriented logs keep
/// working), and the layout corsgate has always printed.
struct Spaced;

impl Formatter for Spaced {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// `, ` before every array element and object member but the first.
fn separator<W: ?Sized + io::Write>(writer: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}
