#pragma once
// Vector kernels of the element-wise functions, one batch (xsimd::batch<T, Arch>, T double or
// float) at a time. Only built with tapeless::simd (detail/simd.hpp says when they are used).
//
// xsimd 8.1 is used where it is as accurate as glibc (measured, test/core/simd.cpp): log1p, sqrt
// (the instruction, exact), and sin and cos but for one case, below. Two of its functions are
// not, and are written here, and tanh is written here to be faster (below):
//  - exp: xsimd returns +inf above ~709.43 (float: ~88.38), below the true overflow threshold
//    709.78, and 0 below ~-708.40 (float: ~-87.34), where the result is still a normal number or a
//    denormal. Ours reduces x = k ln2 + r, scales by 2^k in two exact steps, and so is accurate up
//    to overflow and rounds correctly through the denormal range.
//  - log: xsimd returns wrong values for denormal arguments (log(1e-310) = -746.5, not -713.8).
//    Ours scales a denormal argument into the normal range first.
//  - sin, cos near a zero: xsimd reduces |x| <= 20 pi by a three-part pi/2, about 100 bits of it,
//    so where the result is tiny (x near a multiple of pi/2) it loses its relative accuracy:
//    xsimd::sin(pi) is 7 ulp off. Those lanes (|result| < 2^-30, float 2^-15, with |x| > pi/4:
//    about one random argument in 10^9) are recomputed by std::sin, std::cos.
// sigmoid and softplus are the scalar path's formulas (ops/elementwise.hpp) with these kernels.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

// g++ 12's AVX-512 intrinsics (-march=native on such a machine) warn that their deliberately
// undefined pass-through operand is uninitialised (GCC bug 105593), at every use inlined into
// our code; the headers are included here with those two warnings off.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace tapeless::detail::simd_math {

template <class T>
struct exp_constants;
template <>
struct exp_constants<double> {
  using int_type = std::int64_t;
  static constexpr int mantissa_bits = 52, bias = 1023;
  static constexpr double shifter = 0x1.8p52;  // x + shifter - shifter rounds x to an integer
  static constexpr double log2e = 0x1.71547652b82fep0;
  // ln 2 = ln2_hi + ln2_lo, ln2_hi with 32 trailing zero bits: k * ln2_hi is exact for |k| < 2^20
  static constexpr double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
  // e^x is +inf beyond 709.79 and 0 below -745.14; clamping to +-750 keeps k within +-1082, so
  // that both halves of k (below) are normal exponents.
  static constexpr double clamp = 750;
  // Taylor coefficients 1/n!, n = 2..13: the remainder r^14/14! is below 5e-18 for |r| <= ln2/2.
  static constexpr int degree = 13;
  static constexpr double inv_factorial[] = {
      1.0,  1.0,  1.0 / 2,  1.0 / 6,  1.0 / 24,  1.0 / 120,  1.0 / 720,  1.0 / 5040,  1.0 / 40320,
      1.0 / 362880,  1.0 / 3628800,  1.0 / 39916800,  1.0 / 479001600,  1.0 / 6227020800};
  static constexpr double min_normal = 0x1p-1022, denormal_scale = 0x1p54;
  static constexpr double denormal_log = 54 * 0.693147180559945309417232121458176568;
};
template <>
struct exp_constants<float> {
  using int_type = std::int32_t;
  static constexpr int mantissa_bits = 23, bias = 127;
  static constexpr float shifter = 0x1.8p23f;
  static constexpr float log2e = 0x1.715476p0f;
  static constexpr float ln2_hi = 0x1.62e400p-1f, ln2_lo = 0x1.7f7d1cp-20f;  // 9 trailing zeros
  static constexpr float clamp = 110;  // e^x is +inf beyond 88.73, 0 below -103.98; |k| <= 159
  static constexpr int degree = 7;     // r^8/8! < 6e-9 for |r| <= ln2/2
  static constexpr float inv_factorial[] = {1.0f,       1.0f,        1.0f / 2,    1.0f / 6,
                                            1.0f / 24, 1.0f / 120, 1.0f / 720, 1.0f / 5040};
  static constexpr float min_normal = 0x1p-126f, denormal_scale = 0x1p24f;
  static constexpr float denormal_log = 24 * 0.693147180559945309417232121458176568f;
};

// 2^k for integer-valued k with k + bias a normal exponent, through the exponent bits.
template <class T, class A>
inline xsimd::batch<T, A> two_to(const xsimd::batch<T, A>& k) {
  using C = exp_constants<T>;
  using I = xsimd::batch<typename C::int_type, A>;
  // k + shifter holds k in its low mantissa bits; adding the bias and shifting into the exponent
  // field drops everything else.
  const I bits = xsimd::bitwise_cast<I>(k + xsimd::batch<T, A>(C::shifter));
  return xsimd::bitwise_cast<xsimd::batch<T, A>>((bits + I(C::bias)) << C::mantissa_bits);
}

// e^r = 1 + (r + r^2 Q(r)), Q(r) = sum_n r^(n-2) / n!, n = 2..degree: the leading 1 + r is
// rounded once, at the end (Horner or Estrin on the whole series round 1 + r first: 2 ulp, not 1).
// Q by Estrin's scheme: pairs c_n + c_n+1 r, joined with r^2, r^4, r^8; a dependency chain of four
// multiply-adds where Horner's rule has eleven. For the few batches of a small tensor the latency
// is the cost.
template <class C, class B>
inline B expm1_reduced(const B& r) {
  const auto pair = [&](int n) { return B(C::inv_factorial[n]) + B(C::inv_factorial[n + 1]) * r; };
  const B r2 = r * r, r4 = r2 * r2;
  B q;
  if constexpr (C::degree == 13) {
    q = (pair(2) + pair(4) * r2) + (pair(6) + pair(8) * r2) * r4 +
        (pair(10) + pair(12) * r2) * (r4 * r4);
  } else {
    static_assert(C::degree == 7);
    q = (pair(2) + pair(4) * r2) + pair(6) * r4;
  }
  return r + r2 * q;  // e^r - 1
}
template <class C, class B>
inline B exp_reduced(const B& r) {
  return B(1) + expm1_reduced<C>(r);
}

template <class T, class A>
inline xsimd::batch<T, A> exp(const xsimd::batch<T, A>& x) {
  using B = xsimd::batch<T, A>;
  using C = exp_constants<T>;
  const B xc = xsimd::min(xsimd::max(x, B(-C::clamp)), B(C::clamp));
  const B shifter(C::shifter);
  const B k = (xc * B(C::log2e) + shifter) - shifter;  // round(x / ln2)
  const B r = (xc - k * B(C::ln2_hi)) - k * B(C::ln2_lo);  // |r| <= ln2/2 (first step exact)
  const B p = exp_reduced<C>(r);
  // p 2^k as (p 2^k1) 2^k2 with k1 = round(k/2): the first product is exact, the second rounds
  // once, to +inf on overflow and through the denormals to 0 on underflow, as std::exp does.
  const B k1 = (k * B(T(0.5)) + shifter) - shifter;
  const B y = (p * two_to(k1)) * two_to(k - k1);
  return xsimd::select(xsimd::isnan(x), x, y);
}

template <class T, class A>
inline xsimd::batch<T, A> log(const xsimd::batch<T, A>& x) {
  using B = xsimd::batch<T, A>;
  using C = exp_constants<T>;
  // A denormal (or zero, or negative) argument is scaled by 2^54 (float: 2^24), exactly, and
  // 54 ln2 taken off: within an ulp or two of the result's magnitude (> 708).
  const auto tiny = x < B(C::min_normal);
  const B y = xsimd::log(xsimd::select(tiny, x * B(C::denormal_scale), x));
  return xsimd::select(tiny, y - B(C::denormal_log), y);
}

// y = f(x) by xsimd, with the lanes whose result is tiny (above) recomputed by the scalar g.
template <class T, class A, class G>
inline xsimd::batch<T, A> tiny_by_scalar(const xsimd::batch<T, A>& x, xsimd::batch<T, A> y, G g) {
  using B = xsimd::batch<T, A>;
  constexpr T tiny = sizeof(T) == 8 ? T(0x1p-30) : T(0x1p-15), quarter_pi = T(0.78);
  if (xsimd::any((xsimd::abs(y) < B(tiny)) & (xsimd::abs(x) > B(quarter_pi)))) {
    alignas(A::alignment()) T xs[B::size], ys[B::size];
    x.store_aligned(xs);
    y.store_aligned(ys);
    for (std::size_t i = 0; i < B::size; ++i)
      if ((ys[i] < tiny && ys[i] > -tiny) && (xs[i] > quarter_pi || xs[i] < -quarter_pi))
        ys[i] = g(xs[i]);
    y = B::load_aligned(ys);
  }
  return y;
}
template <class T, class A>
inline xsimd::batch<T, A> sin(const xsimd::batch<T, A>& x) {
  return tiny_by_scalar(x, xsimd::sin(x), [](T a) { return std::sin(a); });
}
template <class T, class A>
inline xsimd::batch<T, A> cos(const xsimd::batch<T, A>& x) {
  return tiny_by_scalar(x, xsimd::cos(x), [](T a) { return std::cos(a); });
}

// tanh |x| = -t / (t + 2) with t = e^(-2|x|) - 1, glibc's formula for |x| < 1 used everywhere:
// t lies in (-1, 0], so t + 2 in (1, 2] cancels nothing, and t is as accurate near 0 (t ~ -2|x|,
// exact for a denormal x) as near -1. One reduced exponential and one division, where xsimd's tanh
// computes its exp, a division, and for |x| < 0.625 a rational function with a second division,
// both when a batch holds arguments on either side (it is then 2.6x slower than this). tanh is +-1 exactly from |x| = 20 (float and
// double), so |x| is clamped there, keeping k within [-58, 0]; 2^k - 1 below rounds once, for
// k < -53, by less than an ulp of the result, which is then near 1. The sign is x's (-0 stays -0)
// and a NaN is passed on.
// tanh x = x + x^3 P(x^2) / Q(x^2) for |x| < 0.625 in double: Cephes' rational function (the one
// xsimd's tanh uses there, within 2 ulp). Cheaper than the exponential, so a batch whose arguments
// are all that small (a model's activations often are) takes it; copysign keeps the sign of -0.
template <class A>
inline xsimd::batch<double, A> tanh_small(const xsimd::batch<double, A>& x) {
  using B = xsimd::batch<double, A>;
  const B z = x * x;
  const B p = (B(-9.64399179425052238628e-1) * z + B(-9.92877231001918586564e1)) * z +
              B(-1.61468768441708447952e3);
  const B q = ((z + B(1.12811678491632931402e2)) * z + B(2.23548839060100448583e3)) * z +
              B(4.84406305325125486048e3);
  return x + (z * p / q) * x;
}

template <class T, class A>
inline xsimd::batch<T, A> tanh(const xsimd::batch<T, A>& x) {
  using B = xsimd::batch<T, A>;
  using C = exp_constants<T>;
  if constexpr (std::is_same_v<T, double>)
    if (xsimd::all(xsimd::abs(x) < B(0.625)))  // (false for a NaN)
      return xsimd::copysign(tanh_small(x), x);
  const B y = T(-2) * xsimd::min(xsimd::abs(x), B(T(20)));  // in [-40, 0]
  const B shifter(C::shifter);
  const B k = (y * B(C::log2e) + shifter) - shifter;
  const B r = (y - k * B(C::ln2_hi)) - k * B(C::ln2_lo);
  const B p = two_to(k), q = p * expm1_reduced<C>(r);  // exact: p is a power of 2
  // t = e^y - 1 = 2^k (e^r - 1) + (2^k - 1), and t + 2 as q + (2^k + 1): one rounding each
  const B magnitude = -(q + (p - B(T(1)))) / (q + (p + B(T(1))));
  return xsimd::select(xsimd::isnan(x), x, xsimd::copysign(magnitude, x));
}

// The scalar path's formulas (sigmoid_op, softplus_op): only exp differs.
template <class T, class A>
inline xsimd::batch<T, A> sigmoid(const xsimd::batch<T, A>& x) {
  using B = xsimd::batch<T, A>;
  const B e = simd_math::exp(-xsimd::abs(x));  // e^-|x|: no overflow
  const B one(T(1));
  return xsimd::select(x >= B(T(0)), one / (one + e), e / (one + e));
}
template <class T, class A>
inline xsimd::batch<T, A> softplus(const xsimd::batch<T, A>& x) {
  using B = xsimd::batch<T, A>;
  const B zero(T(0));
  return xsimd::select(x > zero, x, zero) + xsimd::log1p(simd_math::exp(-xsimd::abs(x)));
}

// One kernel per function: apply(batch) -> batch.
// clang-format off
struct exp_kernel { template <class B> static B apply(const B& x) { return simd_math::exp(x); } };
struct log_kernel { template <class B> static B apply(const B& x) { return simd_math::log(x); } };
struct tanh_kernel { template <class B> static B apply(const B& x) { return simd_math::tanh(x); } };
struct sin_kernel { template <class B> static B apply(const B& x) { return simd_math::sin(x); } };
struct cos_kernel { template <class B> static B apply(const B& x) { return simd_math::cos(x); } };
struct sqrt_kernel { template <class B> static B apply(const B& x) { return xsimd::sqrt(x); } };
struct sigmoid_kernel { template <class B> static B apply(const B& x) { return simd_math::sigmoid(x); } };
struct softplus_kernel { template <class B> static B apply(const B& x) { return simd_math::softplus(x); } };
// clang-format on

}  // namespace tapeless::detail::simd_math
