/*
 * panic.c: a panic inside an export comes back as CORSGATE_RESULT_PANIC,
 * not as an abort or an unwind into C, and the library keeps working.
 *
 * Needs a library built with the `test-panic` feature, which adds
 * corsgate_test_panic(); compile with -DCORSGATE_TEST_PANIC.
 */
#ifndef CORSGATE_TEST_PANIC
#error "build with -DCORSGATE_TEST_PANIC against a test-panic library"
#endif

#include "check.h"

int main(void) {
  for (int i = 0; i < 3; i++) {
    CHECK_RESULT(corsgate_test_panic(), CORSGATE_RESULT_PANIC);
  }
  CHECK(slice_eq(corsgate_result_str(CORSGATE_RESULT_PANIC), "panic"));

  /* Still usable afterwards. */
  const char *toml = "origins = [\"https://app.example.com\"]\n";
  const corsgate_policy *p = NULL;
  CHECK_RESULT(corsgate_policy_from_toml((const uint8_t *)toml, strlen(toml),
                                         &p, NULL),
               CORSGATE_RESULT_OK);
  const char *head = "GET / HTTP/1.1\r\nOrigin: https://app.example.com\r\n\r\n";
  corsgate_decision d;
  CHECK_RESULT(corsgate_evaluate_head(p, (const uint8_t *)head, strlen(head), &d),
               CORSGATE_RESULT_OK);
  CHECK(d.allowed);
  corsgate_policy_free(p);
  return check_report("panic");
}
