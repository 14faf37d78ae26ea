//! corsgate against its peers, scenario by scenario, in one criterion run.
//!
//! Each scenario (see `support/corpus.rs`) is measured as
//!
//! * `corsgate/list`: `Policy::evaluate` on the header list, plus writing
//!   the response headers into a buffer;
//! * `corsgate/head`: `Policy::evaluate_head` on the raw head, plus writing
//!   (throughput in bytes of head);
//! * `tower-http/layer` and `tower-http/baseline`: the same request through
//!   tower-http's `CorsLayer` around a no-op service, and through the no-op
//!   service alone; the request is built outside the timed region;
//! * `httparse/origin`: the floor of a general parser, httparse parsing the
//!   head and finding the Origin header, nothing else.
//!
//! Before timing anything the bench checks every scenario's decision and
//! counts allocations per call; any allocation on a corsgate path fails the
//! run. Run with `cargo bench --bench cors`; `-- --test` runs each scenario
//! once.

use std::hint::black_box;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use corsgate::Policy;
use criterion::{BenchmarkGroup, Criterion, Throughput};

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/tower_peer.rs"]
mod tower_peer;

use corpus::{PolicyId, Scenario};
use corsgate_oracle::alloc;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// Response header bytes are written here; 1 KiB holds every answer.
const OUT_BYTES: usize = 1024;

/// The compiled corpus policies, built once.
struct Policies {
    single: Policy,
    exact1000: Policy,
    patterns: Policy,
    echo: Policy,
}

impl Policies {
    fn new() -> Self {
        Policies {
            single: corpus::policy(PolicyId::Single),
            exact1000: corpus::policy(PolicyId::Exact1000),
            patterns: corpus::policy(PolicyId::Exact1000Patterns100),
            echo: corpus::policy(PolicyId::Echo),
        }
    }

    fn get(&self, id: PolicyId) -> &Policy {
        match id {
            PolicyId::Single => &self.single,
            PolicyId::Exact1000 => &self.exact1000,
            PolicyId::Exact1000Patterns100 => &self.patterns,
            PolicyId::Echo => &self.echo,
        }
    }
}

/// Which scenarios get the httparse floor (it needs a head within its slots).
fn httparse_slots(s: &Scenario) -> Option<usize> {
    match s.name.as_str() {
        "preflight/chrome" | "actual/firefox-cookies" | "actual/denied" | "no-origin" => Some(64),
        "adversarial/64k-head" => Some(2048),
        _ => None,
    }
}

/// Finds the Origin value the way a host built on httparse would.
fn httparse_origin<'h>(head: &'h [u8], slots: &mut [httparse::Header<'h>]) -> Option<&'h [u8]> {
    let mut req = httparse::Request::new(slots);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    req.headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("origin"))
        .map(|h| h.value)
}

fn evaluate_list(policy: &Policy, method: &[u8], list: &[(&[u8], &[u8])], out: &mut [u8]) -> usize {
    let d = policy.evaluate(method, list);
    d.write_headers(out).unwrap_or(0)
}

fn evaluate_head(policy: &Policy, head: &[u8], out: &mut [u8]) -> usize {
    let d = policy.evaluate_head(head);
    d.write_headers(out).unwrap_or(0)
}

/// One line of the allocation report.
struct Allocs {
    scenario: String,
    head: f64,
    list: f64,
    tower: Option<f64>,
}

/// Checks each scenario's decision and counts allocations per call.
fn check_and_count(scenarios: &[Scenario], policies: &Policies) -> Vec<Allocs> {
    let mut out = [0u8; OUT_BYTES];
    let mut report = Vec::new();
    for s in scenarios {
        let policy = policies.get(s.policy);
        let (method, list) = s.header_list();
        let from_head = corpus::outcome(&policy.evaluate_head(&s.head));
        let from_list = corpus::outcome(&policy.evaluate(method, &list));
        assert_eq!(
            from_head, s.expect,
            "{}: raw head decided {from_head}",
            s.name
        );
        assert_eq!(
            from_list, s.expect_list,
            "{}: header list decided {from_list}",
            s.name
        );
        let head = alloc::per_call(100, || {
            black_box(evaluate_head(policy, black_box(&s.head), &mut out));
        });
        let list_allocs = alloc::per_call(100, || {
            black_box(evaluate_list(
                policy,
                black_box(method),
                black_box(&list),
                &mut out,
            ));
        });
        let tower = tower_peer::tower_origins(s).map(|origins| {
            let mut svc = tower_peer::layered(&origins);
            let mut total = 0.0;
            for _ in 0..10 {
                let req = tower_peer::request(method, &list);
                total += alloc::per_call(1, || {
                    black_box(tower_peer::call_once(&mut svc, req.clone()));
                });
            }
            // `req.clone()` above is charged to the call; subtract it.
            let req = tower_peer::request(method, &list);
            let clone = alloc::per_call(10, || drop(black_box(req.clone())));
            total / 10.0 - clone
        });
        report.push(Allocs {
            scenario: s.name.clone(),
            head,
            list: list_allocs,
            tower,
        });
    }
    report
}

/// Where criterion writes its results, by criterion's own rule.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    target.join("criterion")
}

/// Prints the allocation report, saves it beside criterion's results for
/// the chart script, and fails the run if corsgate allocated anywhere.
fn report_allocations(report: &[Allocs]) {
    let mut text = String::from("scenario\tcorsgate/head\tcorsgate/list\ttower-http/layer\n");
    for a in report {
        let tower = a.tower.map_or("-".to_string(), |t| format!("{t:.1}"));
        text.push_str(&format!(
            "{}\t{:.1}\t{:.1}\t{tower}\n",
            a.scenario, a.head, a.list
        ));
    }
    eprintln!("allocations per call:\n{text}");
    let dir = criterion_dir();
    let saved = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::File::create(dir.join("allocations.tsv")))
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = saved {
        eprintln!(
            "warning: could not save allocations.tsv in {}: {e}",
            dir.display()
        );
    }
    let offenders: Vec<&str> = report
        .iter()
        .filter(|a| a.head != 0.0 || a.list != 0.0)
        .map(|a| a.scenario.as_str())
        .collect();
    assert!(
        offenders.is_empty(),
        "corsgate allocated on the request path in: {offenders:?}"
    );
}

fn bench_scenario(c: &mut Criterion, s: &Scenario, policies: &Policies) {
    let policy = policies.get(s.policy);
    let (method, list) = s.header_list();
    let mut out = [0u8; OUT_BYTES];
    let mut group: BenchmarkGroup<'_, _> = c.benchmark_group(&s.name);

    // Functions without a byte throughput first: criterion cannot unset it.
    group.bench_function("corsgate/list", |b| {
        b.iter(|| evaluate_list(policy, black_box(method), black_box(&list), &mut out));
        black_box(&out);
    });
    if let Some(origins) = tower_peer::tower_origins(s) {
        let mut layered = tower_peer::layered(&origins);
        let mut bare = tower_peer::NoOp;
        tower_peer::bench_service(&mut group, "tower-http/layer", &mut layered, method, &list);
        tower_peer::bench_service(&mut group, "tower-http/baseline", &mut bare, method, &list);
    }

    group.throughput(Throughput::Bytes(s.head.len() as u64));
    group.bench_function("corsgate/head", |b| {
        b.iter(|| evaluate_head(policy, black_box(&s.head), &mut out));
        black_box(&out);
    });
    if let Some(n) = httparse_slots(s) {
        let mut slots = vec![httparse::EMPTY_HEADER; n];
        assert!(httparse_origin(&s.head, &mut slots).is_some() || s.name == "no-origin");
        group.bench_function("httparse/origin", |b| {
            b.iter(|| httparse_origin(black_box(&s.head), &mut slots).map(<[u8]>::len));
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        // Without rayon (kept out to keep CI builds small) criterion's
        // default 100,000 bootstrap resamples take ~20 s per benchmark here.
        .nresamples(5_000)
        .configure_from_args();
    let scenarios = corpus::scenarios();
    let policies = Policies::new();
    report_allocations(&check_and_count(&scenarios, &policies));
    for s in &scenarios {
        bench_scenario(&mut c, s, &policies);
    }
    c.final_summary();
}
