#pragma once
// The SIMD policy: when element-wise functions run on vectors (docs/simd.md).
//
// Opt-in: TAPELESS_SIMD=1 (what linking CMake's tapeless::simd defines) and xsimd 8 on the include
// path. Without it this header defines nothing more and every sweep is the scalar code it always
// was. With it:
//  - What: a tensor node of exp, log, tanh, sigmoid, softplus, sin, cos or sqrt, with scalar type
//    double or float, computed into its slot or its result (map_into, ops/arithmetic.hpp) runs
//    the kernels of detail/simd_math.hpp over the whole array, xsimd::batch<T> at a time (the
//    widest instruction set the compiler targets: SSE2 by default, AVX2/AVX-512 with
//    -march=native). A last partial batch is the last full one again, overlapping (or padded,
//    for a tensor smaller than a batch or in place). An operand computed on the fly (a fused node: eval/program.hpp) is
//    first written element by element into the output, with its own scalar operations, then
//    transformed in place, a chunk at a time while it is in L1.
//  - Except where the kernel is slower than glibc: log, sigmoid and softplus of doubles with
//    only two lanes (SSE2) stay scalar (slower_than_scalar_v).
//  - Such a node is never fused into its consumer's loop (fusion_plan): it is stored and computed
//    vectorised. Its own operand may still be fused into it (tanh(W z + b) stays one node).
//  - Scalars, other scalar types and constant evaluation (std::is_constant_evaluated) keep the
//    scalar path, detail/cmath.hpp, exactly.
//  - Accuracy: within 4 ulp of <cmath> over the whole range, edge cases included (measured max
//    per function in docs/simd.md, asserted in test/core/simd.cpp); sqrt is exact. No
//    -ffast-math is needed or assumed. Gradients use the same kernels (their nodes are nodes).
#ifndef TAPELESS_SIMD
#define TAPELESS_SIMD 0
#endif

#if TAPELESS_SIMD
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <type_traits>

#include "../ops/fwd.hpp"
#include "../tensor.hpp"
#include "simd_math.hpp"

namespace tapeless::detail::simd {

// The kernel of an element-wise op, void when it has none.
template <class Op>
struct kernel_of {
  using type = void;
};
// clang-format off
template <> struct kernel_of<exp_op> { using type = simd_math::exp_kernel; };
template <> struct kernel_of<log_op> { using type = simd_math::log_kernel; };
template <> struct kernel_of<tanh_op> { using type = simd_math::tanh_kernel; };
template <> struct kernel_of<sigmoid_op> { using type = simd_math::sigmoid_kernel; };
template <> struct kernel_of<softplus_op> { using type = simd_math::softplus_kernel; };
template <> struct kernel_of<sin_op> { using type = simd_math::sin_kernel; };
template <> struct kernel_of<cos_op> { using type = simd_math::cos_kernel; };
template <> struct kernel_of<sqrt_op> { using type = simd_math::sqrt_kernel; };
// clang-format on
template <class Op>
inline constexpr bool has_kernel_v = !std::is_void_v<typename kernel_of<Op>::type>;

template <class T>
inline constexpr bool vector_scalar_v = std::is_same_v<T, double> || std::is_same_v<T, float>;

// Where a kernel is slower than glibc's scalar function it is not used: with two double lanes
// (SSE2, the default x86-64 target) log, and sigmoid and softplus (exp with a division, or with
// xsimd's log1p) ran at 0.6-0.9x of glibc (docs/simd.md); from AVX's four lanes on they are
// 3.5-4x faster.
template <class Op, class T>
inline constexpr bool slower_than_scalar_v =
    std::is_same_v<T, double> && xsimd::batch<double>::size < 4 &&
    (std::is_same_v<Op, log_op> || std::is_same_v<Op, sigmoid_op> ||
     std::is_same_v<Op, softplus_op>);

// Op's kernel is used for scalar type T.
template <class Op, class T>
inline constexpr bool kernel_used_v =
    has_kernel_v<Op> && vector_scalar_v<T> && !slower_than_scalar_v<Op, T>;

// map_into<Op>(out, a) runs vectorised: Op's kernel is used for out's scalar type, a tensor's.
template <class Op, class Out>
inline constexpr bool vectorised_v =
    shape_of_value_t<Out>::rank > 0 && kernel_used_v<Op, scalar_of_t<Out>>;

// A node of Op is stored, not fused into its consumer (eval/program.hpp), when its kernel is used
// for double. (The fusion plan is made before the scalar type is known; double is the default.)
template <class Op>
inline constexpr bool stored_v = kernel_used_v<Op, double>;

// out[i] = K(in[i]) for i < n, in == out allowed. Not forced inline: one copy per kernel, scalar
// type and instruction set (B names the latter), however many nodes use it.
template <class K, class B>
void map_array(typename B::value_type* out, const typename B::value_type* in, std::size_t n) {
  using T = typename B::value_type;
  constexpr std::size_t w = B::size;
  std::size_t i = 0;
  for (; i + w <= n; i += w) K::apply(B::load_unaligned(in + i)).store_unaligned(out + i);
  if (i == n) return;
  if (n >= w && in != out) {
    // The tail as the last full batch, overlapping the one before: the kernel works lane by
    // lane, so the elements computed twice get the same values (and a padded copy through a
    // buffer costs two store-forwarding stalls, more than the kernel on a small tensor).
    K::apply(B::load_unaligned(in + n - w)).store_unaligned(out + n - w);
  } else {  // in place, or fewer elements than a batch: padded with zeros (harmless)
    alignas(B::arch_type::alignment()) T buf[w] = {};
    std::copy(in + i, in + n, buf);
    K::apply(B::load_aligned(buf)).store_aligned(buf);
    std::copy(buf, buf + (n - i), out + i);
  }
}

// Elements of an operand at a time: what a fused operand writes into the output before the kernel
// runs over it in place (small enough to stay in L1 between the two passes).
inline constexpr std::size_t chunk = 512;

template <class A, class T>
inline constexpr bool contiguous_v =
    std::is_same_v<scalar_of_t<A>, T> && requires(const A& a) {
      { a.data.data() } -> std::convertible_to<const T*>;
    };

template <class Op, class Out, class A>
TAPELESS_INLINE void map_into(Out& out, const A& a) {
  using T = scalar_of_t<Out>;
  using B = xsimd::batch<T>;
  using K = typename kernel_of<Op>::type;
  constexpr std::size_t n = size_of_value_v<Out>;
  T* const o = out.data.data();
  if constexpr (contiguous_v<A, T>) {
    map_array<K, B>(o, a.data.data(), n);
  } else {
    for (std::size_t c = 0; c < n; c += chunk) {
      const std::size_t e = std::min(n, c + chunk);
      for (std::size_t i = c; i < e; ++i) o[i] = static_cast<T>(elem(a, i));
      map_array<K, B>(o + c, o + c, e - c);
    }
  }
}

}  // namespace tapeless::detail::simd
#endif
