#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <microhttpd.h>

static inline int ws_hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes `s` in place as libmicrohttpd does, except that %00 is left as it is: a NUL
 * would end the C string the path and arguments are handed over as, and a request for
 * "/v1/profiles/a%00b" would be answered for "a". Returns the new length. */
static inline size_t ws_mhd_unescape(void *cls, struct MHD_Connection *connection, char *s) {
    (void)cls;
    (void)connection;
    char *out = s;
    for (char *in = s; *in; in++) {
        int high = ws_hex(in[1]), low = high < 0 ? -1 : ws_hex(in[2]);
        if (in[0] == '%' && high >= 0 && low >= 0 && (high | low) != 0) {
            *out++ = (char)(high * 16 + low);
            in += 2;
            continue;
        }
        *out++ = *in;
    }
    *out = 0;
    return (size_t)(out - s);
}

/* MHD_start_daemon is variadic, which Swift cannot call: the options WarehouseSync uses, fixed.
 * An internal epoll thread pool of `threads`, at most `connection_limit` connections, idle ones
 * closed after `timeout_seconds`, bound to `address`. MHD_USE_ITC: stopping wakes the workers even
 * when the connection limit took the listening socket out of their poll set. */
static inline struct MHD_Daemon *ws_mhd_start(
    const struct sockaddr *address, int ipv6, unsigned int threads, unsigned int connection_limit,
    unsigned int timeout_seconds, MHD_AccessHandlerCallback handler, void *handler_cls,
    MHD_RequestCompletedCallback completed) {
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | (ipv6 ? MHD_USE_IPv6 : 0);
    return MHD_start_daemon(
        flags, 0, NULL, NULL, handler, handler_cls,
        MHD_OPTION_SOCK_ADDR, address,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
        MHD_OPTION_NOTIFY_COMPLETED, completed, handler_cls,
        MHD_OPTION_UNESCAPE_CALLBACK, ws_mhd_unescape, NULL,
        MHD_OPTION_END);
}

/* The port the daemon listens on (useful when it was asked for port 0). */
static inline uint16_t ws_mhd_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}
