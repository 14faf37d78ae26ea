//! `corsgate check`: compile a policy, summarise it or explain every error.

use crate::args::CheckArgs;
use crate::input::load_policy;

pub fn run(args: &CheckArgs) -> Result<(), String> {
    let path = &args.policy.policy;
    let policy = load_policy(path)?;
    let origins = policy.settings().origins_list().len();
    let summary = format!(
        "{}: valid policy ({origins} origin pattern{}, credentials {}, mode {})\n",
        path.display(),
        if origins == 1 { "" } else { "s" },
        if policy.credentials() { "on" } else { "off" },
        if policy.report_only() {
            "report-only"
        } else {
            "enforce"
        },
    );
    super::print(summary.as_bytes())
}
