// peerPid(fd): the pid of the process that connected the unix socket `fd` (SO_PEERCRED, Linux),
// as the kernel recorded it at connect() time. Node has no binding for it; the host needs it to
// tell an agent's `vigil` call from the user's without spawning `ss` per connection.
// Returns the pid (0 when the peer lives in a pid namespace this process cannot see), or -errno.
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <node_api.h>

static napi_value peer_pid(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "peerPid(fd): fd must be a non-negative integer");
    return NULL;
  }
#ifdef SO_PEERCRED
  struct ucred cred;
  socklen_t len = sizeof cred;
  int answer = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? (int)cred.pid : -errno;
#else
  int answer = -ENOPROTOOPT;
#endif
  napi_create_int32(env, answer, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "peerPid", NAPI_AUTO_LENGTH, peer_pid, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "peerPid", fn) != napi_ok) return NULL;
  return exports;
}
