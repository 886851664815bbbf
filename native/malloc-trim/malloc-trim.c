// trim(): gives the C heap's free pages back to the system (glibc's malloc_trim(0), every
// arena). Freed memory stays in glibc's arenas, and an idle host kept about 45 MB of it: what
// start-up (the database's compilation on V8's threads, migrations, the backup) freed. Node has
// no binding for it; the host calls this once it is idle (src/main/memory-trim.ts).
// Returns true when memory was given back, false when none was (or not glibc: nothing to do).
#include <stdbool.h>
#include <node_api.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __GLIBC__
  bool released = malloc_trim(0) == 1;
#else
  bool released = false;
#endif
  napi_value result;
  napi_get_boolean(env, released, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "trim", fn) != napi_ok) return NULL;
  return exports;
}
