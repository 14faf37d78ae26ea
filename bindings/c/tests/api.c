/*
 * api.c: every export's contract, error paths first. NULL for each
 * pointer, zero-capacity buffers, invalid TOML, invalid policies with
 * error retrieval, every builder setter, the three evaluation forms, a
 * 1 MiB head, decision serialisation (overlapping buffers, forged lines),
 * misaligned handles, versions and code names.
 */
#include <stdlib.h>

#include "check.h"

static const char POLICY_TOML[] =
    "origins = [\"https://app.example.com\", \"https://*.example.com\"]\n"
    "methods = [\"GET\", \"POST\", \"PUT\"]\n"
    "request_headers = [\"content-type\", \"x-request-id\"]\n"
    "expose_headers = [\"x-request-id\"]\n"
    "credentials = true\n"
    "max_age = 600\n"
    "private_network = true\n"
    "preflight_status = 200\n";

static const char PREFLIGHT[] =
    "OPTIONS /api HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "Origin: https://app.example.com\r\n"
    "Access-Control-Request-Method: PUT\r\n"
    "Access-Control-Request-Headers: content-type\r\n"
    "Access-Control-Request-Private-Network: true\r\n"
    "\r\n";

static const corsgate_policy *must_policy(const char *toml) {
  const corsgate_policy *p = NULL;
  corsgate_result r =
      corsgate_policy_from_toml((const uint8_t *)toml, strlen(toml), &p, NULL);
  if (r != CORSGATE_RESULT_OK || p == NULL) {
    fprintf(stderr, "policy does not build: %s\n", toml);
    exit(2);
  }
  return p;
}

/* The value of header `name` in a decision, or NULL. */
static const corsgate_slice *header(const corsgate_decision *d,
                                    const char *name) {
  for (size_t i = 0; i < d->header_count; i++) {
    if (slice_eq(d->headers[i].name, name)) {
      return &d->headers[i].value;
    }
  }
  return NULL;
}

static bool header_is(const corsgate_decision *d, const char *name,
                      const char *value) {
  const corsgate_slice *v = header(d, name);
  return v != NULL && slice_eq(*v, value);
}

static bool contains(corsgate_slice haystack, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= haystack.len; i++) {
    if (memcmp(haystack.ptr + i, needle, n) == 0) {
      return true;
    }
  }
  return false;
}

static void test_versions_and_names(void) {
  char want[64];
  snprintf(want, sizeof want, "%d.%d.%d", CORSGATE_VERSION_MAJOR,
           CORSGATE_VERSION_MINOR, CORSGATE_VERSION_PATCH);
  CHECK(slice_eq(corsgate_version(), want));
  CHECK(corsgate_abi_version() == CORSGATE_ABI_VERSION);
  CHECK(CORSGATE_ABI_VERSION >= 1);
  corsgate_decision d;
  CHECK(sizeof d.headers / sizeof d.headers[0] == CORSGATE_MAX_HEADERS);
  CHECK(CORSGATE_MAX_HEADERS == 12);
  CHECK(sizeof(corsgate_result) == 4);

  static const char *const results[] = {
      "ok",           "null_parameter",      "invalid_argument",
      "invalid_utf8", "invalid_policy",      "insufficient_buffer",
      "out_of_range", "panic"};
  CHECK(CORSGATE_RESULT_PANIC == 7);
  for (uint32_t i = 0; i < sizeof results / sizeof results[0]; i++) {
    CHECK(slice_eq(corsgate_result_str(i), results[i]));
  }
  CHECK(corsgate_result_str(8).len == 0);
  CHECK(corsgate_result_str(8).ptr != NULL);
  CHECK(corsgate_result_str(UINT32_MAX).len == 0);

  static const char *const reasons[] = {
      "ok",
      "no_origin",
      "invalid_origin",
      "origin_not_allowed",
      "method_not_allowed",
      "header_not_allowed",
      "private_network_not_allowed",
      "malformed_request",
      "request_too_large"};
  CHECK(CORSGATE_REASON_REQUEST_TOO_LARGE == 8);
  for (uint32_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
    CHECK(slice_eq(corsgate_reason_str(i), reasons[i]));
  }
  CHECK(corsgate_reason_str(9).len == 0);
  CHECK(corsgate_reason_str(256).len == 0);

  CHECK(slice_eq(corsgate_kind_str(CORSGATE_KIND_NOT_CORS), "not_cors"));
  CHECK(slice_eq(corsgate_kind_str(CORSGATE_KIND_PREFLIGHT), "preflight"));
  CHECK(slice_eq(corsgate_kind_str(CORSGATE_KIND_ACTUAL), "actual"));
  CHECK(corsgate_kind_str(3).len == 0);
}

static void test_policy_from_toml(void) {
  const corsgate_policy *p = NULL;
  corsgate_errors *errs = (corsgate_errors *)&p; /* sentinel, must become NULL */
  CHECK_RESULT(corsgate_policy_from_toml((const uint8_t *)POLICY_TOML,
                                         strlen(POLICY_TOML), &p, &errs),
               CORSGATE_RESULT_OK);
  CHECK(p != NULL);
  CHECK(errs == NULL);

  /* NULL for each pointer. */
  const corsgate_policy *untouched = (const corsgate_policy *)&errs;
  CHECK_RESULT(corsgate_policy_from_toml((const uint8_t *)POLICY_TOML,
                                         strlen(POLICY_TOML), NULL, &errs),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_policy_from_toml(NULL, 10, &untouched, &errs),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK(untouched == (const corsgate_policy *)&errs);
  CHECK(errs == NULL);

  /* (NULL, 0) is an empty file: valid input, but a policy without origins. */
  CHECK_RESULT(corsgate_policy_from_toml(NULL, 0, &untouched, &errs),
               CORSGATE_RESULT_INVALID_POLICY);
  CHECK(untouched == (const corsgate_policy *)&errs);
  CHECK(corsgate_errors_len(errs) == 1);
  corsgate_build_error e;
  CHECK_RESULT(corsgate_errors_get(errs, 0, &e), CORSGATE_RESULT_OK);
  CHECK(e.kind == CORSGATE_ERROR_KIND_NO_ORIGINS);
  CHECK(slice_eq(e.kind_name, "no_origins"));
  CHECK(e.message.len > 0);
  corsgate_errors_free(errs);

  /* errors_out is optional: a refused policy without details leaks nothing. */
  const char *bad = "origins = [\"*\"]\ncredentials = true\n";
  CHECK_RESULT(corsgate_policy_from_toml((const uint8_t *)bad, strlen(bad),
                                         &untouched, NULL),
               CORSGATE_RESULT_INVALID_POLICY);
  CHECK(untouched == (const corsgate_policy *)&errs);

  /* Invalid TOML. */
  const char *syntax = "origins = [\"https://app.example.com\"\ncredentials";
  errs = NULL;
  CHECK_RESULT(corsgate_policy_from_toml((const uint8_t *)syntax,
                                         strlen(syntax), &untouched, &errs),
               CORSGATE_RESULT_INVALID_POLICY);
  CHECK(corsgate_errors_len(errs) >= 1);
  CHECK_RESULT(corsgate_errors_get(errs, 0, &e), CORSGATE_RESULT_OK);
  CHECK(e.kind == CORSGATE_ERROR_KIND_TOML_SYNTAX);
  CHECK(slice_eq(e.kind_name, "toml_syntax"));
  CHECK(e.message.len > 0);
  corsgate_errors_free(errs);

  /* Not UTF-8. */
  const uint8_t latin1[] = "origins = [\"https://caf\xe9.example\"]\n";
  errs = NULL;
  CHECK_RESULT(corsgate_policy_from_toml(latin1, sizeof latin1 - 1, &untouched,
                                         &errs),
               CORSGATE_RESULT_INVALID_POLICY);
  CHECK(corsgate_errors_len(errs) == 1);
  CHECK_RESULT(corsgate_errors_get(errs, 0, &e), CORSGATE_RESULT_OK);
  CHECK(e.kind == CORSGATE_ERROR_KIND_TOML_SYNTAX);
  CHECK(contains(e.message, "UTF-8"));
  corsgate_errors_free(errs);

  /* Several policy errors at once, each retrievable with its value. */
  const char *many = "origins = [\"*\", \"https://App.example.com\", "
                     "\"https://a.example.com/path\"]\n"
                     "credentials = true\nmax_age = 999999\ncolour = 1\n";
  errs = NULL;
  CHECK_RESULT(corsgate_policy_from_toml((const uint8_t *)many, strlen(many),
                                         &untouched, &errs),
               CORSGATE_RESULT_INVALID_POLICY);
  size_t n = corsgate_errors_len(errs);
  CHECK(n >= 5);
  bool wildcard = false, upper = false, path = false, age = false, key = false;
  for (size_t i = 0; i < n; i++) {
    CHECK_RESULT(corsgate_errors_get(errs, i, &e), CORSGATE_RESULT_OK);
    CHECK(e.message.len > 0);
    CHECK(e.kind_name.len > 0);
    switch (e.kind) {
    case CORSGATE_ERROR_KIND_WILDCARD_WITH_CREDENTIALS:
      wildcard = slice_eq(e.kind_name, "wildcard_with_credentials");
      break;
    case CORSGATE_ERROR_KIND_UPPERCASE_ORIGIN:
      upper = slice_eq(e.value, "https://App.example.com");
      break;
    case CORSGATE_ERROR_KIND_ORIGIN_HAS_PATH:
      path = slice_eq(e.value, "https://a.example.com/path");
      break;
    case CORSGATE_ERROR_KIND_MAX_AGE_OUT_OF_RANGE:
      age = slice_eq(e.kind_name, "max_age_out_of_range");
      break;
    case CORSGATE_ERROR_KIND_UNKNOWN_KEY:
      key = slice_eq(e.value, "colour");
      break;
    default:
      break;
    }
  }
  CHECK(wildcard && upper && path && age && key);
  corsgate_build_error before;
  memset(&before, 0xab, sizeof before);
  e = before;
  CHECK_RESULT(corsgate_errors_get(errs, n, &e), CORSGATE_RESULT_OUT_OF_RANGE);
  CHECK_RESULT(corsgate_errors_get(errs, SIZE_MAX, &e),
               CORSGATE_RESULT_OUT_OF_RANGE);
  CHECK_RESULT(corsgate_errors_get(NULL, 0, &e),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_errors_get(errs, 0, NULL),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK(memcmp(&e, &before, sizeof e) == 0);
  CHECK(corsgate_errors_len(NULL) == 0);
  corsgate_errors_free(errs);
  corsgate_errors_free(NULL);

  /* Reference counting: clone returns the same handle, NULL-tolerant. */
  CHECK(corsgate_policy_clone(NULL) == NULL);
  const corsgate_policy *q = corsgate_policy_clone(p);
  CHECK(q == p);
  corsgate_policy_free(p);
  corsgate_decision d;
  CHECK_RESULT(corsgate_evaluate_head(q, (const uint8_t *)PREFLIGHT,
                                      strlen(PREFLIGHT), &d),
               CORSGATE_RESULT_OK);
  CHECK(d.allowed);
  corsgate_policy_free(q);
  corsgate_policy_free(NULL);
}

/* The same policy as POLICY_TOML, through every builder setter. */
static corsgate_result build_full(const corsgate_policy **out,
                                  corsgate_errors **errs) {
  corsgate_builder *b = NULL;
  CHECK_RESULT(corsgate_builder_new(&b), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_add_origin(b, text("https://app.example.com").ptr,
                                           strlen("https://app.example.com")),
               CORSGATE_RESULT_OK);
  const char *pattern = "https://*.example.com";
  CHECK_RESULT(corsgate_builder_add_origin(b, (const uint8_t *)pattern,
                                           strlen(pattern)),
               CORSGATE_RESULT_OK);
  const char *methods[] = {"GET", "POST", "PUT"};
  for (size_t i = 0; i < 3; i++) {
    CHECK_RESULT(corsgate_builder_add_method(b, (const uint8_t *)methods[i],
                                             strlen(methods[i])),
                 CORSGATE_RESULT_OK);
  }
  const char *names[] = {"content-type", "x-request-id"};
  for (size_t i = 0; i < 2; i++) {
    CHECK_RESULT(corsgate_builder_add_request_header(
                     b, (const uint8_t *)names[i], strlen(names[i])),
                 CORSGATE_RESULT_OK);
  }
  CHECK_RESULT(corsgate_builder_add_expose_header(
                   b, (const uint8_t *)"x-request-id", 12),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_credentials(b, true), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_max_age(b, 600), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_private_network(b, true),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_preflight_status(b, 200),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_denied_preflight(
                   b, CORSGATE_DENIED_PREFLIGHT_REJECT),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_mode(b, CORSGATE_MODE_ENFORCE),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_dangerously_allow_insecure_origins(b, false),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(
      corsgate_builder_set_dangerously_allow_public_suffix_subdomains(b, false),
      CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_dangerously_allow_null_origin(b, false),
               CORSGATE_RESULT_OK);
  return corsgate_builder_build(b, out, errs);
}

/* Builds a one-origin policy with one boolean flag set; returns the result
 * and the first error kind (0 if none). */
typedef corsgate_result (*flag_setter)(corsgate_builder *, bool);
static corsgate_result build_flagged(const char *origin, flag_setter set,
                                     uint16_t *first_kind) {
  corsgate_builder *b = NULL;
  const corsgate_policy *p = NULL;
  corsgate_errors *errs = NULL;
  *first_kind = 0;
  CHECK_RESULT(corsgate_builder_new(&b), CORSGATE_RESULT_OK);
  CHECK_RESULT(
      corsgate_builder_add_origin(b, (const uint8_t *)origin, strlen(origin)),
      CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_credentials(b, true), CORSGATE_RESULT_OK);
  if (set != NULL) {
    CHECK_RESULT(set(b, true), CORSGATE_RESULT_OK);
  }
  corsgate_result r = corsgate_builder_build(b, &p, &errs);
  if (r == CORSGATE_RESULT_OK) {
    corsgate_policy_free(p);
  } else {
    corsgate_build_error e;
    if (corsgate_errors_get(errs, 0, &e) == CORSGATE_RESULT_OK) {
      *first_kind = e.kind;
    }
    corsgate_errors_free(errs);
  }
  return r;
}

static void test_builder(void) {
  /* NULL for each pointer of each function. */
  CHECK_RESULT(corsgate_builder_new(NULL), CORSGATE_RESULT_NULL_PARAMETER);
  const uint8_t *o = (const uint8_t *)"https://a.example";
  CHECK_RESULT(corsgate_builder_add_origin(NULL, o, 17),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_add_method(NULL, o, 3),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_add_request_header(NULL, o, 3),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_add_expose_header(NULL, o, 3),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_set_credentials(NULL, true),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_set_max_age(NULL, 1),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_set_private_network(NULL, true),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_set_preflight_status(NULL, 200),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_set_denied_preflight(NULL, 0),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_set_mode(NULL, 0),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_set_dangerously_allow_insecure_origins(NULL, 1),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(
      corsgate_builder_set_dangerously_allow_public_suffix_subdomains(NULL, 1),
      CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_builder_set_dangerously_allow_null_origin(NULL, 1),
               CORSGATE_RESULT_NULL_PARAMETER);
  const corsgate_policy *p = NULL;
  corsgate_errors *errs = NULL;
  CHECK_RESULT(corsgate_builder_build(NULL, &p, &errs),
               CORSGATE_RESULT_NULL_PARAMETER);
  corsgate_builder_free(NULL);

  corsgate_builder *b = NULL;
  CHECK_RESULT(corsgate_builder_new(&b), CORSGATE_RESULT_OK);
  CHECK(b != NULL);
  CHECK_RESULT(corsgate_builder_add_origin(b, NULL, 3),
               CORSGATE_RESULT_NULL_PARAMETER);
  const uint8_t not_utf8[] = {'h', 0xff, 't'};
  CHECK_RESULT(corsgate_builder_add_origin(b, not_utf8, 3),
               CORSGATE_RESULT_INVALID_UTF8);
  CHECK_RESULT(corsgate_builder_add_method(b, not_utf8, 3),
               CORSGATE_RESULT_INVALID_UTF8);
  CHECK_RESULT(corsgate_builder_set_mode(b, 2), CORSGATE_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(corsgate_builder_set_denied_preflight(b, 2),
               CORSGATE_RESULT_INVALID_ARGUMENT);
  /* The builder is consumed even when the call fails. */
  CHECK_RESULT(corsgate_builder_build(b, NULL, &errs),
               CORSGATE_RESULT_NULL_PARAMETER);

  /* A builder that is never built is freed. */
  CHECK_RESULT(corsgate_builder_new(&b), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_add_origin(b, o, 17), CORSGATE_RESULT_OK);
  corsgate_builder_free(b);

  /* Refused settings: every problem comes back, the builder is consumed. */
  CHECK_RESULT(corsgate_builder_new(&b), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_add_method(b, (const uint8_t *)"TRACE", 5),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_max_age(b, -1), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_preflight_status(b, 201),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_add_expose_header(b, (const uint8_t *)"set-cookie",
                                                  10),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_build(b, &p, &errs),
               CORSGATE_RESULT_INVALID_POLICY);
  bool seen[64] = {false};
  for (size_t i = 0; i < corsgate_errors_len(errs); i++) {
    corsgate_build_error e;
    CHECK_RESULT(corsgate_errors_get(errs, i, &e), CORSGATE_RESULT_OK);
    if (e.kind < 64) {
      seen[e.kind] = true;
    }
  }
  CHECK(seen[CORSGATE_ERROR_KIND_NO_ORIGINS]);
  CHECK(seen[CORSGATE_ERROR_KIND_FORBIDDEN_METHOD]);
  CHECK(seen[CORSGATE_ERROR_KIND_MAX_AGE_OUT_OF_RANGE]);
  CHECK(seen[CORSGATE_ERROR_KIND_INVALID_PREFLIGHT_STATUS]);
  CHECK(seen[CORSGATE_ERROR_KIND_FORBIDDEN_EXPOSED_HEADER]);
  corsgate_errors_free(errs);

  /* Every setter: the builder's policy decides like the TOML one. */
  const corsgate_policy *from_toml = must_policy(POLICY_TOML);
  const corsgate_policy *built = NULL;
  errs = (corsgate_errors *)&built;
  CHECK_RESULT(build_full(&built, &errs), CORSGATE_RESULT_OK);
  CHECK(errs == NULL);
  static const char *const heads[] = {
      PREFLIGHT,
      "GET / HTTP/1.1\r\nOrigin: https://app.example.com\r\n\r\n",
      "GET / HTTP/1.1\r\nOrigin: https://x.example.com\r\n\r\n",
      "GET / HTTP/1.1\r\nOrigin: https://example.com\r\n\r\n",
      "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\n"
      "Access-Control-Request-Method: DELETE\r\n\r\n",
      "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\n"
      "Access-Control-Request-Method: PUT\r\n"
      "Access-Control-Request-Headers: x-other\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
    corsgate_decision a, c;
    CHECK_RESULT(corsgate_evaluate_head(from_toml, (const uint8_t *)heads[i],
                                        strlen(heads[i]), &a),
                 CORSGATE_RESULT_OK);
    CHECK_RESULT(corsgate_evaluate_head(built, (const uint8_t *)heads[i],
                                        strlen(heads[i]), &c),
                 CORSGATE_RESULT_OK);
    CHECK(decisions_equal(&a, &c));
  }
  corsgate_decision d;
  CHECK_RESULT(corsgate_evaluate_head(built, (const uint8_t *)PREFLIGHT,
                                      strlen(PREFLIGHT), &d),
               CORSGATE_RESULT_OK);
  CHECK(d.kind == CORSGATE_KIND_PREFLIGHT && d.allowed && d.status == 200);
  CHECK(header_is(&d, "Access-Control-Max-Age", "600"));
  CHECK(header_is(&d, "Access-Control-Allow-Private-Network", "true"));
  CHECK(header_is(&d, "Access-Control-Allow-Credentials", "true"));
  corsgate_policy_free(from_toml);
  corsgate_policy_free(built);

  /* The three dangerous opt-ins each unlock exactly their error. */
  uint16_t kind = 0;
  CHECK_RESULT(build_flagged("null", NULL, &kind),
               CORSGATE_RESULT_INVALID_POLICY);
  CHECK(kind == CORSGATE_ERROR_KIND_NULL_ORIGIN);
  CHECK_RESULT(build_flagged("null",
                             corsgate_builder_set_dangerously_allow_null_origin,
                             &kind),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(build_flagged("http://app.example.com", NULL, &kind),
               CORSGATE_RESULT_INVALID_POLICY);
  CHECK(kind == CORSGATE_ERROR_KIND_INSECURE_ORIGIN);
  CHECK_RESULT(
      build_flagged("http://app.example.com",
                    corsgate_builder_set_dangerously_allow_insecure_origins,
                    &kind),
      CORSGATE_RESULT_OK);
  CHECK_RESULT(build_flagged("https://*.co.uk", NULL, &kind),
               CORSGATE_RESULT_INVALID_POLICY);
  CHECK(kind == CORSGATE_ERROR_KIND_PUBLIC_SUFFIX_WILDCARD);
  CHECK_RESULT(
      build_flagged(
          "https://*.co.uk",
          corsgate_builder_set_dangerously_allow_public_suffix_subdomains,
          &kind),
      CORSGATE_RESULT_OK);

  /* mode and denied_preflight change decisions as documented. */
  CHECK_RESULT(corsgate_builder_new(&b), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_add_origin(b, o, 17), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_denied_preflight(
                   b, CORSGATE_DENIED_PREFLIGHT_FORWARD),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_build(b, &p, NULL), CORSGATE_RESULT_OK);
  const char *denied = "OPTIONS / HTTP/1.1\r\nOrigin: https://evil.example\r\n"
                       "Access-Control-Request-Method: PUT\r\n\r\n";
  CHECK_RESULT(corsgate_evaluate_head(p, (const uint8_t *)denied,
                                      strlen(denied), &d),
               CORSGATE_RESULT_OK);
  CHECK(d.kind == CORSGATE_KIND_PREFLIGHT && !d.allowed && d.status == 0);
  CHECK(d.reason == CORSGATE_REASON_ORIGIN_NOT_ALLOWED);
  corsgate_policy_free(p);

  CHECK_RESULT(corsgate_builder_new(&b), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_add_origin(b, o, 17), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_set_mode(b, CORSGATE_MODE_REPORT_ONLY),
               CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_builder_build(b, &p, NULL), CORSGATE_RESULT_OK);
  CHECK_RESULT(corsgate_evaluate_head(p, (const uint8_t *)denied,
                                      strlen(denied), &d),
               CORSGATE_RESULT_OK);
  CHECK(d.kind == CORSGATE_KIND_PREFLIGHT && !d.allowed && d.status == 0);
  CHECK(d.header_count == 0);
  corsgate_policy_free(p);
}

static void test_evaluate_errors(const corsgate_policy *p) {
  corsgate_decision d, before;
  memset(&before, 0xab, sizeof before);
  d = before;
  const uint8_t *head = (const uint8_t *)PREFLIGHT;
  size_t len = strlen(PREFLIGHT);

  CHECK_RESULT(corsgate_evaluate_head(NULL, head, len, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_evaluate_head(p, NULL, len, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_evaluate_head(p, head, len, NULL),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_evaluate_head(p, head, SIZE_MAX, &d),
               CORSGATE_RESULT_INVALID_ARGUMENT);

  corsgate_header hs[2] = {{text("Origin"), text("https://app.example.com")},
                           {text("Access-Control-Request-Method"), text("PUT")}};
  const uint8_t *m = (const uint8_t *)"OPTIONS";
  CHECK_RESULT(corsgate_evaluate_headers(NULL, m, 7, hs, 2, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_evaluate_headers(p, NULL, 7, hs, 2, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_evaluate_headers(p, m, 7, NULL, 2, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_evaluate_headers(p, m, 7, hs, 2, NULL),
               CORSGATE_RESULT_NULL_PARAMETER);
  hs[1].value.ptr = NULL;
  CHECK_RESULT(corsgate_evaluate_headers(p, m, 7, hs, 2, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  hs[1].value = text("PUT");
  hs[0].name.ptr = NULL;
  CHECK_RESULT(corsgate_evaluate_headers(p, m, 7, hs, 2, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  hs[0].name = text("Origin");

  corsgate_slice lines[1] = {text("content-type")};
  corsgate_view v = {
      .method = text("OPTIONS"),
      .origin = {CORSGATE_FIELD_STATE_ONE, text("https://app.example.com")},
      .request_method = {CORSGATE_FIELD_STATE_ONE, text("PUT")},
      .request_private_network = {CORSGATE_FIELD_STATE_ABSENT, {NULL, 0}},
      .request_headers = lines,
      .request_headers_count = 1,
  };
  CHECK_RESULT(corsgate_evaluate_view(NULL, &v, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_evaluate_view(p, NULL, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_evaluate_view(p, &v, NULL),
               CORSGATE_RESULT_NULL_PARAMETER);
  v.origin.state = 3;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d),
               CORSGATE_RESULT_INVALID_ARGUMENT);
  v.origin.state = CORSGATE_FIELD_STATE_ONE;
  v.request_headers = NULL;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  v.request_headers = lines;
  v.method.ptr = NULL;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  v.method = text("OPTIONS");
  v.origin.value.ptr = NULL;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  v.origin.value = text("https://app.example.com");
  lines[0].ptr = NULL;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d),
               CORSGATE_RESULT_NULL_PARAMETER);
  lines[0] = text("content-type");

  /* No failed call wrote the decision. */
  CHECK(memcmp(&d, &before, sizeof d) == 0);

  /* The same request through the three forms gives the same decision. */
  corsgate_decision a, b, c;
  CHECK_RESULT(corsgate_evaluate_headers(p, m, 7, hs, 2, &a),
               CORSGATE_RESULT_OK);
  v.request_headers_count = 0;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &b), CORSGATE_RESULT_OK);
  const char *h = "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example.com\r\n"
                  "Access-Control-Request-Method: PUT\r\n\r\n";
  CHECK_RESULT(corsgate_evaluate_head(p, (const uint8_t *)h, strlen(h), &c),
               CORSGATE_RESULT_OK);
  CHECK(a.allowed && a.kind == CORSGATE_KIND_PREFLIGHT);
  CHECK(decisions_equal(&a, &b));
  CHECK(decisions_equal(&a, &c));

  /* View states: a repeated Origin fails closed; NULL-able empties. */
  v.origin.state = CORSGATE_FIELD_STATE_REPEATED;
  v.origin.value.ptr = NULL; /* not read for REPEATED */
  v.origin.value.len = 99;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d), CORSGATE_RESULT_OK);
  CHECK(!d.allowed && d.reason == CORSGATE_REASON_INVALID_ORIGIN);
  v.origin.state = CORSGATE_FIELD_STATE_ABSENT;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d), CORSGATE_RESULT_OK);
  CHECK(d.kind == CORSGATE_KIND_NOT_CORS && d.reason == CORSGATE_REASON_NO_ORIGIN);
  CHECK(header_is(&d, "Vary", "Origin"));
  /* More than four Access-Control-Request-Headers lines are refused. */
  corsgate_slice five[5] = {text("content-type"), text("content-type"),
                            text("content-type"), text("content-type"),
                            text("content-type")};
  v.origin.state = CORSGATE_FIELD_STATE_ONE;
  v.origin.value = text("https://app.example.com");
  v.request_headers = five;
  v.request_headers_count = 5;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d), CORSGATE_RESULT_OK);
  CHECK(!d.allowed && d.reason == CORSGATE_REASON_HEADER_NOT_ALLOWED);
  v.request_headers_count = 4;
  CHECK_RESULT(corsgate_evaluate_view(p, &v, &d), CORSGATE_RESULT_OK);
  CHECK(d.allowed);

  /* Empty inputs: (NULL, 0) is valid everywhere. */
  CHECK_RESULT(corsgate_evaluate_head(p, NULL, 0, &d), CORSGATE_RESULT_OK);
  CHECK(d.kind == CORSGATE_KIND_NOT_CORS);
  CHECK(d.reason == CORSGATE_REASON_MALFORMED_REQUEST && d.status == 400);
  CHECK_RESULT(corsgate_evaluate_headers(p, NULL, 0, NULL, 0, &d),
               CORSGATE_RESULT_OK);
  CHECK(d.reason == CORSGATE_REASON_NO_ORIGIN);
}

static void test_large_heads(const corsgate_policy *p) {
  const size_t mib = 1024 * 1024;
  char *big = malloc(mib);
  CHECK(big != NULL);
  if (big == NULL) {
    return;
  }
  /* 1 MiB of header lines with no end: too large, never read past 64 KiB. */
  const char *start = "GET / HTTP/1.1\r\nOrigin: https://app.example.com\r\n";
  memcpy(big, start, strlen(start));
  for (size_t i = strlen(start); i < mib; i += 16) {
    memcpy(big + i, "X-Pad: 12345678\n", mib - i < 16 ? mib - i : 16);
  }
  corsgate_decision d;
  CHECK_RESULT(corsgate_evaluate_head(p, (const uint8_t *)big, mib, &d),
               CORSGATE_RESULT_OK);
  CHECK(d.kind == CORSGATE_KIND_NOT_CORS && !d.allowed);
  CHECK(d.reason == CORSGATE_REASON_REQUEST_TOO_LARGE && d.status == 431);
  /* One 1 MiB line of garbage. */
  memset(big, 'A', mib);
  CHECK_RESULT(corsgate_evaluate_head(p, (const uint8_t *)big, mib, &d),
               CORSGATE_RESULT_OK);
  CHECK(d.kind == CORSGATE_KIND_NOT_CORS && !d.allowed);
  CHECK(d.reason == CORSGATE_REASON_REQUEST_TOO_LARGE);
  /* A short head followed by a 1 MiB body: the body is ignored. */
  const char *small = "GET / HTTP/1.1\r\nOrigin: https://app.example.com\r\n\r\n";
  memcpy(big, small, strlen(small));
  CHECK_RESULT(corsgate_evaluate_head(p, (const uint8_t *)big, mib, &d),
               CORSGATE_RESULT_OK);
  CHECK(d.kind == CORSGATE_KIND_ACTUAL && d.allowed);
  /* The echoed origin borrows from the input bytes. */
  const corsgate_slice *acao = header(&d, "Access-Control-Allow-Origin");
  CHECK(acao != NULL && slice_eq(*acao, "https://app.example.com"));
  CHECK(acao != NULL && acao->ptr >= (const uint8_t *)big &&
        acao->ptr < (const uint8_t *)big + mib);
  free(big);
}

static void test_decision_write(const corsgate_policy *p) {
  corsgate_decision d;
  CHECK_RESULT(corsgate_evaluate_head(p, (const uint8_t *)PREFLIGHT,
                                      strlen(PREFLIGHT), &d),
               CORSGATE_RESULT_OK);
  char want[1024] = "";
  for (size_t i = 0; i < d.header_count; i++) {
    size_t at = strlen(want);
    snprintf(want + at, sizeof want - at, "%.*s: %.*s\r\n",
             (int)d.headers[i].name.len, (const char *)d.headers[i].name.ptr,
             (int)d.headers[i].value.len, (const char *)d.headers[i].value.ptr);
  }
  size_t needed = strlen(want);
  CHECK(needed > 100);

  /* Zero capacity, NULL buffer: asks for the size. */
  size_t len = 12345;
  CHECK_RESULT(corsgate_decision_write(&d, NULL, 0, &len),
               CORSGATE_RESULT_INSUFFICIENT_BUFFER);
  CHECK(len == needed);
  /* Zero capacity with a real buffer, and one byte short: nothing written. */
  uint8_t buf[1024];
  memset(buf, 0x5a, sizeof buf);
  len = 0;
  CHECK_RESULT(corsgate_decision_write(&d, buf, 0, &len),
               CORSGATE_RESULT_INSUFFICIENT_BUFFER);
  CHECK(len == needed);
  CHECK_RESULT(corsgate_decision_write(&d, buf, needed - 1, &len),
               CORSGATE_RESULT_INSUFFICIENT_BUFFER);
  CHECK(len == needed);
  bool untouched = true;
  for (size_t i = 0; i < sizeof buf; i++) {
    untouched = untouched && buf[i] == 0x5a;
  }
  CHECK(untouched);
  /* Exactly enough. */
  len = 0;
  CHECK_RESULT(corsgate_decision_write(&d, buf, needed, &len),
               CORSGATE_RESULT_OK);
  CHECK(len == needed && memcmp(buf, want, needed) == 0);
  CHECK(buf[needed] == 0x5a);

  /* NULL for each pointer. */
  CHECK_RESULT(corsgate_decision_write(NULL, buf, sizeof buf, &len),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_decision_write(&d, NULL, sizeof buf, &len),
               CORSGATE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(corsgate_decision_write(&d, buf, sizeof buf, NULL),
               CORSGATE_RESULT_NULL_PARAMETER);

  /* Hand-made decisions: empty, over-full, a NULL value. */
  corsgate_decision hand;
  memset(&hand, 0, sizeof hand);
  len = 99;
  CHECK_RESULT(corsgate_decision_write(&hand, NULL, 0, &len),
               CORSGATE_RESULT_OK);
  CHECK(len == 0);
  hand.header_count = CORSGATE_MAX_HEADERS + 1;
  CHECK_RESULT(corsgate_decision_write(&hand, buf, sizeof buf, &len),
               CORSGATE_RESULT_INVALID_ARGUMENT);
  hand.header_count = 1;
  hand.headers[0].name = text("Vary");
  hand.headers[0].value.ptr = NULL;
  hand.headers[0].value.len = 6;
  CHECK_RESULT(corsgate_decision_write(&hand, buf, sizeof buf, &len),
               CORSGATE_RESULT_NULL_PARAMETER);
  hand.headers[0].value = text("Origin");
  CHECK_RESULT(corsgate_decision_write(&hand, buf, sizeof buf, &len),
               CORSGATE_RESULT_OK);
  CHECK(len == 14 && memcmp(buf, "Vary: Origin\r\n", 14) == 0);

  /* A name or value inside the output buffer: refused, nothing written. */
  memset(buf, 0x5a, sizeof buf);
  memcpy(buf + 100, "Origin", 6);
  hand.headers[0].value.ptr = buf + 100;
  hand.headers[0].value.len = 6;
  len = 7;
  CHECK_RESULT(corsgate_decision_write(&hand, buf, sizeof buf, &len),
               CORSGATE_RESULT_INVALID_ARGUMENT);
  CHECK_RESULT(corsgate_decision_write(&hand, buf + 103, 10, &len),
               CORSGATE_RESULT_INVALID_ARGUMENT);
  CHECK(len == 7 && buf[0] == 0x5a && buf[103] == 'g');
  /* Right after it is fine. */
  CHECK_RESULT(corsgate_decision_write(&hand, buf + 106, 14, &len),
               CORSGATE_RESULT_OK);
  CHECK(len == 14 && memcmp(buf + 106, "Vary: Origin\r\n", 14) == 0);
  hand.headers[0].value = text("Origin");
  hand.headers[0].name.ptr = buf + 200;
  hand.headers[0].name.len = 4;
  CHECK_RESULT(corsgate_decision_write(&hand, buf, sizeof buf, &len),
               CORSGATE_RESULT_INVALID_ARGUMENT);

  /* CR, LF or NUL in a name or a value would forge header lines. */
  static const char *const forged[] = {"a\r\nSet-Cookie: x=y", "a\n", "\ra"};
  hand.headers[0].name = text("Vary");
  len = 7;
  for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
    hand.headers[0].value = text(forged[i]);
    CHECK_RESULT(corsgate_decision_write(&hand, buf, sizeof buf, &len),
                 CORSGATE_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(corsgate_decision_write(&hand, NULL, 0, &len),
                 CORSGATE_RESULT_INVALID_ARGUMENT);
  }
  hand.headers[0].value.ptr = (const uint8_t *)"Ori\0gin";
  hand.headers[0].value.len = 7;
  CHECK_RESULT(corsgate_decision_write(&hand, buf, sizeof buf, &len),
               CORSGATE_RESULT_INVALID_ARGUMENT);
  hand.headers[0].value = text("Origin");
  hand.headers[0].name = text("Vary\r\nX");
  CHECK_RESULT(corsgate_decision_write(&hand, buf, sizeof buf, &len),
               CORSGATE_RESULT_INVALID_ARGUMENT);
  CHECK(len == 7);
}

/*
 * Pointers that are not aligned for their handle cannot come from corsgate.
 * The *_free functions and corsgate_policy_clone ignore them (clone returns
 * NULL), and corsgate_builder_build refuses one without consuming anything.
 * Without the check they reached free() and the reference count.
 */
static void test_misaligned_handles(void) {
  _Alignas(16) unsigned char scratch[256];
  memset(scratch, 0, sizeof scratch);
  void *odd = scratch + 65;
  CHECK(corsgate_policy_clone((const corsgate_policy *)odd) == NULL);
  corsgate_policy_free((const corsgate_policy *)odd);
  corsgate_builder_free((corsgate_builder *)odd);
  corsgate_errors_free((corsgate_errors *)odd);
  const corsgate_policy *p = NULL;
  CHECK_RESULT(corsgate_builder_build((corsgate_builder *)odd, &p, NULL),
               CORSGATE_RESULT_INVALID_ARGUMENT);
  CHECK(p == NULL);
  bool untouched = true;
  for (size_t i = 0; i < sizeof scratch; i++) {
    untouched = untouched && scratch[i] == 0;
  }
  CHECK(untouched);
}

int main(void) {
  test_versions_and_names();
  test_policy_from_toml();
  test_builder();
  const corsgate_policy *p = must_policy(POLICY_TOML);
  test_evaluate_errors(p);
  test_large_heads(p);
  test_decision_write(p);
  test_misaligned_handles();
  corsgate_policy_free(p);
  return check_report("api");
}
