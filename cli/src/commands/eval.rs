//! `corsgate eval`: one request head, one decision.

use corsgate::Reason;

use crate::args::EvalArgs;
use crate::input::{load_policy, read_request};
use crate::output;

pub fn run(args: &EvalArgs) -> Result<(), String> {
    let policy = load_policy(&args.policy.policy)?;
    let head = read_request(args.request.path())?;
    let decision = policy.evaluate_head(&head);
    // A head the engine cannot frame is the user's input error, not a
    // decision to print.
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
    super::print(output::render(&decision, args.format)?.as_bytes())
}
