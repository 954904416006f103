#pragma once
// Where values live: the one storage policy of tapeless (docs/design.md, "Storage").
//
// Shapes are static, sizes are not limited by the stack:
//  - A tensor of at most TAPELESS_INLINE_TENSOR_BYTES bytes keeps its elements inline (a
//    std::array): small models stay as fast as hand-written code, with every value in registers
//    or on the stack. A larger tensor owns one heap block of its fixed size, allocated when the
//    tensor is made, freed when it dies, copied element by element and moved by pointer.
//  - The store of a sweep (one slot per intermediate, eval/program.hpp) lives on the stack when it
//    is at most TAPELESS_INLINE_STORE_BYTES bytes and holds no heap tensor. Otherwise it is a
//    workspace of the calling thread, allocated by the first sweep of that program on the thread
//    and reused by every later one: a right-hand side evaluated a million times by a solver
//    allocates nothing after its first evaluation, and every thread of a batch has its own.
//
// Both limits can be set before the first tapeless include; they change where values live, never
// a result.
#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <type_traits>
#include <utility>

#include "config.hpp"

#ifndef TAPELESS_INLINE_TENSOR_BYTES
#define TAPELESS_INLINE_TENSOR_BYTES 4096
#endif
#ifndef TAPELESS_INLINE_STORE_BYTES
#define TAPELESS_INLINE_STORE_BYTES 32768
#endif

namespace tapeless {

inline constexpr std::size_t inline_tensor_bytes = TAPELESS_INLINE_TENSOR_BYTES;
inline constexpr std::size_t inline_store_bytes = TAPELESS_INLINE_STORE_BYTES;

namespace detail {

// N elements of T in one heap block: std::array's interface, value semantics. Zeroed when made,
// like a value-initialised std::array. One made by moving from another takes its block and leaves
// it empty; assigning to an empty one allocates again.
template <class T, std::size_t N>
class heap_array {
 public:
  using value_type = T;
  constexpr heap_array() : p_(new T[N]()) {}
  constexpr heap_array(std::initializer_list<T> values) : heap_array() {
    std::copy_n(values.begin(), std::min(values.size(), N), p_);
  }
  constexpr heap_array(const heap_array& o) : p_(new T[N]) { std::copy_n(o.p_, N, p_); }
  constexpr heap_array(heap_array&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  constexpr heap_array& operator=(const heap_array& o) {
    if (this != &o) {
      if (!p_) p_ = new T[N];
      std::copy_n(o.p_, N, p_);
    }
    return *this;
  }
  constexpr heap_array& operator=(heap_array&& o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  constexpr ~heap_array() { delete[] p_; }

  TAPELESS_INLINE constexpr T& operator[](std::size_t i) { return p_[i]; }
  TAPELESS_INLINE constexpr const T& operator[](std::size_t i) const { return p_[i]; }
  TAPELESS_INLINE constexpr T* data() { return p_; }
  TAPELESS_INLINE constexpr const T* data() const { return p_; }
  constexpr T* begin() { return p_; }
  constexpr T* end() { return p_ + N; }
  constexpr const T* begin() const { return p_; }
  constexpr const T* end() const { return p_ + N; }
  static constexpr std::size_t size() { return N; }
  friend constexpr bool operator==(const heap_array& a, const heap_array& b) {
    return std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  T* p_;
};

template <class T, std::size_t N>
inline constexpr bool is_inline_tensor_v = N * sizeof(T) <= inline_tensor_bytes;

// The element storage of a tensor of N elements of T.
template <class T, std::size_t N>
using tensor_storage_t =
    std::conditional_t<is_inline_tensor_v<T, N>, std::array<T, N>, heap_array<T, N>>;

// A value whose elements are on the heap (a tensor with heap storage).
template <class V>
inline constexpr bool on_heap_v = false;
template <class V>
  requires requires { typename V::storage_type; }
inline constexpr bool on_heap_v<V> = !is_inline_tensor_v<typename V::value_type, V::size>;

// The workspace of store type S on the calling thread (see the top of this file).
template <class S>
S& thread_workspace() {
  thread_local const std::unique_ptr<S> w = std::make_unique<S>();
  return *w;
}

}  // namespace detail
}  // namespace tapeless
