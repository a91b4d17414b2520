#ifndef BALIE_CMICROHTTPD_SHIM_H
#define BALIE_CMICROHTTPD_SHIM_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/* Swift cannot call variadic C functions: these wrappers fix the option list. */

/* Identity unescaper: BalieHTTP decodes percent-encoding itself, strictly, so that a bad
   escape is a 400 and "%2F" stays distinct from "/". */
static size_t cmhd_keep_escaped(void *cls, struct MHD_Connection *c, char *s) {
  (void)cls; (void)c;
  return strlen(s);
}

static inline struct MHD_Daemon *cmhd_start_daemon(
    unsigned int flags, const char *host, uint16_t port,
    MHD_AccessHandlerCallback handler, void *handler_cls,
    MHD_RequestCompletedCallback completed, void *completed_cls,
    unsigned int thread_pool_size, unsigned int connection_limit,
    unsigned int per_ip_connection_limit, unsigned int connection_timeout,
    size_t connection_memory_limit, const char *tls_key_pem, const char *tls_cert_pem) {
  struct sockaddr_in6 addr6;
  struct sockaddr_in addr4;
  const struct sockaddr *bind_addr = NULL;
  memset(&addr6, 0, sizeof addr6);
  memset(&addr4, 0, sizeof addr4);
  if (host != NULL && inet_pton(AF_INET, host, &addr4.sin_addr) == 1) {
    addr4.sin_family = AF_INET;
    addr4.sin_port = htons(port);
    bind_addr = (const struct sockaddr *)&addr4;
  } else if (host != NULL && inet_pton(AF_INET6, host, &addr6.sin6_addr) == 1) {
    addr6.sin6_family = AF_INET6;
    addr6.sin6_port = htons(port);
    bind_addr = (const struct sockaddr *)&addr6;
    flags |= MHD_USE_IPv6;
  } else if (host != NULL) {
    return NULL;
  }
  struct MHD_OptionItem options[16];
  int n = 0;
  options[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, completed_cls};
  options[n++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)&cmhd_keep_escaped, NULL};
  if (thread_pool_size > 1)
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size, NULL};
  options[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, connection_limit, NULL};
  options[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_connection_limit, NULL};
  options[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout, NULL};
  options[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)connection_memory_limit, NULL};
  if (bind_addr != NULL)
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)bind_addr};
  if (tls_key_pem != NULL && tls_cert_pem != NULL) {
    flags |= MHD_USE_TLS;
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)tls_key_pem};
    options[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)tls_cert_pem};
  }
  options[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

static inline uint16_t cmhd_bound_port(struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  return info == NULL ? 0 : info->port;
}

static inline unsigned int cmhd_current_connections(struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
  return info == NULL ? 0 : info->num_connections;
}

/* The client's address as text ("192.0.2.1" or "2001:db8::1"); empty when unknown. */
static inline void cmhd_client_address(struct MHD_Connection *c, char *buffer, size_t size) {
  buffer[0] = 0;
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == NULL || info->client_addr == NULL) return;
  const struct sockaddr *sa = info->client_addr;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buffer, (socklen_t)size);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buffer, (socklen_t)size);
}

#endif
