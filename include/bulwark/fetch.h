/* bulwark/fetch.h -- fetch one URL into memory under a policy: the hosts
 * it may reach, whether they may resolve to private or loopback
 * addresses, a size cap, a timeout and a number of redirects. It is what
 * `bulwark serve` answers `GET /h/hash?url=` and `GET /m/lookup?url=`
 * with (docs/serve.md, "Fetching URLs"), made to be safe to point at
 * URLs from strangers:
 *
 *   - only http and https; every URL (the first and each redirect's) must
 *     name an allowed host, "HOST" (any port) or "HOST:PORT", compared
 *     without regard to case; redirects are followed here, hop by hop,
 *     never by libcurl, so that each is checked;
 *   - the address actually connected to is checked (after DNS, so a name
 *     that resolves to 127.0.0.1 is caught too): loopback, private,
 *     link-local, shared (100.64/10), "this network" (0/8) and the IPv6
 *     equivalents (::1, fc00::/7, fe80::/10, IPv4-mapped) are refused
 *     unless the policy allows private addresses;
 *   - a declared Content-Length over the cap is refused before the body,
 *     and a body growing past it is cut off;
 *   - no proxy from the environment, no cookies, no signals; nothing is
 *     written to disk.
 *
 * The library is libcurl (docs/design.md). */
#ifndef BULWARK_FETCH_H
#define BULWARK_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BW_FETCH_DEFAULT_MAX_REDIRECTS 5

typedef struct bw_fetch_policy {
    const char *const *allow;   /* "HOST" or "HOST:PORT"; none: every URL is refused */
    size_t nallow;
    int allow_private;          /* let allowed hosts resolve to private/loopback addresses */
    uint64_t max_bytes;         /* the largest body (0: refuse any non-empty body) */
    unsigned timeout_ms;        /* the whole fetch, redirects included (0: 10 s) */
    unsigned max_redirects;     /* redirects followed at most */
} bw_fetch_policy;

/* A body fetched: malloc'd bytes, the response's Content-Type (NULL when
 * it had none) and the URL it came from after the redirects. */
typedef struct bw_fetched {
    unsigned char *data;
    size_t len;
    char *content_type;
    char *url;
} bw_fetched;

/* Check a policy's allow list: BW_ERR_ARG naming the first bad entry
 * (an empty host, a port that is not 1..65535). */
bw_status bw_fetch_policy_check(const bw_fetch_policy *p, bw_error *err);

/* Fetch url into *out. Fails with a message naming the URL and why:
 *   BW_ERR_ARG          refused by the policy: not http/https, a host not
 *                       allowed, a redirect to a host not allowed, an
 *                       address that is private or loopback, too many
 *                       redirects, a URL that does not parse
 *   BW_ERR_LIMIT        larger than max_bytes
 *   BW_ERR_IO           the fetch failed: a timeout, HTTP status >= 400,
 *                       a connection or TLS error
 *   BW_ERR_NOMEM        out of memory
 * Thread-safe; libcurl is initialised once, on the first call. */
bw_status bw_fetch(const bw_fetch_policy *p, const char *url, bw_fetched *out, bw_error *err);
void bw_fetched_free(bw_fetched *f);

/* 1 if the IP address literal ip (IPv4 dotted or IPv6) is one the policy
 * refuses unless it allows private addresses (loopback, private,
 * link-local, ...); 0 if it is public; -1 if ip is not an address. */
int bw_fetch_address_private(const char *ip);

#ifdef __cplusplus
}
#endif
#endif
