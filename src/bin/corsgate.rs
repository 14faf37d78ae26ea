//! `corsgate`: evaluate a request head against a policy, or check a policy.

use std::io::{Read, Write};
use std::process::ExitCode;

use corsgate::{Decision, Policy, Reason};

const USAGE: &str = "\
usage:
  corsgate eval --policy FILE [--request FILE|-] [--format text|json]
  corsgate check --policy FILE

eval    evaluates one raw HTTP/1.x request head (from FILE, or standard input
        when --request is - or absent) and prints the decision, the reason and
        the CORS response headers.
check   validates a policy file and explains every error.

exit status: 0 on success (for eval, whatever the decision), 2 on any error:
unreadable file, invalid policy, malformed request head, bad arguments.";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

struct Args {
    command: String,
    policy: Option<String>,
    request: Option<String>,
    format: Format,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let command = it.next().ok_or("missing command")?;
    let mut args = Args {
        command,
        policy: None,
        request: None,
        format: Format::Text,
    };
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--policy" => args.policy = Some(value("--policy")?),
            "--request" => args.request = Some(value("--request")?),
            "--format" => {
                args.format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => return Err(format!("unknown format {other:?}: use text or json")),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1).peekable();
    match argv.peek().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return if argv.peek().is_none() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
        Some("-V" | "--version") => {
            println!("corsgate {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let result = parse_args(argv).and_then(|args| match args.command.as_str() {
        "eval" => eval(&args),
        "check" => check(&args),
        other => Err(format!("unknown command {other:?}")),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("corsgate: {msg}");
            if msg.starts_with("unknown")
                || msg.contains("needs a value")
                || msg.contains("--policy is required")
            {
                eprintln!("{USAGE}");
            }
            ExitCode::from(2)
        }
    }
}

fn load_policy(args: &Args) -> Result<Policy, String> {
    let path = args.policy.as_deref().ok_or("--policy is required")?;
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read policy {path}: {e}"))?;
    Policy::from_toml(&text).map_err(|errors| format!("{path}: {errors}"))
}

fn check(args: &Args) -> Result<(), String> {
    let policy = load_policy(args)?;
    let s = policy.settings();
    let path = args.policy.as_deref().unwrap_or("");
    println!(
        "{path}: valid policy ({} origin pattern{}, credentials {}, mode {})",
        s.origins_list().len(),
        if s.origins_list().len() == 1 { "" } else { "s" },
        if policy.credentials() { "on" } else { "off" },
        if policy.report_only() {
            "report-only"
        } else {
            "enforce"
        },
    );
    Ok(())
}

fn eval(args: &Args) -> Result<(), String> {
    let policy = load_policy(args)?;
    let head = read_request(args.request.as_deref())?;
    let decision = policy.evaluate_head(&head);
    match decision.reason() {
        Reason::MalformedRequest => {
            return Err(
                "malformed request head: expected an HTTP/1.x request line, header lines without obs-fold, \
                 control bytes or whitespace before the colon, and a terminating empty line"
                    .into(),
            )
        }
        Reason::RequestTooLarge => {
            return Err(format!(
                "request head larger than {} bytes (or missing its terminating empty line)",
                corsgate::MAX_HEAD_BYTES
            ))
        }
        _ => {}
    }
    let out = match args.format {
        Format::Text => render_text(&decision),
        Format::Json => render_json(&decision),
    };
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| format!("cannot write output: {e}"))
}

fn read_request(path: Option<&str>) -> Result<Vec<u8>, String> {
    match path {
        None | Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("cannot read request from standard input: {e}"))?;
            Ok(buf)
        }
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read request {p}: {e}")),
    }
}

fn render_text(d: &Decision<'_>) -> String {
    let mut s = format!(
        "kind:    {}\nallowed: {}\nreason:  {}\nstatus:  {}\n",
        d.kind(),
        if d.allowed() { "yes" } else { "no" },
        d.reason(),
        if d.status() == 0 {
            "- (the application answers)".to_string()
        } else {
            d.status().to_string()
        },
    );
    if !d.headers().is_empty() {
        s.push('\n');
    }
    for h in d.headers() {
        s.push_str(&format!("{}: {}\n", h.name, h.value_str()));
    }
    s
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn render_json(d: &Decision<'_>) -> String {
    let mut s = String::from("{\"kind\": ");
    json_string(&mut s, d.kind().as_str());
    s.push_str(&format!(", \"allowed\": {}, \"reason\": ", d.allowed()));
    json_string(&mut s, d.reason().as_str());
    s.push_str(&format!(", \"status\": {}, \"headers\": [", d.status()));
    for (i, h) in d.headers().iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('[');
        json_string(&mut s, h.name);
        s.push_str(", ");
        json_string(&mut s, h.value_str());
        s.push(']');
    }
    s.push_str("]}\n");
    s
}
