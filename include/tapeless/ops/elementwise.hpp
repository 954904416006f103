#pragma once
// Element-wise functions. Each states its scalar forward rule `f` and its derivative as an
// expression `derivative(a, y)` of the argument `a` and the node's own value `y`; the tangent
// rule (da * derivative) and the adjoint rule (g * derivative) follow from it, so the two modes
// cannot disagree. Using `y` lets tanh, exp, sigmoid reuse the value computed in the forward sweep.
#include "../detail/cmath.hpp"
#include "arithmetic.hpp"

namespace tapeless {
namespace detail {

template <class Derived>
struct elementwise_unary {
  template <class S>
  using result_shape = S;
  static constexpr int precedence = 0;
  static constexpr bool elementwise = true;
  template <class A>
  TAPELESS_INLINE static constexpr auto apply(A x) {
    return Derived::f(x);
  }
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    map_into<Derived>(out, a);
  }
  static constexpr auto tangent(auto self, auto a, auto da) {
    return s::mul(da, Derived::derivative(a, self));
  }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto self, const A& a, const G& g) {
    return s::mul(g, Derived::derivative(a, self));
  }
};

// Element-wise functions whose value on a rational constant is again rational fold it.
template <class Derived>
struct folding_unary : elementwise_unary<Derived> {
  template <class A>
  static constexpr auto rewrite(const A&) {
    if constexpr (is_cconst_v<A>)
      return typename Derived::template fold<A>{};
    else
      return no_rewrite{};
  }
};

}  // namespace detail

struct exp_op : detail::elementwise_unary<exp_op> {
  static constexpr std::string_view name = "exp";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return detail::cmath::exp(x); }
  static constexpr auto derivative(auto, auto y) { return y; }
};

struct log_op : detail::elementwise_unary<log_op> {
  static constexpr std::string_view name = "log";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return detail::cmath::log(x); }
  static constexpr auto derivative(auto a, auto) { return detail::s::div(c<1>, a); }
  // d log a = da / a, written directly so no reciprocal node is formed.
  static constexpr auto tangent(auto, auto a, auto da) { return detail::s::div(da, a); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A& a, const G& g) {
    return detail::s::div(g, a);
  }
};

struct sqrt_op : detail::elementwise_unary<sqrt_op> {
  static constexpr std::string_view name = "sqrt";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return detail::cmath::sqrt(x); }
  static constexpr auto derivative(auto, auto y) { return detail::s::div(c<1, 2>, y); }
};

struct sin_op : detail::elementwise_unary<sin_op> {
  static constexpr std::string_view name = "sin";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return detail::cmath::sin(x); }
  static constexpr auto derivative(auto a, auto) { return detail::s::cos(a); }
};

struct cos_op : detail::elementwise_unary<cos_op> {
  static constexpr std::string_view name = "cos";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return detail::cmath::cos(x); }
  static constexpr auto derivative(auto a, auto) { return detail::s::neg(detail::s::sin(a)); }
};

struct tanh_op : detail::elementwise_unary<tanh_op> {
  static constexpr std::string_view name = "tanh";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return detail::cmath::tanh(x); }
  static constexpr auto derivative(auto, auto y) { return detail::s::sub(c<1>, detail::s::square(y)); }
};

struct sigmoid_op : detail::elementwise_unary<sigmoid_op> {
  static constexpr std::string_view name = "sigmoid";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) {
    // Two branches so that exp never overflows.
    if (x >= T(0)) return T(1) / (T(1) + detail::cmath::exp(-x));
    T e = detail::cmath::exp(x);
    return e / (T(1) + e);
  }
  static constexpr auto derivative(auto, auto y) {
    return detail::s::mul(y, detail::s::sub(c<1>, y));
  }
};

struct softplus_op : detail::elementwise_unary<softplus_op> {
  static constexpr std::string_view name = "softplus";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) {
    // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
    return (x > T(0) ? x : T(0)) + detail::cmath::log1p(detail::cmath::exp(-detail::cmath::abs(x)));
  }
  static constexpr auto derivative(auto a, auto) { return detail::s::sigmoid(a); }
};

// log(1 + x), accurate near 0.
struct log1p_op : detail::elementwise_unary<log1p_op> {
  static constexpr std::string_view name = "log1p";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return detail::cmath::log1p(x); }
  static constexpr auto derivative(auto a, auto) {
    return detail::s::div(c<1>, detail::s::add(c<1>, a));
  }
  static constexpr auto tangent(auto, auto a, auto da) {
    return detail::s::div(da, detail::s::add(c<1>, a));
  }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A& a, const G& g) {
    return detail::s::div(g, detail::s::add(c<1>, a));
  }
};

// exp(x) - 1, accurate near 0. Its derivative is exp(x) (not y + 1, which loses the relative
// accuracy of e^x for x well below 0).
struct expm1_op : detail::elementwise_unary<expm1_op> {
  static constexpr std::string_view name = "expm1";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return detail::cmath::expm1(x); }
  static constexpr auto derivative(auto a, auto) { return detail::s::exp(a); }
};

// SiLU (swish): x sigmoid(x); derivative sigmoid(x) (1 + x (1 - sigmoid(x))).
struct silu_op : detail::elementwise_unary<silu_op> {
  static constexpr std::string_view name = "silu";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return x * sigmoid_op::f(x); }
  static constexpr auto derivative(auto a, auto) {
    using namespace detail;
    const auto sg = s::sigmoid(a);
    return s::mul(sg, s::add(c<1>, s::mul(a, s::sub(c<1>, sg))));
  }
};

// The standard normal distribution's cdf Phi(x) = erfc(-x / sqrt 2) / 2 (accurate in the lower
// tail) and density phi(x) = e^(-x^2/2) / sqrt(2 pi): the pieces of the exact GELU.
struct normal_cdf_op : detail::elementwise_unary<normal_cdf_op> {
  static constexpr std::string_view name = "normal_cdf";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) {
    constexpr T inv_sqrt2 = T(0.707106781186547524400844362104849039L);
    return T(0.5) * detail::cmath::erfc(-x * inv_sqrt2);
  }
  static constexpr auto derivative(auto a, auto) { return detail::s::normal_pdf(a); }
};
struct normal_pdf_op : detail::elementwise_unary<normal_pdf_op> {
  static constexpr std::string_view name = "normal_pdf";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) {
    constexpr T inv_sqrt_2pi = T(0.398942280401432677939946059934381868L);
    return inv_sqrt_2pi * detail::cmath::exp(T(-0.5) * x * x);
  }
  // phi'(x) = -x phi(x)
  static constexpr auto derivative(auto a, auto y) { return detail::s::neg(detail::s::mul(a, y)); }
};

// Exact GELU (PyTorch's default, approximate='none'): x Phi(x); derivative Phi(x) + x phi(x).
struct gelu_op : detail::elementwise_unary<gelu_op> {
  static constexpr std::string_view name = "gelu";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return x * normal_cdf_op::f(x); }
  static constexpr auto derivative(auto a, auto) {
    return detail::s::add(detail::s::normal_cdf(a), detail::s::mul(a, detail::s::normal_pdf(a)));
  }
};

// Heaviside step (0 at 0): the derivative of relu; its own derivative is zero.
struct step_op : detail::folding_unary<step_op> {
  static constexpr std::string_view name = "step";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return x > T(0) ? T(1) : T(0); }
  template <class A>
  static constexpr auto derivative(const A&, auto) { return zero_t<typename A::shape_type>{}; }
  template <class A>
  using fold = constant_t<(A::num > 0 ? 1 : 0), 1, typename A::shape_type>;
};

// Sign (0 at 0): the derivative of abs; its own derivative is zero.
struct sign_op : detail::folding_unary<sign_op> {
  static constexpr std::string_view name = "sign";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0)); }
  template <class A>
  static constexpr auto derivative(const A&, auto) { return zero_t<typename A::shape_type>{}; }
  template <class A>
  using fold = constant_t<(A::num > 0 ? 1 : (A::num < 0 ? -1 : 0)), 1, typename A::shape_type>;
};

struct relu_op : detail::folding_unary<relu_op> {
  static constexpr std::string_view name = "relu";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return x > T(0) ? x : T(0); }
  static constexpr auto derivative(auto a, auto) { return detail::s::step(a); }
  template <class A>
  using fold = constant_t<(A::num > 0 ? A::num : 0), A::den, typename A::shape_type>;
};

struct abs_op : detail::folding_unary<abs_op> {
  static constexpr std::string_view name = "abs";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return x < T(0) ? -x : x; }
  static constexpr auto derivative(auto a, auto) { return detail::s::sign(a); }
  template <class A>
  using fold = constant_t<(A::num < 0 ? -A::num : A::num), A::den, typename A::shape_type>;
};

struct square_op : detail::folding_unary<square_op> {
  static constexpr std::string_view name = "square";
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) { return x * x; }
  static constexpr auto derivative(auto a, auto) { return detail::s::mul(c<2>, a); }
  template <class A>
  using fold = constant_t<A::num * A::num, A::den * A::den, typename A::shape_type>;
};

// Integer power with the exponent in the type: pow<3>(x).
template <int N>
struct ipow_op : detail::elementwise_unary<ipow_op<N>> {
  static constexpr std::string_view name = "pow";
  static constexpr int exponent = N;
  template <class T>
  TAPELESS_INLINE static constexpr T f(T x) {
    T r = T(1);
    for (int i = 0; i < (N < 0 ? -N : N); ++i) r *= x;
    if constexpr (N < 0)
      return T(1) / r;
    else
      return r;
  }
  static constexpr auto derivative(auto a, auto) {
    return detail::s::mul(c<N>, detail::s::ipow<N - 1>(a));
  }
  template <class A>
  static constexpr auto rewrite(const A& a) {
    if constexpr (N == 0)
      return constant_t<1, 1, typename A::shape_type>{};
    else if constexpr (N == 1)
      return a;
    else if constexpr (N == 2)
      return detail::s::square(a);
    else
      return detail::no_rewrite{};
  }
};

// Activations with a parameter: binary nodes f(x, p), the parameter a runtime constant or any
// expression (broadcast like the second operand of *), so that it can be differentiated too.
// Their kinks at x = 0 follow PyTorch: the derivative at 0 is the left one (step(0) = 0).

// leaky_relu(x, slope): x where x > 0, slope x elsewhere. d/dx = 1 where x > 0, slope elsewhere
// (PyTorch: slope at 0), written step(x) + slope (1 - step(x)) so that it is exactly 1 or slope;
// d/dslope = x (1 - step(x)).
struct leaky_relu_op : detail::elementwise_binary {
  static constexpr std::string_view name = "leaky_relu";
  static constexpr int precedence = 0;
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A x, B slope) {
    using T = decltype(x * slope);
    return x > A(0) ? T(x) : T(slope * x);
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<leaky_relu_op>(out, l, r);
  }
  static constexpr auto dx(auto x, auto slope) {
    using namespace detail;
    return s::add(s::step(x), s::mul(slope, s::sub(c<1>, s::step(x))));
  }
  static constexpr auto dslope(auto x) {
    using namespace detail;
    return s::mul(x, s::sub(c<1>, s::step(x)));
  }
  static constexpr auto tangent(auto, auto x, auto slope, auto dl, auto dr) {
    return detail::s::add(detail::s::mul(dl, dx(x, slope)), detail::s::mul(dr, dslope(x)));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& x, const R& slope, const G& g) {
    if constexpr (K == 0)
      return detail::s::unbroadcast<typename L::shape_type>(detail::s::mul(g, dx(x, slope)));
    else
      return detail::s::unbroadcast<typename R::shape_type>(detail::s::mul(g, dslope(x)));
  }
};

// elu(x, alpha): x where x > 0, alpha (e^x - 1) elsewhere. d/dx = 1 where x > 0, alpha e^x
// elsewhere (PyTorch: alpha at 0), written step(x) + (1 - step(x)) (y + alpha) with y the node's
// value (finite for every x, where alpha e^x overflows for large positive x and 0 * inf is NaN);
// d/dalpha = (1 - step(x)) expm1(-relu(-x)), expm1 of min(x, 0) for the same reason.
struct elu_op : detail::elementwise_binary {
  static constexpr std::string_view name = "elu";
  static constexpr int precedence = 0;
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A x, B alpha) {
    using T = decltype(x * alpha);
    return x > A(0) ? T(x) : T(alpha * detail::cmath::expm1(x));
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<elu_op>(out, l, r);
  }
  static constexpr auto dx(auto self, auto x, auto alpha) {
    using namespace detail;
    return s::add(s::step(x), s::mul(s::sub(c<1>, s::step(x)), s::add(self, alpha)));
  }
  static constexpr auto dalpha(auto x) {
    using namespace detail;
    return s::mul(s::sub(c<1>, s::step(x)), s::expm1(s::neg(s::relu(s::neg(x)))));
  }
  static constexpr auto tangent(auto self, auto x, auto alpha, auto dl, auto dr) {
    return detail::s::add(detail::s::mul(dl, dx(self, x, alpha)), detail::s::mul(dr, dalpha(x)));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto self, const L& x, const R& alpha, const G& g) {
    if constexpr (K == 0)
      return detail::s::unbroadcast<typename L::shape_type>(detail::s::mul(g, dx(self, x, alpha)));
    else
      return detail::s::unbroadcast<typename R::shape_type>(detail::s::mul(g, dalpha(x)));
  }
};

// ---------------------------------------------------------------------------------------------
// User-facing functions: plain nodes, as written.
// clang-format off
template <Expression A> constexpr auto exp(const A& a) { return unary<exp_op, A>(a); }
template <Expression A> constexpr auto log(const A& a) { return unary<log_op, A>(a); }
template <Expression A> constexpr auto sqrt(const A& a) { return unary<sqrt_op, A>(a); }
template <Expression A> constexpr auto sin(const A& a) { return unary<sin_op, A>(a); }
template <Expression A> constexpr auto cos(const A& a) { return unary<cos_op, A>(a); }
template <Expression A> constexpr auto tanh(const A& a) { return unary<tanh_op, A>(a); }
template <Expression A> constexpr auto sigmoid(const A& a) { return unary<sigmoid_op, A>(a); }
template <Expression A> constexpr auto relu(const A& a) { return unary<relu_op, A>(a); }
template <Expression A> constexpr auto softplus(const A& a) { return unary<softplus_op, A>(a); }
template <Expression A> constexpr auto abs(const A& a) { return unary<abs_op, A>(a); }
template <Expression A> constexpr auto square(const A& a) { return unary<square_op, A>(a); }
template <Expression A> constexpr auto sign(const A& a) { return unary<sign_op, A>(a); }
template <Expression A> constexpr auto step(const A& a) { return unary<step_op, A>(a); }
template <Expression A> constexpr auto log1p(const A& a) { return unary<log1p_op, A>(a); }
template <Expression A> constexpr auto expm1(const A& a) { return unary<expm1_op, A>(a); }
template <Expression A> constexpr auto silu(const A& a) { return unary<silu_op, A>(a); }
template <Expression A> constexpr auto gelu(const A& a) { return unary<gelu_op, A>(a); }
template <Expression A> constexpr auto normal_cdf(const A& a) { return unary<normal_cdf_op, A>(a); }
template <Expression A> constexpr auto normal_pdf(const A& a) { return unary<normal_pdf_op, A>(a); }
// clang-format on
// leaky_relu(x, slope = 0.01) and elu(x, alpha = 1): the parameter a number or an expression
// (a scalar, or of x's shape).
template <Expression A, Operand P>
constexpr auto leaky_relu(const A& a, const P& slope) {
  return detail::checked_elementwise<leaky_relu_op>(a, slope);
}
template <Expression A>
constexpr auto leaky_relu(const A& a) {
  return leaky_relu(a, 0.01);
}
template <Expression A, Operand P>
constexpr auto elu(const A& a, const P& alpha) {
  return detail::checked_elementwise<elu_op>(a, alpha);
}
template <Expression A>
constexpr auto elu(const A& a) {
  return elu(a, 1.0);
}
template <int N, Expression A>
constexpr auto pow(const A& a) {
  return unary<ipow_op<N>, A>(a);
}
// pow(x, c<3>) is the integer power pow<3>(x).
template <Expression A, std::intmax_t N>
constexpr auto pow(const A& a, cconst<N, 1>) {
  return unary<ipow_op<static_cast<int>(N)>, A>(a);
}

}  // namespace tapeless
