//! Loading and replaying the conformance vectors of `tests/vectors/`.
//!
//! Used by the conformance runner, the property tests and the
//! zero-allocation guard. The file format is described in
//! `tests/vectors/README.md`; everything here only reads it, so the C,
//! nginx, HAProxy, Go and Python layers can replay the same files with their
//! own loaders.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use corsgate::{Decision, Policy, RequestView};
use serde::Deserialize;

/// Files in `tests/vectors/` that hold something other than cases.
pub const POLICIES_FILE: &str = "policies.json";
pub const BUILDS_FILE: &str = "policy_builds.json";

/// The vectors directory, found from this crate's root (never a fixed
/// path).
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("vectors")
}

fn read(name: &str) -> String {
    let path = vectors_dir().join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The input forms a case can be replayed through.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// A raw HTTP/1.1 head through `Policy::evaluate_head`.
    Head,
    /// A `(method, header list)` through `Policy::evaluate`.
    List,
    /// A `RequestView` filled by `add_header`, through `Policy::evaluate_view`.
    View,
}

impl Form {
    pub const ALL: [Form; 3] = [Form::Head, Form::List, Form::View];

    pub fn as_str(self) -> &'static str {
        match self {
            Form::Head => "head",
            Form::List => "list",
            Form::View => "view",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: String,
    #[serde(default = "default_target")]
    pub target: String,
    pub headers: Vec<(String, String)>,
}

fn default_target() -> String {
    "/".to_owned()
}

/// The decision a case expects, field for field.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub kind: String,
    pub allowed: bool,
    pub reason: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub policy: String,
    #[serde(default)]
    pub request: Option<Request>,
    /// A raw head, for framing cases (head form only).
    #[serde(default)]
    pub head: Option<String>,
    #[serde(default)]
    pub forms: Option<Vec<Form>>,
    pub expect: Expect,
    /// The file the case came from, for reports.
    #[serde(skip)]
    pub file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Case>,
}

impl Case {
    /// The forms this case runs through.
    pub fn forms(&self) -> Vec<Form> {
        match (&self.head, &self.forms) {
            (Some(_), _) => vec![Form::Head],
            (None, Some(f)) => f.clone(),
            (None, None) => Form::ALL.to_vec(),
        }
    }

    /// The raw head: the given one, or the request serialised as
    /// `METHOD TARGET HTTP/1.1`, `Host: api.test`, its header lines and the
    /// empty line.
    pub fn head_bytes(&self) -> Vec<u8> {
        if let Some(head) = &self.head {
            return head.as_bytes().to_vec();
        }
        let r = self
            .request
            .as_ref()
            .expect("a case has a request or a head");
        let fields: Vec<(&[u8], &[u8])> = r
            .headers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        crate::head::write(r.method.as_bytes(), r.target.as_bytes(), &fields)
    }

    /// The method and header list, as byte strings.
    pub fn list(&self) -> (Vec<u8>, Vec<OwnedHeader>) {
        let r = self
            .request
            .as_ref()
            .expect("list and view forms need a request");
        let headers = r
            .headers
            .iter()
            .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect();
        (r.method.as_bytes().to_vec(), headers)
    }
}

/// Every case of every `<group>.json` file, sorted by file name.
pub fn load_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name != POLICIES_FILE && name != BUILDS_FILE
        })
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        let parsed: CaseFile =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!parsed.cases.is_empty(), "{file} holds no cases");
        for mut c in parsed.cases {
            c.file = file.clone();
            cases.push(c);
        }
    }
    cases
}

/// The policy texts of `policies.json`, by name.
pub fn load_policy_texts() -> BTreeMap<String, String> {
    serde_json::from_str(&read(POLICIES_FILE)).expect("policies.json is a map of name to TOML text")
}

/// Every named policy, compiled. A policy that does not build is a broken
/// vector file, reported with the engine's explanation.
pub fn load_policies() -> BTreeMap<String, Policy> {
    load_policy_texts()
        .into_iter()
        .map(|(name, text)| {
            let p = Policy::from_toml(&text)
                .unwrap_or_else(|e| panic!("policy {name:?} does not build: {e}"));
            (name, p)
        })
        .collect()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    pub name: String,
    pub toml: String,
    #[serde(default)]
    pub ok: bool,
    #[serde(default)]
    pub errors: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BuildFile {
    builds: Vec<Build>,
}

pub fn load_builds() -> Vec<Build> {
    let parsed: BuildFile =
        serde_json::from_str(&read(BUILDS_FILE)).expect("policy_builds.json parses");
    parsed.builds
}

/// One request header as owned bytes: (name, value).
pub type OwnedHeader = (Vec<u8>, Vec<u8>);

/// A case with every input form prepared ahead of evaluation, so that
/// evaluating allocates nothing on the test's side.
pub struct Prepared<'c> {
    pub case: &'c Case,
    pub forms: Vec<Form>,
    pub head: Vec<u8>,
    pub method: Vec<u8>,
    pub headers: Vec<OwnedHeader>,
}

impl<'c> Prepared<'c> {
    pub fn new(case: &'c Case) -> Self {
        let forms = case.forms();
        let (method, headers) = if case.request.is_some() {
            case.list()
        } else {
            (Vec::new(), Vec::new())
        };
        Prepared {
            case,
            forms,
            head: case.head_bytes(),
            method,
            headers,
        }
    }

    /// The header list as borrowed pairs (allocates: call before counting).
    pub fn pairs(&self) -> Vec<(&[u8], &[u8])> {
        self.headers.iter().map(|(n, v)| (&n[..], &v[..])).collect()
    }
}

/// Evaluates one prepared case through one form. `pairs` comes from
/// [`Prepared::pairs`]. Allocation-free on this side.
pub fn evaluate<'a>(
    policy: &'a Policy,
    p: &'a Prepared<'_>,
    pairs: &[(&'a [u8], &'a [u8])],
    form: Form,
) -> Decision<'a> {
    match form {
        Form::Head => policy.evaluate_head(&p.head),
        Form::List => policy.evaluate(&p.method, pairs),
        Form::View => {
            let mut view = RequestView::new(&p.method);
            for &(name, value) in pairs {
                view.add_header(name, value);
            }
            policy.evaluate_view(&view)
        }
    }
}

/// A decision in the vector file's terms.
pub fn outcome(d: &Decision<'_>) -> Expect {
    Expect {
        kind: d.kind().as_str().to_owned(),
        allowed: d.allowed(),
        reason: d.reason().as_str().to_owned(),
        status: d.status(),
        headers: d
            .headers()
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
    }
}
