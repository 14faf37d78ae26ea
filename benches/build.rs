//! Policy build time against the number of origins (issue #12 item 4).
//!
//! nginx builds every policy on each reload, so building must stay linear
//! (or n·log n) in the number of origins: the target is 100,000 exact
//! origins plus 10,000 patterns in under 200 ms. Each benchmark builds a
//! generated list (see `support/origin_gen.rs`) with credentials, which
//! adds the public-suffix check and the canary probe, and one without; the
//! smaller sizes show how the time scales. Run with
//! `cargo bench --bench build`; `-- --test` builds each list once.

use std::hint::black_box;
use std::time::Duration;

use corsgate::{Policy, PolicyBuilder};
use criterion::{BenchmarkId, Criterion, Throughput};

#[path = "support/origin_gen.rs"]
mod origin_gen;

fn builder(exact: usize, patterns: usize, credentials: bool) -> PolicyBuilder {
    Policy::builder()
        .origins(origin_gen::origins(exact, patterns))
        .methods(["GET", "POST", "PUT", "DELETE"])
        .request_headers(["content-type", "authorization", "x-request-id"])
        .credentials(credentials)
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(10)
        .nresamples(5_000)
        .configure_from_args();
    let mut group = c.benchmark_group("build");
    for (exact, patterns, credentials) in [
        (12_500, 1_250, true),
        (25_000, 2_500, true),
        (50_000, 5_000, true),
        (100_000, 10_000, true),
        (100_000, 10_000, false),
    ] {
        let b = builder(exact, patterns, credentials);
        // Outside the timed region: the list must build, and admit what it
        // lists.
        let policy = b.build().expect("the generated list builds");
        let probe = origin_gen::exact_origin(exact - 1, patterns);
        assert!(policy.origin_allowed(probe.as_bytes()), "{probe}");
        let name = if credentials { "credentials" } else { "plain" };
        group.throughput(Throughput::Elements((exact + patterns) as u64));
        group.bench_function(
            BenchmarkId::new(name, format!("{exact}+{patterns}")),
            |bench| bench.iter(|| black_box(&b).build().map(|p| p.credentials())),
        );
    }
    group.finish();
    c.final_summary();
}
