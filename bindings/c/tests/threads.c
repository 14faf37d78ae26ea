/*
 * threads.c: 4 threads x 100,000 evaluations against one shared policy.
 *
 * Each thread owns a reference (corsgate_policy_clone) and releases it when
 * done; the main thread drops its own reference as soon as the threads are
 * started, so the last thread to finish frees the policy. Every decision is
 * checked against the one computed up front, so a data race that corrupts
 * a result is caught here and a race in the reference count is caught by
 * the sanitizer and valgrind runs.
 */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"

#define THREADS 4
#define EVALUATIONS 100000

static const char POLICY[] =
    "origins = [\"https://app.example.com\", \"https://*.example.com\"]\n"
    "methods = [\"PUT\", \"DELETE\"]\n"
    "request_headers = [\"content-type\", \"authorization\"]\n"
    "credentials = true\nmax_age = 600\n";

static const char *const HEADS[] = {
    "OPTIONS /a HTTP/1.1\r\nHost: api\r\nOrigin: https://app.example.com\r\n"
    "Access-Control-Request-Method: PUT\r\n"
    "Access-Control-Request-Headers: content-type, authorization\r\n\r\n",
    "GET /b HTTP/1.1\r\nHost: api\r\nOrigin: https://x.y.example.com\r\n\r\n",
    "GET /c HTTP/1.1\r\nHost: api\r\nOrigin: https://evil.example.org\r\n\r\n",
    "OPTIONS /d HTTP/1.1\r\nOrigin: https://app.example.com\r\n"
    "Access-Control-Request-Method: PATCH\r\n\r\n",
    "GET /e HTTP/1.1\r\nHost: api\r\n\r\n",
};
#define NHEADS (sizeof HEADS / sizeof HEADS[0])

typedef struct {
  const corsgate_policy *policy; /* this thread's own reference */
  const corsgate_decision *expected;
  unsigned seed;
  long mismatches;
} job;

static void *worker(void *arg) {
  job *j = arg;
  unsigned x = j->seed;
  for (long i = 0; i < EVALUATIONS; i++) {
    x = x * 1103515245u + 12345u; /* a private LCG: no shared rand() state */
    size_t k = (x >> 16) % NHEADS;
    corsgate_decision d;
    if (corsgate_evaluate_head(j->policy, (const uint8_t *)HEADS[k],
                               strlen(HEADS[k]), &d) != CORSGATE_RESULT_OK ||
        !decisions_equal(&d, &j->expected[k])) {
      j->mismatches++;
    }
  }
  corsgate_policy_free(j->policy);
  return NULL;
}

int main(void) {
  const corsgate_policy *policy = NULL;
  CHECK_RESULT(corsgate_policy_from_toml((const uint8_t *)POLICY,
                                         strlen(POLICY), &policy, NULL),
               CORSGATE_RESULT_OK);
  if (policy == NULL) {
    return check_report("threads");
  }
  corsgate_decision expected[NHEADS];
  for (size_t k = 0; k < NHEADS; k++) {
    CHECK_RESULT(corsgate_evaluate_head(policy, (const uint8_t *)HEADS[k],
                                        strlen(HEADS[k]), &expected[k]),
                 CORSGATE_RESULT_OK);
  }
  CHECK(expected[0].allowed && expected[1].allowed && !expected[2].allowed);

  pthread_t threads[THREADS];
  job jobs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t].policy = corsgate_policy_clone(policy);
    jobs[t].expected = expected;
    jobs[t].seed = 2654435761u * (unsigned)(t + 1);
    jobs[t].mismatches = 0;
    CHECK(jobs[t].policy == policy);
  }
  for (int t = 0; t < THREADS; t++) {
    CHECK(pthread_create(&threads[t], NULL, worker, &jobs[t]) == 0);
  }
  /* Drop our reference now: the last worker to finish frees the policy.
   * The expected decisions borrow from it (the max-age digits), but they
   * are only read by workers, each of which still holds a reference. */
  corsgate_policy_free(policy);
  long mismatches = 0;
  for (int t = 0; t < THREADS; t++) {
    CHECK(pthread_join(threads[t], NULL) == 0);
    mismatches += jobs[t].mismatches;
  }
  CHECK(mismatches == 0);
  printf("threads: %d x %d evaluations, %ld mismatches\n", THREADS,
         EVALUATIONS, mismatches);
  return check_report("threads");
}
