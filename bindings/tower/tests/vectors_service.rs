//! The conformance vectors of `tests/vectors/`, replayed directly through
//! the `Cors` service around an inner service that records what it saw.

mod support;

use std::collections::BTreeMap;

use corsgate_oracle::vectors;
use corsgate_tower::CorsLayer;
use tower::{Layer, ServiceExt};

#[test]
fn vectors_through_the_service() {
    let policies: BTreeMap<String, CorsLayer> = vectors::load_policies()
        .into_iter()
        .map(|(name, p)| (name, CorsLayer::new(p)))
        .collect();
    let cases = vectors::load_cases();
    let (replayable, skipped) = support::http_cases(&cases);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");

    let mut failures = Vec::new();
    for c in &replayable {
        let layer = &policies[&c.case.policy];
        let svc = layer.layer(support::Inner);
        let res = rt
            .block_on(svc.oneshot(c.request()))
            .unwrap_or_else(|never| match never {});
        let headers: Vec<(String, String)> = res
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if let Some(p) = support::check(&c.case.expect, res.status().as_u16(), &headers) {
            failures.push(format!("{}: {}: {p}", c.case.file, c.case.name));
        }
    }
    eprintln!(
        "replayed {} of {} vector cases through the service; skipped {skipped:?}",
        replayable.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        replayable.len() >= support::MIN_REPLAYED,
        "only {} cases replayed",
        replayable.len()
    );
}

#[test]
fn the_decision_extension_can_be_turned_off() {
    let layer = CorsLayer::from_toml(r#"origins = ["https://app.example.com"]"#)
        .expect("valid policy")
        .decision_extension(false);
    let req = http::Request::builder()
        .header("origin", "https://app.example.com")
        .body(String::new())
        .expect("valid parts");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let res = rt
        .block_on(layer.layer(support::Inner).oneshot(req))
        .unwrap_or_else(|never| match never {});
    assert_eq!(res.headers()[support::X_CORS], "none");
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
}
