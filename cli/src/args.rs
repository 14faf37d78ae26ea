//! The command-line grammar, declared with clap's derive API.
//!
//! Everything a user can type is described here and nowhere else: help,
//! `--version`, suggestions for misspellings and the shell completions are
//! all derived from these types. Options that several subcommands share
//! (the policy file, the request head, the output format) are separate
//! `Args` structs flattened into each subcommand, so that `explain` and
//! `replay` can reuse them with the same spelling and help text.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

/// Evaluate HTTP request heads against a corsgate CORS policy, or check a policy.
///
/// Exit status: 0 on success (for `eval`, whatever the decision), 2 on any
/// error: unreadable file, invalid policy, malformed request head, bad
/// arguments.
#[derive(Debug, Parser)]
#[command(name = "corsgate", version, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate one raw HTTP/1.x request head and print the decision.
    ///
    /// Prints the kind of request, whether it is allowed, the reason code,
    /// the status the engine proposes and the CORS response headers. The exit
    /// status is 0 whatever the decision; a head that cannot be parsed is an
    /// error (exit status 2).
    Eval(EvalArgs),
    /// Validate a policy file and explain every error.
    Check(CheckArgs),
    /// Print a shell completion script to standard output.
    ///
    /// For example, with bash: `corsgate completions bash >
    /// ~/.local/share/bash-completion/completions/corsgate`.
    Completions(CompletionsArgs),
}

/// The policy file, required by every subcommand that evaluates or checks.
#[derive(Debug, Args)]
pub struct PolicyArg {
    /// The policy file (TOML).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
}

/// Where the request head comes from.
#[derive(Debug, Args)]
pub struct RequestArg {
    /// The raw request head, or `-` for standard input (also the default).
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub request: PathBuf,
}

impl RequestArg {
    /// The file to read, or `None` for standard input.
    pub fn path(&self) -> Option<&Path> {
        (self.request.as_os_str() != "-").then_some(self.request.as_path())
    }
}

/// How a decision is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned `name: value` lines for people.
    Text,
    /// One JSON object on one line, for other tools (schema in the README).
    Json,
}

/// `corsgate eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub policy: PolicyArg,
    #[command(flatten)]
    pub request: RequestArg,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `corsgate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub policy: PolicyArg,
}

/// `corsgate completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// clap's own consistency checks (conflicting names, bad defaults...),
    /// which otherwise only fire when the faulty path is parsed.
    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}
