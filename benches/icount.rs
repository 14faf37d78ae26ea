//! A plain driver for instruction counts: evaluates one corpus scenario N
//! times, so `valgrind --tool=cachegrind` can count instructions per
//! evaluation by differencing two runs (start-up and policy compilation
//! cancel out). `scripts/bench/icount.sh` runs it.
//!
//! Usage: `icount SCENARIO FORM N` with FORM `head` or `list`;
//! `icount --list` prints the scenario names. Run with no scenario (as
//! `cargo bench` does) it evaluates every scenario once as a smoke test.

use std::hint::black_box;
use std::process::ExitCode;

use corsgate::Policy;

#[path = "support/corpus.rs"]
mod corpus;

fn run(policy: &Policy, s: &corpus::Scenario, form: &str, n: u64) -> Result<(), String> {
    let (method, list) = s.header_list();
    // Count only the path the scenario is meant to take.
    let (got, want) = match form {
        "head" => (corpus::outcome(&policy.evaluate_head(&s.head)), s.expect),
        _ => (
            corpus::outcome(&policy.evaluate(method, &list)),
            s.expect_list,
        ),
    };
    if got != want {
        return Err(format!(
            "{} ({form}): decided {got}, expected {want}",
            s.name
        ));
    }
    let mut out = [0u8; 1024];
    let mut written = 0usize;
    for _ in 0..n {
        let d = match form {
            "head" => policy.evaluate_head(black_box(&s.head)),
            "list" => policy.evaluate(black_box(method), black_box(&list)),
            other => return Err(format!("unknown form {other:?} (head or list)")),
        };
        written = written.wrapping_add(d.write_headers(&mut out).unwrap_or(0));
        black_box(&out);
    }
    black_box(written);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let scenarios = corpus::scenarios();
    match args.as_slice() {
        [flag] if flag == "--list" => {
            for s in &scenarios {
                println!("{}", s.name);
            }
            ExitCode::SUCCESS
        }
        [name, form, n] => {
            let Some(s) = scenarios.iter().find(|s| s.name == *name) else {
                eprintln!("unknown scenario {name:?}; see --list");
                return ExitCode::FAILURE;
            };
            let Ok(n) = n.parse::<u64>() else {
                eprintln!("N must be a count, got {n:?}");
                return ExitCode::FAILURE;
            };
            let policy = corpus::policy(s.policy);
            match run(&policy, s, form, n) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            }
        }
        [] => {
            for s in &scenarios {
                let policy = corpus::policy(s.policy);
                for form in ["head", "list"] {
                    if let Err(e) = run(&policy, s, form, 1) {
                        eprintln!("{e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            println!(
                "icount: {} scenarios evaluated once in each form",
                scenarios.len()
            );
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: icount SCENARIO head|list N | icount --list");
            ExitCode::FAILURE
        }
    }
}
