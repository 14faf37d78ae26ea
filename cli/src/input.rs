//! Reading what the commands work on: the policy file and the request head.
//!
//! Errors are returned as finished messages for the user; every command
//! reports them the same way (see `main`).

use std::io::Read;
use std::path::Path;

use corsgate::Policy;

/// Reads and compiles the policy at `path`. An invalid policy yields every
/// error the compiler found, each with its kind and a hint.
pub fn load_policy(path: &Path) -> Result<Policy, String> {
    let shown = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read policy {shown}: {e}"))?;
    Policy::from_toml(&text).map_err(|errors| format!("{shown}: {errors}"))
}

/// Reads a raw request head from `path`, or from standard input when `path`
/// is `None`.
pub fn read_request(path: Option<&Path>) -> Result<Vec<u8>, String> {
    match path {
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("cannot read request from standard input: {e}"))?;
            Ok(buf)
        }
        Some(p) => {
            std::fs::read(p).map_err(|e| format!("cannot read request {}: {e}", p.display()))
        }
    }
}
