/*
 * The header compiles as C and its functions link against the built library:
 * scripts/test-native.sh builds this with -Wall -Werror and runs it. Prints one line per
 * check and exits non-zero if one fails.
 */
#include <stdio.h>
#include <string.h>

#include "vmrotate.h"

static int failures = 0;

/* Checks that `reply` contains `expected`, then frees it. */
static void expect(const char *what, char *reply, const char *expected) {
    int ok = reply != NULL && strstr(reply, expected) != NULL;
    printf("%s %s: %s\n", ok ? "ok  " : "FAIL", what, reply != NULL ? reply : "(null)");
    failures += !ok;
    vmr_string_free(reply);
}

int main(void) {
    expect("version", vmr_version(), "\"abi\":1");
    expect("plan", vmr_plan("{\"key\": \"avocado2\", \"stamp\": \"201909250241\"}"),
           "\"new_clone\":\"zz_avocado2-01-201909250241\"");
    expect("null request", vmr_plan(NULL), "\"kind\":\"invalid_request\"");
    expect("retention plan",
           vmr_retention_plan("{\"flavor\": \"restic\", \"rules\": {\"keep_last\": 1}, "
                              "\"snapshots\": [{\"id\": \"s1\", \"time\": \"2024-06-01T12:00:00Z\"}]}"),
           "\"keep\":[\"s1\"]");

    VmrClient *client = (VmrClient *)&failures;
    expect("connect without a server", vmr_client_new("{\"url\": \"\"}", &client), "\"error\"");
    if (client != NULL) {
        puts("FAIL a failed connect leaves *out_client null");
        failures++;
    }
    expect("call without a client", vmr_call(NULL, "{\"op\": \"events\"}"), "\"kind\":\"invalid_request\"");
    expect("cancel without a client", vmr_cancel(NULL), "\"kind\":\"invalid_request\"");
    expect("callback without a client", vmr_client_set_event_callback(NULL, NULL, NULL),
           "\"kind\":\"invalid_request\"");
    vmr_client_free(NULL);
    vmr_string_free(NULL);
    return failures == 0 ? 0 : 1;
}
