// The first element of a typed array, for views of an ArrayBuffer or of a SharedArrayBuffer alike
// (Napi::TypedArray::ArrayBuffer() refuses the shared kind). Null for an empty or detached view.
#pragma once
#include <napi.h>

#include <stdexcept>

namespace attnkit {

template <typename T>
T* typed_data(const Napi::TypedArray& t) {
  void* data = nullptr;
  if (napi_get_typedarray_info(t.Env(), t, nullptr, nullptr, &data, nullptr, nullptr) != napi_ok)
    throw std::invalid_argument("attnkit native: could not read a typed array's memory");
  return static_cast<T*>(data);
}

}  // namespace attnkit
