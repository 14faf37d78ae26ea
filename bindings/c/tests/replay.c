/*
 * replay.c: replays the core's conformance vectors (the JSON files of tests/vectors)
 * through the C ABI, in every input form each case asks for, and every
 * policy build of policy_builds.json through corsgate_policy_from_toml.
 *
 * It reads the fixture vectors_to_fixture.py writes (see that script for
 * the format) and fails loudly when the fixture holds no cases.
 *
 * Usage: replay FIXTURE
 */
#include <stdlib.h>

#include "check.h"

/* ---- fixture reading ---------------------------------------------------- */

typedef struct {
  const uint8_t *at;
  const uint8_t *end;
  const char *path;
} reader;

static void die(const reader *r, const char *what) {
  fprintf(stderr, "%s: malformed fixture at byte %ld: %s\n", r->path,
          (long)(r->end - r->at), what);
  exit(2);
}

/* Reads one `TAG LEN\n<bytes>\n` item whose tag must be `tag`. */
static corsgate_slice item(reader *r, const char *tag) {
  size_t taglen = strlen(tag);
  if ((size_t)(r->end - r->at) < taglen + 1 || memcmp(r->at, tag, taglen) != 0 ||
      r->at[taglen] != ' ') {
    die(r, tag);
  }
  r->at += taglen + 1;
  size_t len = 0;
  while (r->at < r->end && *r->at >= '0' && *r->at <= '9') {
    len = len * 10 + (size_t)(*r->at - '0');
    r->at++;
  }
  if (r->at >= r->end || *r->at != '\n' || (size_t)(r->end - r->at) < len + 2) {
    die(r, "item length");
  }
  corsgate_slice s = {r->at + 1, len};
  r->at += len + 1;
  if (*r->at != '\n') {
    die(r, "item terminator");
  }
  r->at++;
  return s;
}

static size_t number(reader *r, const char *tag) {
  corsgate_slice s = item(r, tag);
  size_t n = 0;
  for (size_t i = 0; i < s.len; i++) {
    n = n * 10 + (size_t)(s.ptr[i] - '0');
  }
  return n;
}

static void print_slice(FILE *f, corsgate_slice s) {
  fprintf(f, "%.*s", (int)s.len, (const char *)s.ptr);
}

/* ---- the replay --------------------------------------------------------- */

typedef struct {
  corsgate_slice name;
  const corsgate_policy *policy;
} named_policy;

static bool name_is(corsgate_slice name, const char *want) {
  size_t n = strlen(want);
  if (name.len != n) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    uint8_t c = name.ptr[i];
    if (c >= 'A' && c <= 'Z') {
      c = (uint8_t)(c - 'A' + 'a');
    }
    if (c != (uint8_t)want[i]) {
      return false;
    }
  }
  return true;
}

/* Records one more line of a singleton field, as a host's index would. */
static void field_add(corsgate_field *f, corsgate_slice value) {
  if (f->state == CORSGATE_FIELD_STATE_ABSENT) {
    f->state = CORSGATE_FIELD_STATE_ONE;
    f->value = value;
  } else {
    f->state = CORSGATE_FIELD_STATE_REPEATED;
  }
}

typedef struct {
  corsgate_slice kind, reason;
  bool allowed;
  unsigned status;
  size_t count;
  const corsgate_header *headers;
} expectation;

static int case_failures = 0;

static void compare(corsgate_slice case_name, const char *form,
                    const corsgate_decision *d, const expectation *e) {
  bool ok = slices_eq(corsgate_kind_str(d->kind), e->kind) &&
            d->allowed == e->allowed &&
            slices_eq(corsgate_reason_str(d->reason), e->reason) &&
            d->status == e->status && d->header_count == e->count;
  for (size_t i = 0; ok && i < e->count; i++) {
    ok = slices_eq(d->headers[i].name, e->headers[i].name) &&
         slices_eq(d->headers[i].value, e->headers[i].value);
  }
  /* The serialiser agrees with the header list, and refuses a short buffer
   * without writing. */
  size_t needed = 0;
  for (size_t i = 0; i < d->header_count; i++) {
    needed += d->headers[i].name.len + d->headers[i].value.len + 4;
  }
  uint8_t buf[8192];
  size_t len = 0;
  if (needed + 1 > sizeof buf ||
      corsgate_decision_write(d, buf, needed, &len) != CORSGATE_RESULT_OK ||
      len != needed) {
    ok = false;
  } else {
    size_t at = 0;
    for (size_t i = 0; ok && i < d->header_count; i++) {
      const corsgate_header *h = &d->headers[i];
      ok = memcmp(buf + at, h->name.ptr, h->name.len) == 0 &&
           memcmp(buf + at + h->name.len, ": ", 2) == 0 &&
           (h->value.len == 0 ||
            memcmp(buf + at + h->name.len + 2, h->value.ptr, h->value.len) ==
                0) &&
           memcmp(buf + at + h->name.len + 2 + h->value.len, "\r\n", 2) == 0;
      at += h->name.len + h->value.len + 4;
    }
    if (needed > 0) {
      memset(buf, 0x5a, needed);
      ok = ok && corsgate_decision_write(d, buf, needed - 1, &len) ==
                     CORSGATE_RESULT_INSUFFICIENT_BUFFER &&
           len == needed && buf[0] == 0x5a && buf[needed - 2] == 0x5a;
    }
  }
  check_count++;
  if (!ok) {
    check_failures++;
    case_failures++;
    fprintf(stderr, "FAIL [%s] ", form);
    print_slice(stderr, case_name);
    fprintf(stderr, "\n  expected ");
    print_slice(stderr, e->kind);
    fprintf(stderr, " allowed=%d ", e->allowed);
    print_slice(stderr, e->reason);
    fprintf(stderr, " status=%u headers=%zu\n  got      ", e->status, e->count);
    print_slice(stderr, corsgate_kind_str(d->kind));
    fprintf(stderr, " allowed=%d ", d->allowed);
    print_slice(stderr, corsgate_reason_str(d->reason));
    fprintf(stderr, " status=%u headers=%zu\n", d->status, d->header_count);
    for (size_t i = 0; i < d->header_count; i++) {
      fprintf(stderr, "    ");
      print_slice(stderr, d->headers[i].name);
      fprintf(stderr, ": ");
      print_slice(stderr, d->headers[i].value);
      fprintf(stderr, "\n");
    }
  }
}

static bool has_form(corsgate_slice forms, const char *form) {
  size_t n = strlen(form);
  for (size_t i = 0; i + n <= forms.len; i++) {
    if ((i == 0 || forms.ptr[i - 1] == ',') &&
        memcmp(forms.ptr + i, form, n) == 0 &&
        (i + n == forms.len || forms.ptr[i + n] == ',')) {
      return true;
    }
  }
  return false;
}

static size_t replay_cases(reader *r, const named_policy *policies,
                           size_t npolicies, size_t *evaluations) {
  size_t ncases = number(r, "cases");
  for (size_t c = 0; c < ncases; c++) {
    corsgate_slice name = item(r, "case");
    corsgate_slice policy_name = item(r, "policy");
    corsgate_slice forms = item(r, "forms");
    corsgate_slice head = item(r, "head");
    corsgate_slice method = item(r, "method");
    size_t nheaders = number(r, "headers");
    corsgate_header *headers = calloc(nheaders + 1, sizeof *headers);
    if (headers == NULL) {
      die(r, "out of memory");
    }
    for (size_t i = 0; i < nheaders; i++) {
      headers[i].name = item(r, "name");
      headers[i].value = item(r, "value");
    }
    expectation e;
    e.kind = item(r, "kind");
    e.allowed = slice_eq(item(r, "allowed"), "true");
    e.reason = item(r, "reason");
    e.status = (unsigned)number(r, "status");
    e.count = number(r, "expect");
    corsgate_header *expected = calloc(e.count + 1, sizeof *expected);
    if (expected == NULL) {
      die(r, "out of memory");
    }
    for (size_t i = 0; i < e.count; i++) {
      expected[i].name = item(r, "name");
      expected[i].value = item(r, "value");
    }
    e.headers = expected;

    const corsgate_policy *policy = NULL;
    for (size_t i = 0; i < npolicies; i++) {
      if (slices_eq(policies[i].name, policy_name)) {
        policy = policies[i].policy;
      }
    }
    CHECK(policy != NULL);
    corsgate_decision d;
    if (policy != NULL && has_form(forms, "head")) {
      CHECK_RESULT(corsgate_evaluate_head(policy, head.ptr, head.len, &d),
                   CORSGATE_RESULT_OK);
      compare(name, "head", &d, &e);
      ++*evaluations;
    }
    if (policy != NULL && has_form(forms, "list")) {
      CHECK_RESULT(corsgate_evaluate_headers(policy, method.ptr, method.len,
                                             headers, nheaders, &d),
                   CORSGATE_RESULT_OK);
      compare(name, "list", &d, &e);
      ++*evaluations;
    }
    if (policy != NULL && has_form(forms, "view")) {
      /* Index the four fields the way a host such as nginx does. */
      corsgate_slice *lines = calloc(nheaders + 1, sizeof *lines);
      if (lines == NULL) {
        die(r, "out of memory");
      }
      corsgate_view v;
      memset(&v, 0, sizeof v);
      v.method = method;
      v.request_headers = lines;
      for (size_t i = 0; i < nheaders; i++) {
        corsgate_slice n = headers[i].name;
        if (name_is(n, "origin")) {
          field_add(&v.origin, headers[i].value);
        } else if (name_is(n, "access-control-request-method")) {
          field_add(&v.request_method, headers[i].value);
        } else if (name_is(n, "access-control-request-private-network")) {
          field_add(&v.request_private_network, headers[i].value);
        } else if (name_is(n, "access-control-request-headers")) {
          lines[v.request_headers_count++] = headers[i].value;
        }
      }
      CHECK_RESULT(corsgate_evaluate_view(policy, &v, &d), CORSGATE_RESULT_OK);
      compare(name, "view", &d, &e);
      ++*evaluations;
      free(lines);
    }
    free(headers);
    free(expected);
  }
  return ncases;
}

static int compare_slices(const void *a, const void *b) {
  const corsgate_slice *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = n == 0 ? 0 : memcmp(x->ptr, y->ptr, n);
  return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static size_t replay_builds(reader *r) {
  size_t nbuilds = number(r, "builds");
  for (size_t b = 0; b < nbuilds; b++) {
    corsgate_slice name = item(r, "build");
    corsgate_slice toml = item(r, "toml");
    bool want_ok = slice_eq(item(r, "ok"), "true");
    size_t nwant = number(r, "errors");
    corsgate_slice want[64];
    if (nwant > 64) {
      die(r, "too many errors in one build");
    }
    for (size_t i = 0; i < nwant; i++) {
      want[i] = item(r, "kind");
    }

    const corsgate_policy *p = NULL;
    corsgate_errors *errs = NULL;
    corsgate_result res = corsgate_policy_from_toml(toml.ptr, toml.len, &p, &errs);
    bool ok;
    if (want_ok) {
      ok = res == CORSGATE_RESULT_OK && p != NULL && errs == NULL;
    } else {
      size_t n = corsgate_errors_len(errs);
      corsgate_slice got[64];
      ok = res == CORSGATE_RESULT_INVALID_POLICY && p == NULL && n == nwant;
      for (size_t i = 0; ok && i < n; i++) {
        corsgate_build_error e;
        ok = corsgate_errors_get(errs, i, &e) == CORSGATE_RESULT_OK &&
             e.message.len > 0 && e.kind_name.len > 0;
        got[i] = e.kind_name;
      }
      if (ok) {
        qsort(got, n, sizeof got[0], compare_slices);
        for (size_t i = 0; ok && i < n; i++) {
          ok = slices_eq(got[i], want[i]);
        }
      }
    }
    check_count++;
    if (!ok) {
      check_failures++;
      fprintf(stderr, "FAIL build ");
      print_slice(stderr, name);
      fprintf(stderr, ": result %u, %zu errors (want %s, %zu errors)\n",
              (unsigned)res, corsgate_errors_len(errs), want_ok ? "ok" : "refused",
              nwant);
    }
    corsgate_policy_free(p);
    corsgate_errors_free(errs);
  }
  return nbuilds;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FIXTURE\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) {
    perror(argv[1]);
    return 2;
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
  if (data == NULL || size < 0 || fread(data, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "%s: cannot read\n", argv[1]);
    return 2;
  }
  fclose(f);
  reader r = {data, data + size, argv[1]};

  size_t npolicies = number(&r, "policies");
  named_policy *policies = calloc(npolicies + 1, sizeof *policies);
  if (policies == NULL) {
    die(&r, "out of memory");
  }
  for (size_t i = 0; i < npolicies; i++) {
    policies[i].name = item(&r, "name");
    corsgate_slice toml = item(&r, "toml");
    CHECK_RESULT(corsgate_policy_from_toml(toml.ptr, toml.len,
                                           &policies[i].policy, NULL),
                 CORSGATE_RESULT_OK);
  }
  size_t evaluations = 0;
  size_t ncases = replay_cases(&r, policies, npolicies, &evaluations);
  size_t nbuilds = replay_builds(&r);
  if (r.at != r.end) {
    die(&r, "trailing data");
  }
  for (size_t i = 0; i < npolicies; i++) {
    corsgate_policy_free(policies[i].policy);
  }
  free(policies);
  free(data);

  printf("replay: %zu policies, %zu cases, %zu evaluations, %zu builds "
         "(%d cases failed)\n",
         npolicies, ncases, evaluations, nbuilds, case_failures);
  /* An empty or truncated fixture must not pass silently. */
  CHECK(npolicies > 0);
  CHECK(ncases > 0);
  CHECK(evaluations >= ncases);
  CHECK(nbuilds > 0);
  return check_report("replay");
}
