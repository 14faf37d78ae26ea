//! One module per subcommand. Each returns `Err(message)` for the user on
//! failure; `main` prints it and exits with status 2.

mod check;
mod completions;
mod eval;

use crate::args::Command;

/// Runs `command`.
pub fn run(command: &Command) -> Result<(), String> {
    match command {
        Command::Eval(args) => eval::run(args),
        Command::Check(args) => check::run(args),
        Command::Completions(args) => completions::run(args),
    }
}

/// Writes `bytes` to standard output.
fn print(bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write output: {e}"))
}
