#pragma once
// Elementary functions that also run in constant evaluation. At run time they call <cmath>, so
// nothing is lost in speed or accuracy; at compile time they use series that are accurate to a
// few ulp over the ranges models use, which is what `constexpr` derivatives need.
#include <cmath>
#include <limits>
#include <type_traits>

namespace tapeless::detail::cmath {

template <class T>
constexpr T ce_exp(T x) {
  // exp(x) = 2^k * exp(r), |r| <= ln2/2, Taylor series on r.
  constexpr T ln2 = T(0.693147180559945309417232121458176568L);
  if (x != x) return x;
  if (x > T(700)) return std::numeric_limits<T>::infinity();
  if (x < T(-700)) return T(0);
  long long k = static_cast<long long>(x / ln2 + (x < 0 ? T(-0.5) : T(0.5)));
  T r = x - T(k) * ln2;
  T term = 1, sum = 1;
  for (int n = 1; n < 30; ++n) {
    term *= r / T(n);
    sum += term;
  }
  T p = 1;
  T base = k >= 0 ? T(2) : T(0.5);
  for (long long i = 0, n = k >= 0 ? k : -k; i < n; ++i) p *= base;
  return sum * p;
}

// exp(x) - 1 without cancellation near 0.
template <class T>
constexpr T ce_expm1(T x) {
  if (x > T(-0.5) && x < T(0.5)) {
    T term = x, sum = x;
    for (int n = 2; n < 30; ++n) {
      term *= x / T(n);
      sum += term;
    }
    return sum;
  }
  return ce_exp(x) - T(1);
}

template <class T>
constexpr T ce_log(T x) {
  // Reduce x = m * 2^k with m in [0.75, 1.5), then atanh series: log m = 2 atanh((m-1)/(m+1)).
  constexpr T ln2 = T(0.693147180559945309417232121458176568L);
  if (x != x || x < 0) return std::numeric_limits<T>::quiet_NaN();
  if (x == 0) return -std::numeric_limits<T>::infinity();
  int k = 0;
  while (x >= T(1.5)) { x /= 2; ++k; }
  while (x < T(0.75)) { x *= 2; --k; }
  T s = (x - 1) / (x + 1), s2 = s * s, term = s, sum = 0;
  for (int n = 1; n < 60; n += 2) {
    sum += term / T(n);
    term *= s2;
  }
  return 2 * sum + T(k) * ln2;
}

template <class T>
constexpr T ce_sqrt(T x) {
  if (x != x || x < 0) return std::numeric_limits<T>::quiet_NaN();
  if (x == 0 || x == std::numeric_limits<T>::infinity()) return x;
  T r = x > 1 ? x : T(1);
  for (int i = 0; i < 200; ++i) {
    T next = (r + x / r) / 2;
    if (next == r) break;
    r = next;
  }
  return r;
}

template <class T>
constexpr T ce_sin_reduced(T r) {  // |r| <= pi/4
  T term = r, sum = r, r2 = r * r;
  for (int n = 1; n < 15; ++n) {
    term *= -r2 / T((2 * n) * (2 * n + 1));
    sum += term;
  }
  return sum;
}
template <class T>
constexpr T ce_cos_reduced(T r) {
  T term = 1, sum = 1, r2 = r * r;
  for (int n = 1; n < 15; ++n) {
    term *= -r2 / T((2 * n - 1) * (2 * n));
    sum += term;
  }
  return sum;
}
// Quadrant of x and the remainder in [-pi/4, pi/4].
template <class T>
constexpr void ce_reduce(T x, long long& q, T& r) {
  constexpr T half_pi = T(1.57079632679489661923132169163975144L);
  q = static_cast<long long>(x / half_pi + (x < 0 ? T(-0.5) : T(0.5)));
  r = x - T(q) * half_pi;
}
template <class T>
constexpr T ce_sin(T x) {
  long long q = 0;
  T r = 0;
  ce_reduce(x, q, r);
  switch (((q % 4) + 4) % 4) {
    case 0: return ce_sin_reduced(r);
    case 1: return ce_cos_reduced(r);
    case 2: return -ce_sin_reduced(r);
    default: return -ce_cos_reduced(r);
  }
}
template <class T>
constexpr T ce_cos(T x) {
  long long q = 0;
  T r = 0;
  ce_reduce(x, q, r);
  switch (((q % 4) + 4) % 4) {
    case 0: return ce_cos_reduced(r);
    case 1: return -ce_sin_reduced(r);
    case 2: return -ce_cos_reduced(r);
    default: return ce_sin_reduced(r);
  }
}

// erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1 3 5 ... (2n+1)): every term positive, so
// no cancellation; beyond |x| = 6 erf is +-1 in double.
template <class T>
constexpr T ce_erf(T x) {
  constexpr T two_over_sqrt_pi = T(1.12837916709551257389615890312154517L);
  if (x != x) return x;
  if (x > T(6)) return T(1);
  if (x < T(-6)) return T(-1);
  const T x2 = x * x;
  T term = x, sum = x;
  for (int n = 1; n < 200; ++n) {
    term *= 2 * x2 / T(2 * n + 1);
    sum += term;
    const T at = term < 0 ? -term : term, as = sum < 0 ? -sum : sum;
    if (at < as * std::numeric_limits<T>::epsilon()) break;
  }
  return two_over_sqrt_pi * ce_exp(-x2) * sum;
}

// Public entry points: <cmath> at run time, the series above in constant evaluation.
template <class T>
constexpr T exp(T x) {
  if (std::is_constant_evaluated()) return ce_exp(x);
  return std::exp(x);
}
template <class T>
constexpr T log(T x) {
  if (std::is_constant_evaluated()) return ce_log(x);
  return std::log(x);
}
template <class T>
constexpr T sqrt(T x) {
  if (std::is_constant_evaluated()) return ce_sqrt(x);
  return std::sqrt(x);
}
template <class T>
constexpr T sin(T x) {
  if (std::is_constant_evaluated()) return ce_sin(x);
  return std::sin(x);
}
template <class T>
constexpr T cos(T x) {
  if (std::is_constant_evaluated()) return ce_cos(x);
  return std::cos(x);
}
template <class T>
constexpr T tanh(T x) {
  if (std::is_constant_evaluated()) {
    if (x > T(20)) return T(1);
    if (x < T(-20)) return T(-1);
    const T ax = x < 0 ? -x : x;
    const T em1 = ce_expm1(2 * ax);  // tanh|x| = (e^2|x| - 1) / (e^2|x| + 1), no cancellation
    const T t = em1 / (em1 + 2);
    return x < 0 ? -t : t;
  }
  return std::tanh(x);
}
template <class T>
constexpr T log1p(T x) {
  if (std::is_constant_evaluated()) return ce_log(1 + x);
  return std::log1p(x);
}
template <class T>
constexpr T expm1(T x) {
  if (std::is_constant_evaluated()) return ce_expm1(x);
  return std::expm1(x);
}
template <class T>
constexpr T erf(T x) {
  if (std::is_constant_evaluated()) return ce_erf(x);
  return std::erf(x);
}
// erfc(x) = 1 - erf(x), accurate in the tail at run time (<cmath>); in constant evaluation
// 1 - erf, accurate to a few ulp of 1.
template <class T>
constexpr T erfc(T x) {
  if (std::is_constant_evaluated()) return T(1) - ce_erf(x);
  return std::erfc(x);
}
template <class T>
constexpr T pow(T x, T y) {
  if (std::is_constant_evaluated()) return ce_exp(y * ce_log(x));
  return std::pow(x, y);
}
template <class T>
constexpr T abs(T x) {
  return x < 0 ? -x : x;
}

}  // namespace tapeless::detail::cmath
