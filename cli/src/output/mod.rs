//! How a decision is printed: one module per `--format`.

pub mod json;
pub mod text;

use corsgate::Decision;

use crate::args::Format;

/// Renders `decision` in `format`, ending with a newline.
pub fn render(decision: &Decision<'_>, format: Format) -> Result<String, String> {
    match format {
        Format::Text => Ok(text::render(decision)),
        Format::Json => json::render(decision),
    }
}
