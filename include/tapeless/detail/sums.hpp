#pragma once
// How tapeless adds up a long sum: the one summation policy of the sweeps (sum, the long dot
// products of matmul). Documented in docs/performance.md, "Sums".
//
// A sum of n terms, added left to right, is one chain of n dependent additions: the adder's
// latency (4 cycles on current x86) times n, whatever else the core could do meanwhile. From
// partial_sums_from terms on, the sum runs in four partial sums, over the terms p = 0, 4, 8, ...,
// p = 1, 5, 9, ..., p = 2, ... and p = 3, ..., combined as (s0 + s1) + (s2 + s3): four
// independent chains, as in hand-written code unrolled by four and as a vectoriser would do under
// -ffast-math, but fixed by the type, so the result is the same on every run, compiler and
// target (no -ffast-math, nothing left to the optimiser's choice). The error bound is that of
// the left-to-right sum or better (each partial sum has a quarter of the terms).
// Shorter sums are added left to right.
#include <cstddef>

#include "../config.hpp"

namespace tapeless::detail {

inline constexpr std::size_t partial_sums_from = 16;

// The sum of term(p) for p in [0, n), in four partial sums (n >= partial_sums_from).
template <class T, std::size_t n, class Term>
TAPELESS_INLINE constexpr T partial_sums(Term&& term) {
  static_assert(n >= 4);
  T s0 = term(0), s1 = term(1), s2 = term(2), s3 = term(3);
  constexpr std::size_t blocked = n - n % 4;
  for (std::size_t p = 4; p < blocked; p += 4) {
    s0 += term(p);
    s1 += term(p + 1);
    s2 += term(p + 2);
    s3 += term(p + 3);
  }
  for (std::size_t p = blocked; p < n; ++p) s0 += term(p);
  return (s0 + s1) + (s2 + s3);
}

}  // namespace tapeless::detail
