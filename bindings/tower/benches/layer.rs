//! corsgate-tower's `CorsLayer` against tower-http's, on the same service
//! and the same requests as the core's bench (`benches/cors.rs`, whose
//! corpus and tower-http peer this bench shares).
//!
//! For every scenario tower-http can express (exact origins; it has no
//! wildcard patterns), the group `tower/<scenario>` times
//!
//! * `corsgate-tower`: the request through corsgate-tower's `Cors` around a
//!   no-op service;
//! * `corsgate-tower/no-extension`: the same, built with
//!   `decision_extension(false)` (what the request extension costs);
//! * `tower-http`: the same request through tower-http's `CorsLayer`
//!   configured the same way;
//! * `baseline`: the no-op service alone, to be subtracted from both (the
//!   request is built outside the timed region, but dropping it is inside).
//!
//! Before timing, each scenario's response is checked against the engine's
//! decision, and allocations per call are counted for all three; the counts
//! are printed and saved as `tower-allocations.tsv` beside criterion's
//! results, where `benches/table.py` joins them with the timings into the
//! BENCHMARKS.md table. `-- --test` runs each benchmark once (CI).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use corsgate_tower::CorsLayer;
use criterion::Criterion;
use tower::Layer;

#[allow(dead_code)] // the core's benches use the rest
#[path = "../../../benches/support/corpus.rs"]
mod corpus;
#[path = "../../../benches/support/tower_peer.rs"]
mod tower_peer;

use corpus::Scenario;
use corsgate_oracle::alloc;
use tower_peer::NoOp;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// Allocations per call through `svc`, each counted on a request built
/// fresh, as the timed loop gets them: a request's values are only shared
/// (and their clones free) once something has cloned them, so counting on
/// clones of one request would hide the allocations echoing them costs.
fn allocations<S>(svc: &mut S, method: &[u8], list: &[(&[u8], &[u8])]) -> f64
where
    S: tower::Service<
        http::Request<()>,
        Response = http::Response<()>,
        Error = std::convert::Infallible,
    >,
{
    const CALLS: u32 = 10;
    // One uncounted call, so that lazily initialised state is not charged.
    black_box(tower_peer::call_once(
        svc,
        tower_peer::request(method, list),
    ));
    let mut total = 0;
    for _ in 0..CALLS {
        let req = tower_peer::request(method, list);
        let (response, n) = alloc::count(|| tower_peer::call_once(svc, black_box(req)));
        drop(black_box(response));
        total += n;
    }
    total as f64 / f64::from(CALLS)
}

/// The layer must answer as the engine decides: same status for a
/// preflight it answers, same CORS headers.
fn check(s: &Scenario, layer: &CorsLayer) {
    let (method, list) = s.header_list();
    let d = layer.policy().evaluate(method, &list);
    let mut svc = layer.layer(NoOp);
    let res = tower_peer::call_once(&mut svc, tower_peer::request(method, &list));
    let want_status = if d.status() == 0 { 200 } else { d.status() };
    assert_eq!(res.status().as_u16(), want_status, "{}: status", s.name);
    let got: Vec<(String, Vec<u8>)> = res
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let want: Vec<(String, Vec<u8>)> = d
        .headers()
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
        .collect();
    assert_eq!(got, want, "{}: headers", s.name);
}

fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    // Cargo runs benches from the package directory; the workspace's
    // target directory is two levels up unless CARGO_TARGET_DIR says.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("criterion")
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .nresamples(5_000)
        .configure_from_args();
    let scenarios: Vec<(Scenario, Vec<String>)> = corpus::scenarios()
        .into_iter()
        .filter_map(|s| tower_peer::tower_origins(&s).map(|o| (s, o)))
        .collect();
    assert!(!scenarios.is_empty(), "no scenario tower-http can express");

    let mut report = String::from("scenario\tcorsgate-tower\ttower-http\tbaseline\tno-extension\n");
    let mut layers = Vec::new();
    for (s, origins) in &scenarios {
        let layer = CorsLayer::new(corpus::policy(s.policy));
        check(s, &layer);
        let (method, list) = s.header_list();
        let ours = allocations(&mut layer.layer(NoOp), method, &list);
        let theirs = allocations(&mut tower_peer::layered(origins), method, &list);
        let base = allocations(&mut NoOp, method, &list);
        let bare = allocations(
            &mut layer.clone().decision_extension(false).layer(NoOp),
            method,
            &list,
        );
        report.push_str(&format!(
            "{}\t{ours:.1}\t{theirs:.1}\t{base:.1}\t{bare:.1}\n",
            s.name
        ));
        assert!(
            ours < theirs,
            "{}: corsgate-tower allocates {ours} times, tower-http {theirs}",
            s.name
        );
        layers.push(layer);
    }
    eprintln!("allocations per call:\n{report}");
    let dir = criterion_dir();
    if let Err(e) = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("tower-allocations.tsv"), &report))
    {
        eprintln!("warning: could not save tower-allocations.tsv: {e}");
    }

    for ((s, origins), layer) in scenarios.iter().zip(&layers) {
        let (method, list) = s.header_list();
        let mut ours = layer.layer(NoOp);
        let mut ours_bare = layer.clone().decision_extension(false).layer(NoOp);
        let mut theirs = tower_peer::layered(origins);
        let mut bare = NoOp;
        let mut group = c.benchmark_group(format!("tower/{}", s.name));
        tower_peer::bench_service(&mut group, "corsgate-tower", &mut ours, method, &list);
        tower_peer::bench_service(
            &mut group,
            "corsgate-tower/no-extension",
            &mut ours_bare,
            method,
            &list,
        );
        tower_peer::bench_service(&mut group, "tower-http", &mut theirs, method, &list);
        tower_peer::bench_service(&mut group, "baseline", &mut bare, method, &list);
        group.finish();
    }
    c.final_summary();
}
