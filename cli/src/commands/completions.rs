//! `corsgate completions SHELL`: a completion script generated from the
//! same clap definitions that parse the arguments, so it cannot drift.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};

pub fn run(args: &CompletionsArgs) -> Result<(), String> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    // Generated into memory first: clap_complete panics on a failed write,
    // and a closed pipe should be an ordinary error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, name, &mut script);
    super::print(&script)
}
