//! The `corsgate` command line, run as a user would run it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root (this package lives in `cli/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
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
        // Usage errors are clap's, worded as in every clap-based CLI.
        (
            vec!["check"],
            "the following required arguments were not provided:\n  --policy <FILE>",
        ),
        (vec!["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            vec!["eval", "--policy", &policy, "--format", "yaml"],
            "invalid value 'yaml' for '--format <FORMAT>'",
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

#[test]
fn no_arguments_prints_help_and_exits_2() {
    let out = corsgate(&[], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("Usage: corsgate <COMMAND>"), "{err}");
    for command in ["eval", "check", "completions"] {
        assert!(err.contains(command), "missing {command} in {err}");
    }
}

#[test]
fn version_prints_the_package_version() {
    for flag in ["--version", "-V"] {
        let out = corsgate(&[flag], None);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        assert_eq!(
            text(&out.stdout),
            format!("corsgate {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn eval_help_describes_every_option() {
    let long = corsgate(&["eval", "--help"], None);
    assert_eq!(long.status.code(), Some(0));
    let help = text(&long.stdout);
    for needle in [
        "Usage: corsgate eval [OPTIONS] --policy <FILE>",
        "--policy <FILE>",
        "--request <FILE>",
        "standard input",
        "--format <FORMAT>",
        "- text:",
        "- json:",
        "[default: text]",
    ] {
        assert!(help.contains(needle), "missing {needle:?} in {help}");
    }
    // `help eval` is the same page; `-h` is its one-line-per-option summary.
    let via_help = corsgate(&["help", "eval"], None);
    assert_eq!(via_help.status.code(), Some(0));
    assert_eq!(text(&via_help.stdout), help);
    let short = corsgate(&["eval", "-h"], None);
    assert_eq!(short.status.code(), Some(0));
    assert!(text(&short.stdout).contains("[possible values: text, json]"));
}

#[test]
fn misspellings_get_a_suggestion_and_exit_2() {
    let policy = example("policy.toml");
    let cases: [(&[&str], &str); 3] = [
        (
            &["eval", "--polcy", &policy],
            "tip: a similar argument exists: '--policy'",
        ),
        (
            &["eval", "--policy", &policy, "--format", "jsn"],
            "tip: a similar value exists: 'json'",
        ),
        (&["chek"], "tip: a similar subcommand exists: 'check'"),
    ];
    for (args, tip) in cases {
        let out = corsgate(args, Some(b""));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains(tip), "{args:?}: {err}");
    }
}

fn completions(shell: &str) -> String {
    let out = corsgate(&["completions", shell], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn completions_mention_every_subcommand() {
    let zsh = completions("zsh");
    let fish = completions("fish");
    for command in ["eval", "check", "completions"] {
        assert!(zsh.contains(&format!("'{command}:")), "zsh: {command}");
        assert!(
            fish.contains(&format!("-a \"{command}\"")),
            "fish: {command}"
        );
    }
    assert!(zsh.contains("'--policy=["), "{zsh}");
    assert!(fish.contains("-l policy"), "{fish}");
    let bad = corsgate(&["completions", "tcsh"], None);
    assert_eq!(bad.status.code(), Some(2));
}

/// The bash script is loaded into a real bash and asked to complete, as
/// bash itself would on a Tab press.
#[test]
fn bash_completion_completes_subcommands_flags_and_values() {
    let script = temp_file("corsgate.bash", completions("bash").as_bytes());
    let probe = format!(
        r#"source '{}'
complete -p corsgate
ask() {{ COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _corsgate corsgate "${{@: -1}}" "${{@: -2:1}}"; echo "${{COMPREPLY[*]}}"; }}
ask corsgate ev
ask corsgate c
ask corsgate eval --fo
ask corsgate eval --format ''
"#,
        p(&script)
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(
        lines,
        [
            "complete -o bashdefault -o default -o nosort -F _corsgate corsgate",
            "eval",
            "check completions",
            "--format",
            "text json",
        ],
        "{}",
        text(&out.stderr)
    );
}

/// `eval --format json` parsed back, against the decision the library
/// itself returns for the same policy and request.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionJson {
    kind: String,
    allowed: bool,
    reason: String,
    status: u16,
    headers: Vec<(String, String)>,
}

#[test]
fn json_output_round_trips_every_field() {
    let policy_path = example("policy.toml");
    let policy_text = std::fs::read_to_string(&policy_path).unwrap();
    let policy = corsgate::Policy::from_toml(&policy_text).expect("example policy");
    let not_cors = temp_file(
        "not-cors.http",
        b"GET /health HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
    );
    let denied_preflight = temp_file(
        "denied-preflight.http",
        b"OPTIONS /v1/items HTTP/1.1\r\nHost: api.example.com\r\nOrigin: https://app.example.com\r\n\
          Access-Control-Request-Method: PROPFIND\r\n\r\n",
    );
    let requests = [
        PathBuf::from(example("chrome-preflight.http")),
        PathBuf::from(example("firefox-get-cookies.http")),
        PathBuf::from(example("rejected-origin.http")),
        not_cors,
        denied_preflight,
    ];
    let mut kinds = Vec::new();
    for request in &requests {
        let out = corsgate(
            &[
                "eval",
                "--policy",
                &policy_path,
                "--request",
                p(request),
                "--format",
                "json",
            ],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.ends_with('\n'), "{stdout}");
        assert_eq!(stdout.lines().count(), 1, "one line per decision: {stdout}");
        let got: DecisionJson = serde_json::from_str(&stdout).expect("schema");

        let head = std::fs::read(request).unwrap();
        let want = policy.evaluate_head(&head);
        assert_eq!(got.kind, want.kind().as_str(), "{request:?}");
        assert_eq!(got.allowed, want.allowed(), "{request:?}");
        assert_eq!(got.reason, want.reason().as_str(), "{request:?}");
        assert_eq!(
            corsgate::Reason::from_name(&got.reason),
            Some(want.reason())
        );
        assert_eq!(got.status, want.status(), "{request:?}");
        let want_headers: Vec<(String, String)> = want
            .headers()
            .iter()
            .map(|h| (h.name.to_string(), h.value_str().to_string()))
            .collect();
        assert_eq!(got.headers, want_headers, "{request:?}");
        kinds.push((got.kind, got.allowed, got.status));
    }
    // The cases above cover every kind, both verdicts and both kinds of status.
    assert_eq!(
        kinds,
        [
            ("preflight".to_string(), true, 204),
            ("actual".to_string(), true, 0),
            ("actual".to_string(), false, 0),
            ("not_cors".to_string(), false, 0),
            ("preflight".to_string(), false, 403),
        ]
    );
}

/// The README shows the exact output of its JSON examples: the quick
/// start's main command and the command-line section's schema example.
#[test]
fn readme_json_examples_are_current() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let shown_after = |marker: &str| -> String {
        readme
            .lines()
            .skip_while(|l| !l.starts_with(marker))
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| panic!("no JSON line after {marker:?}"))
            .to_string()
    };
    for (marker, request) in [
        ("The first command prints:", "chrome-preflight.http"),
        ("**JSON output.**", "rejected-origin.http"),
    ] {
        let out = corsgate(
            &[
                "eval",
                "--policy",
                &example("policy.toml"),
                "--request",
                &example(request),
                "--format",
                "json",
            ],
            None,
        );
        assert!(out.status.success());
        assert_eq!(
            text(&out.stdout),
            format!("{}\n", shown_after(marker)),
            "{request}"
        );
    }
}
