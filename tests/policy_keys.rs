//! The policy keys drift nowhere.
//!
//! `corsgate::POLICY_KEYS` (defined next to `PolicyBuilder`) is the one list
//! of the policy's keys. Every host spells them again in its own idiom: the C
//! header's builder setters, nginx's directives, Python's keywords, Go's
//! `Config` fields, the README's table, the test oracle's TOML reader and
//! the policy fuzzer's dictionary.
//! This test reads each of those from the source file that declares it and
//! checks it against the builder's list, both ways, so that a key added in
//! one place and forgotten in another fails CI.
//!
//! HAProxy has no list of its own: it only loads policy files, which the
//! engine's TOML reader parses (checked by `every_key_is_a_toml_key` below).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use corsgate::{Policy, POLICY_KEYS};

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The keys that take a list of values (the C builder has an `add_` call per
/// value for them, a `set_` call for every other key).
const LIST_KEYS: [&str; 4] = ["origins", "methods", "request_headers", "expose_headers"];

/// Every string between `open` and the next `close`, in order of appearance.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else { break };
        found.push(&after[..end]);
        rest = &after[end..];
    }
    found
}

fn builder_keys() -> Vec<&'static str> {
    POLICY_KEYS.to_vec()
}

fn assert_same_keys(host: &str, declared: &[&str]) {
    let expected = builder_keys();
    let missing: Vec<_> = expected.iter().filter(|k| !declared.contains(k)).collect();
    let unknown: Vec<_> = declared.iter().filter(|k| !expected.contains(k)).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{host}: keys missing {missing:?}, keys the builder does not have {unknown:?}"
    );
    assert_eq!(
        declared,
        expected.as_slice(),
        "{host}: same keys, other order"
    );
}

/// The C setter a key must have: `add_<singular>` for list keys, `set_<key>`
/// for the others.
fn c_setter(key: &str) -> String {
    if LIST_KEYS.contains(&key) {
        format!("corsgate_builder_add_{}", key.trim_end_matches('s'))
    } else {
        format!("corsgate_builder_set_{key}")
    }
}

#[test]
fn every_key_is_a_toml_key() {
    // A value of the wrong type for a known key is a type error naming that
    // key; an unknown key would be reported as unknown instead.
    for key in POLICY_KEYS {
        let text = format!("origins = [\"https://a.example\"]\n{key} = {{}}\n");
        let text = if key == "origins" {
            "origins = {}\n".to_string()
        } else {
            text
        };
        let errors = Policy::from_toml(&text).expect_err(key);
        let unknown = errors
            .errors()
            .iter()
            .any(|e| e.kind() == corsgate::ErrorKind::UnknownKey);
        assert!(
            !unknown,
            "{key}: the TOML reader does not know it: {errors}"
        );
        assert!(
            errors.errors().iter().any(|e| e.value() == key),
            "{key}: no error names the key: {errors}"
        );
    }
}

#[test]
fn c_header_has_a_setter_for_every_key_and_no_other() {
    let header = read("include/corsgate.h");
    let mut declared = BTreeSet::new();
    for name in between(&header, "corsgate_result corsgate_builder_", "(") {
        if name.starts_with("add_") || name.starts_with("set_") {
            declared.insert(format!("corsgate_builder_{name}"));
        }
    }
    let expected: BTreeSet<String> = POLICY_KEYS.iter().map(|k| c_setter(k)).collect();
    assert_eq!(declared, expected, "include/corsgate.h builder setters");
}

/// How each key is spelled in nginx. `None`: the key exists only in the
/// policy file (`cors_policy`), with the reason the nginx README gives.
fn nginx_directive(key: &str) -> Option<&'static str> {
    match key {
        "origins" => Some("cors_allow_origins"),
        "methods" => Some("cors_allow_methods"),
        "request_headers" => Some("cors_allow_headers"),
        "expose_headers" => Some("cors_expose_headers"),
        "credentials" => Some("cors_allow_credentials"),
        "max_age" => Some("cors_max_age"),
        "private_network" => Some("cors_allow_private_network"),
        "preflight_status" => Some("cors_preflight_status"),
        "denied_preflight" => Some("cors_denied_preflight"),
        "mode" => Some("cors_mode"),
        // The dangerous opt-ins are kept out of nginx.conf on purpose: they
        // belong in a reviewed policy file (bindings/nginx/README.md).
        "dangerously_allow_insecure_origins"
        | "dangerously_allow_public_suffix_subdomains"
        | "dangerously_allow_null_origin" => None,
        other => panic!(
            "policy key {other:?} has no nginx spelling: add its directive to \
             bindings/nginx/ngx_http_cors_conf.c and to this table (or say why it is \
             file-only)"
        ),
    }
}

#[test]
fn nginx_has_a_directive_for_every_inline_key_and_no_other() {
    let conf = read("bindings/nginx/ngx_http_cors_conf.c");
    let declared: BTreeSet<&str> = between(&conf, "ngx_string(\"", "\")")
        .into_iter()
        .filter(|d| d.starts_with("cors_"))
        .collect();
    // The one directive that is not a policy key: the file (`cors on|off`
    // has no underscore).
    let not_keys = ["cors_policy"];
    let expected: BTreeSet<&str> = POLICY_KEYS
        .iter()
        .filter_map(|k| nginx_directive(k))
        .chain(not_keys)
        .collect();
    assert_eq!(declared, expected, "nginx directives");
    let readme = read("bindings/nginx/README.md");
    for key in POLICY_KEYS.iter().filter(|k| nginx_directive(k).is_none()) {
        assert!(
            key.starts_with("dangerously_")
                && readme.contains("`dangerously_*` opt-ins exist only in the policy file"),
            "{key}: file-only in nginx, and bindings/nginx/README.md must say so"
        );
    }
}

#[test]
fn python_keywords_are_the_builder_keys() {
    let build = read("bindings/python/src/corsgate/_build.py");
    let keys_block = between(&build, "_KEYS = (", "\n)\n");
    let block = keys_block.first().expect("_KEYS tuple in _build.py");
    let names: Vec<&str> = between(block, "_Key(", ",")
        .into_iter()
        .map(|n| n.trim().trim_matches('"'))
        .collect();
    assert_same_keys("Python (_build.py _KEYS)", &names);
    // And each keyword calls the C setter of the same key.
    for key in POLICY_KEYS {
        let setter = c_setter(key);
        assert!(
            block.contains(&format!("\"{setter}\"")),
            "Python keyword {key:?} does not call {setter}"
        );
    }
}

#[test]
fn go_config_fields_are_the_builder_keys() {
    let policy = read("bindings/go/policy.go");
    let config = between(&policy, "type Config struct {", "\n}\n");
    let config = config.first().expect("type Config struct in policy.go");
    let tags = between(config, "`toml:\"", "\"`");
    assert_same_keys("Go (corsgate.Config toml tags)", &tags);
}

#[test]
fn readme_table_documents_every_key() {
    let readme = read("README.md");
    let table = between(&readme, "| key | type | default | meaning |\n", "\n\n");
    let table = table.first().expect("the policy keys table in README.md");
    let keys: Vec<&str> = table
        .lines()
        .filter_map(|row| row.strip_prefix("| `"))
        .filter_map(|row| row.split('`').next())
        .collect();
    assert_same_keys("README.md policy table", &keys);
}

#[test]
fn oracle_reads_every_key() {
    let config = read("oracle/src/config.rs");
    let arms: Vec<&str> = between(&config, "\n                \"", "\" =>")
        .into_iter()
        .filter(|k| !k.contains(char::is_whitespace))
        .collect();
    assert_same_keys("oracle/src/config.rs TOML reader", &arms);
}

#[test]
fn fuzz_dictionary_knows_every_key() {
    let dict = read("fuzz/dict/policy_toml.dict");
    for key in POLICY_KEYS {
        assert!(
            dict.lines().any(|line| line == format!("\"{key}\"")),
            "fuzz/dict/policy_toml.dict lacks the policy key {key:?}"
        );
    }
}
