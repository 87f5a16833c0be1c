/* fuzz_router.c -- libFuzzer target for the service's request targets and
 * routes (src/server/router.c): the first byte picks the method, the rest
 * is the target as a client sends it. A target is parsed or refused with
 * 400 and a reason, never crashes; what parses has a decoded path that
 * starts with '/' and no dot segment, parameters within the bound, and is
 * routed to 0, 404 or 405 with a NAME segment that lies inside the path and
 * holds no '/'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "router.h"

/* The service's path shapes (routes.c), and a NAME segment with a suffix
 * as later routes will have. */
static const srv_route table[] = {
    {"GET", "/status", 0, 0, NULL, "/status"},
    {"GET", "/status/live", 0, 0, NULL, "/status/live"},
    {"GET", "/m/raw_lookup", 1, 0, NULL, "/m/raw_lookup"},
    {"GET", "/m/lookup", 1, 0, NULL, "/m/lookup"},
    {"POST", "/m/lookup", 1, 1, NULL, "/m/lookup"},
    {"GET", "/c/banks", 1, 0, NULL, "/c/banks"},
    {"GET", "/c/bank/*", 1, 0, NULL, "/c/bank/<bank_name>"},
    {"PUT", "/c/bank/*", 2, 1, NULL, "/c/bank/<bank_name>"},
    {"POST", "/c/bank/*/content", 2, 1, NULL, "/c/bank/<bank_name>/content"},
    {"GET", "/c/bank/*/content/*", 1, 0, NULL, "/c/bank/<bank_name>/content/<int:content_id>"},
    {"POST", "/v1/prompt", 1, 1, NULL, "/v1/prompt"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"};
    srv_target t;
    const char *why, *name;
    const srv_route *route;
    size_t nlen;
    char allow[64];
    if (size == 0)
        return 0;
    char *uri = malloc(size); /* not NUL-terminated on purpose: the length rules */
    if (!uri)
        return 0;
    memcpy(uri, data + 1, size - 1);
    int rc = srv_target_parse(uri, size - 1, &t, &why);
    if (rc != 0) {
        if (rc != 400 || !why)
            abort();
        free(uri);
        return 0;
    }
    if (t.path[0] != '/' || strstr(t.path, "/../") || t.nparams > SRV_MAX_PARAMS)
        abort();
    for (size_t i = 0; i < t.nparams; i++)
        if (!t.params[i].key || !t.params[i].value || srv_param_get(&t, t.params[i].key) == NULL)
            abort();
    rc = srv_route_find(table, sizeof table / sizeof table[0], methods[data[0] % 6], t.path,
                        &route, &name, &nlen, allow, sizeof allow);
    if (rc == 0 && (!route || name < t.path || name + nlen > t.path + strlen(t.path) ||
                    memchr(name, '/', nlen)))
        abort();
    if (rc != 0 && rc != 404 && (rc != 405 || !allow[0]))
        abort();
    srv_target_free(&t);
    free(uri);
    return 0;
}
