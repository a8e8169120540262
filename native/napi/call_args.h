// One addon call's arguments as the checks of sdpa_args.cc and linear_args.cc see them: no N-API types,
// so the addon (js_args.h) and the fuzz harnesses (native/fuzz/) run the same checks.
#pragma once
#include <cstddef>

namespace attnkit {

// null or undefined, one of the typed arrays the addon takes, or any other value.
enum class ArgType { kNull, kFloat32, kFloat64, kUint8, kUint16, kInt32, kOther };

struct CallArg {
  ArgType type;
  size_t length;  // elements of a typed array, else 0
};

struct CallArgs {
  const CallArg* args;
  size_t count;
  // The first element of typed array i; asked for only once the checks before it have passed, in the
  // order they always ran (the addon's lookup can throw).
  void* (*data)(const void* ctx, size_t i);
  const void* ctx;

  const CallArg& operator[](size_t i) const { return args[i]; }
  float* f32(size_t i) const { return static_cast<float*>(data(ctx, i)); }
};

}  // namespace attnkit
