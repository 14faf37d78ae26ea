//! `--format text`: aligned lines for people, then the headers as they
//! would be sent.

use std::fmt::Write;

use corsgate::Decision;

/// Renders `decision` as text.
pub fn render(d: &Decision<'_>) -> String {
    let status = match d.status() {
        0 => "- (the application answers)".to_string(),
        code => code.to_string(),
    };
    let mut s = format!(
        "kind:    {}\nallowed: {}\nreason:  {}\nstatus:  {status}\n",
        d.kind(),
        if d.allowed() { "yes" } else { "no" },
        d.reason(),
    );
    if !d.headers().is_empty() {
        s.push('\n');
    }
    for h in d.headers() {
        // Writing into a String cannot fail.
        let _ = writeln!(s, "{}: {}", h.name, h.value_str());
    }
    s
}
