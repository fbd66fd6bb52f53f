/*
 * vmrotate native library: a JSON C ABI over the vmrotate crate.
 *
 * Every function returning `char *` returns a reply, {"ok": ...} or
 * {"error": {"kind": ..., "fault": ..., "message": ...}}, as NUL-terminated UTF-8 JSON that
 * the caller frees with vmr_string_free. Requests are NUL-terminated UTF-8 JSON; a null or
 * non-UTF-8 argument is an "invalid_request" error, never a crash. Schemas: docs/native-abi.md.
 *
 * Kept in step with bindings/native/src/abi.rs by bindings/native/tests/header.rs.
 */
#ifndef VMROTATE_H
#define VMROTATE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version vmr_version reports as "abi". */
#define VMR_ABI_VERSION 1

/* A logged-in connection with its own runtime; opaque. */
typedef struct VmrClient VmrClient;

/* Receives each progress event as JSON (valid during the call) on a worker thread. */
typedef void (*VmrEventCallback)(const char *event_json, void *user_data);

char *vmr_version(void);

char *vmr_plan(const char *request_json);

char *vmr_retention_plan(const char *request_json);

char *vmr_client_new(const char *config_json, VmrClient **out_client);

char *vmr_call(const VmrClient *client, const char *request_json);

/* Asks the calls running on client (on other threads) to stop, returning at once: {"ok": n}. */
char *vmr_cancel(const VmrClient *client);

char *vmr_client_set_event_callback(const VmrClient *client, VmrEventCallback callback, void *user_data);

void vmr_client_free(VmrClient *client);

void vmr_string_free(char *text);

#ifdef __cplusplus
}
#endif

#endif /* VMROTATE_H */
