//! The fixed policies the `head` target evaluates every input against: one
//! per archetype.

use corsgate_oracle::config::Config;

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Anonymous wildcard, credentialed list with `*.` and `:*` patterns,
/// credentialed echo, private network with forwarded denials, report-only
/// with the null origin.
pub fn archetypes() -> Vec<Config> {
    vec![
        // Anonymous, any origin, wildcard headers.
        Config {
            origins: strs(&["*"]),
            methods: strs(&["PUT", "*"]),
            request_headers: strs(&["*"]),
            expose_headers: strs(&["*"]),
            max_age: Some(0),
            ..Config::default()
        },
        // Credentialed list with `*.` and `:*` patterns.
        Config {
            origins: strs(&[
                "https://app.example.com",
                "https://*.example.com",
                "http://localhost:*",
                "https://*.example.org:*",
                "https://api.example.net:8443",
                "https://[2001:db8::1]",
            ]),
            methods: strs(&["put", "DELETE", "PATCH"]),
            request_headers: strs(&["content-type", "Authorization", "x-request-id"]),
            expose_headers: strs(&["X-Request-Id", "x-trace"]),
            credentials: true,
            max_age: Some(600),
            ..Config::default()
        },
        // Credentialed echo mode: wildcard methods and headers are echoed.
        Config {
            origins: strs(&["https://app.example.com", "https://*.example.com:8443"]),
            methods: strs(&["*"]),
            request_headers: strs(&["*", "authorization"]),
            credentials: true,
            ..Config::default()
        },
        // Private network on, loopback origins, 200 and forwarded denials.
        Config {
            origins: strs(&[
                "https://app.example.com",
                "http://127.0.0.1:8080",
                "http://[::1]:9090",
            ]),
            methods: strs(&["PUT"]),
            request_headers: strs(&["x-a", "x-b"]),
            private_network: true,
            preflight_status: 200,
            forward_denied: true,
            ..Config::default()
        },
        // Report-only with the null origin opted in.
        Config {
            origins: strs(&["null", "https://app.example.com"]),
            allow_null_origin: true,
            report_only: true,
            ..Config::default()
        },
    ]
}
