//! `corsgate`: evaluate a request head against a policy, check a policy,
//! print shell completions.
//!
//! Exit status: 0 on success (for `eval`, whatever the decision); 2 on any
//! error, whether clap rejects the arguments or a command fails (unreadable
//! file, invalid policy, malformed request head). `--help` and `--version`
//! exit 0.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod input;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // On bad arguments clap prints its error (with a suggestion when one is
    // close) and exits 2; after --help or --version it exits 0.
    let cli = args::Cli::parse();
    match commands::run(&cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("corsgate: {msg}");
            ExitCode::from(2)
        }
    }
}
