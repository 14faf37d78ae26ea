/*
 * check.h: the few helpers the C tests share. Each test program counts its
 * failed checks and exits non-zero if there was any.
 */
#ifndef CORSGATE_TEST_CHECK_H
#define CORSGATE_TEST_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "corsgate.h"

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond)                                                           \
  do {                                                                        \
    check_count++;                                                            \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      check_failures++;                                                       \
    }                                                                         \
  } while (0)

/* Checks a call's result code, naming both codes on failure. */
#define CHECK_RESULT(call, want)                                               \
  do {                                                                         \
    corsgate_result got_ = (call);                                             \
    corsgate_result want_ = (want);                                            \
    check_count++;                                                             \
    if (got_ != want_) {                                                       \
      corsgate_slice g_ = corsgate_result_str(got_);                           \
      corsgate_slice w_ = corsgate_result_str(want_);                          \
      fprintf(stderr, "%s:%d: %s returned %.*s, expected %.*s\n", __FILE__,    \
              __LINE__, #call, (int)g_.len, (const char *)g_.ptr, (int)w_.len, \
              (const char *)w_.ptr);                                           \
      check_failures++;                                                        \
    }                                                                          \
  } while (0)

/* A slice over a NUL-terminated literal (the NUL is not part of it). */
static inline corsgate_slice text(const char *s) {
  corsgate_slice out = {(const uint8_t *)s, strlen(s)};
  return out;
}

static inline bool slice_eq(corsgate_slice s, const char *want) {
  size_t n = strlen(want);
  return s.len == n && (n == 0 || memcmp(s.ptr, want, n) == 0);
}

static inline bool slices_eq(corsgate_slice a, corsgate_slice b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Prints the summary line and returns the process exit status. */
/* Whether two decisions say the same thing, header by header. */
static inline bool decisions_equal(const corsgate_decision *a,
                            const corsgate_decision *b) {
  if (a->kind != b->kind || a->allowed != b->allowed ||
      a->reason != b->reason || a->status != b->status ||
      a->header_count != b->header_count) {
    return false;
  }
  for (size_t i = 0; i < a->header_count; i++) {
    if (!slices_eq(a->headers[i].name, b->headers[i].name) ||
        !slices_eq(a->headers[i].value, b->headers[i].value)) {
      return false;
    }
  }
  return true;
}

static inline int check_report(const char *program) {
  if (check_failures > 0) {
    fprintf(stderr, "%s: %d of %d checks FAILED\n", program, check_failures,
            check_count);
    return 1;
  }
  printf("%s: %d checks passed\n", program, check_count);
  return 0;
}

#endif /* CORSGATE_TEST_CHECK_H */
