//! The `corsgate` command line, run as a user would run it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> String {
    root()
        .join("examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn corsgate(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corsgate"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn corsgate");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        pipe.write_all(bytes).expect("write stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("wait")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corsgate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn eval_chrome_preflight_as_json() {
    let out = corsgate(
        &[
            "eval",
            "--policy",
            &example("policy.toml"),
            "--request",
            &example("chrome-preflight.http"),
            "--format",
            "json",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    assert_eq!(v["kind"], "preflight");
    assert_eq!(v["allowed"], true);
    assert_eq!(v["reason"], "ok");
    assert_eq!(v["status"], 204);
    let headers: Vec<(String, String)> = v["headers"]
        .as_array()
        .expect("headers array")
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_string(),
                h[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        headers,
        [
            ("Access-Control-Allow-Origin", "https://app.example.com"),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Methods", "PUT"),
            (
                "Access-Control-Allow-Headers",
                "authorization,content-type,x-request-id"
            ),
            ("Access-Control-Max-Age", "600"),
            (
                "Vary",
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
            ),
        ]
        .map(|(n, v)| (n.to_string(), v.to_string()))
    );
}

#[test]
fn eval_reads_standard_input_and_prints_text() {
    let head = std::fs::read(example("rejected-origin.http")).unwrap();
    for args in [vec!["--request", "-"], vec![]] {
        let mut all = vec!["eval", "--policy"];
        let policy = example("policy.toml");
        all.push(&policy);
        all.extend(args);
        let out = corsgate(&all, Some(&head));
        assert!(out.status.success());
        let s = text(&out.stdout);
        assert!(s.contains("kind:    actual"), "{s}");
        assert!(s.contains("allowed: no"), "{s}");
        assert!(s.contains("reason:  origin_not_allowed"), "{s}");
        assert!(s.contains("Vary: Origin"), "{s}");
        assert!(!s.contains("Access-Control-Allow-Origin"), "{s}");
    }
}

#[test]
fn eval_firefox_get_with_cookies() {
    let out = corsgate(
        &[
            "eval",
            "--policy",
            &example("policy.toml"),
            "--request",
            &example("firefox-get-cookies.http"),
        ],
        None,
    );
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert!(
        s.contains("Access-Control-Allow-Origin: https://app.example.com\n"),
        "{s}"
    );
    assert!(
        s.contains("Access-Control-Allow-Credentials: true\n"),
        "{s}"
    );
    assert!(
        s.contains("Access-Control-Expose-Headers: x-request-id\n"),
        "{s}"
    );
}

#[test]
fn check_accepts_the_example_policy() {
    let out = corsgate(&["check", "--policy", &example("policy.toml")], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("valid policy"));
}

#[test]
fn check_explains_every_error() {
    let out = corsgate(
        &["check", "--policy", &example("insecure-policy.toml")],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for kind in [
        "wildcard_with_credentials",
        "insecure_origin",
        "public_suffix_wildcard",
        "origin_has_path",
        "forbidden_exposed_header",
    ] {
        assert!(err.contains(kind), "missing {kind} in {err}");
    }
    assert!(err.contains("5 errors"), "{err}");
}

#[test]
fn errors_exit_2_with_a_message() {
    let bad_toml = temp_file("bad.toml", b"origins = [\"https://a.example\"\n");
    let unknown = temp_file(
        "unknown.toml",
        b"origins = [\"https://a.example\"]\norigin = \"x\"\n",
    );
    let malformed = temp_file(
        "bad.http",
        b"GET / HTTP/1.1\r\nOrigin: https://a.example\r\n .evil\r\n\r\n",
    );
    let policy = example("policy.toml");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["check", "--policy", "/nonexistent/corsgate.toml"],
            "cannot read policy",
        ),
        (vec!["check", "--policy", p(&bad_toml)], "toml_syntax"),
        (
            vec!["check", "--policy", p(&unknown)],
            "did you mean \"origins\"",
        ),
        (vec!["check"], "--policy is required"),
        (vec!["frobnicate"], "unknown command"),
        (
            vec!["eval", "--policy", &policy, "--format", "yaml"],
            "unknown format",
        ),
        (
            vec![
                "eval",
                "--policy",
                &policy,
                "--request",
                "/nonexistent/x.http",
            ],
            "cannot read request",
        ),
        (
            vec!["eval", "--policy", &policy, "--request", p(&malformed)],
            "malformed request head",
        ),
    ];
    for (args, needle) in cases {
        let out = corsgate(&args, Some(b""));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
