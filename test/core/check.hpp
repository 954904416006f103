#pragma once
// Shared checks for the law tests: gradients against central finite differences, forward mode
// against reverse mode, second order against finite differences of first order.
#include <catch2/catch.hpp>
#include <random>
#include <tapeless/tapeless.hpp>

namespace check {

namespace tl = tapeless;

inline std::mt19937& rng() {
  static std::mt19937 g(20261127u);
  return g;
}

// A value of shape S with entries uniform in [lo, hi], kept away from `avoid` (kinks of abs,
// relu, sign).
template <class S>
tl::value_t<double, S> random_value(double lo, double hi) {
  std::uniform_real_distribution<double> u(lo, hi);
  tl::value_t<double, S> v{};
  for (std::size_t i = 0; i < S::size; ++i) {
    double r = u(rng());
    if (std::abs(r) < 0.05) r += r < 0 ? -0.1 : 0.1;
    tl::elem(v, i) = r;
  }
  return v;
}

// Central finite difference of the scalar expression e along element i of symbol x.
template <class E, class X, class V, class B>
double finite_difference(const E& e, X x, const V& x0, std::size_t i, const B& bindings, double h = 1e-6) {
  V xp = x0, xm = x0;
  tl::elem(xp, i) += h;
  tl::elem(xm, i) -= h;
  return (tl::eval(e, x = xp, bindings) - tl::eval(e, x = xm, bindings)) / (2 * h);
}

inline Approx close(double v, double eps = 1e-6) { return Approx(v).epsilon(eps).margin(eps); }

// Reverse mode, forward mode, the symbolic derivative and finite differences agree for the
// scalar expression e with respect to symbol x at x0 (other symbols bound in `bindings`).
template <class E, class X, class V, class B>
void gradient_laws(const E& e, X x, const V& x0, const B& bindings) {
  using S = typename X::shape_type;
  const auto g = tl::grad(e, tl::wrt(x), x = x0, bindings)[x];
  // The gradient is d(e, x) evaluated: the symbolic derivative is the same expression.
  const auto gd = tl::eval(tl::d(e, x), x = x0, bindings);
  const auto v = random_value<S>(-1, 1);
  const double forward = tl::jvp(e, x, v, x = x0, bindings);
  double reverse_dot_v = 0;
  for (std::size_t i = 0; i < S::size; ++i) {
    INFO("element " << i << " of " << x.name << " in " << tl::to_string(e));
    CHECK(tl::elem(g, i) == close(finite_difference(e, x, x0, i, bindings)));
    CHECK(tl::elem(gd, i) == close(tl::elem(g, i), 1e-12));
    reverse_dot_v += tl::elem(g, i) * tl::elem(v, i);
  }
  INFO("jvp against grad . v in " << tl::to_string(e));
  CHECK(forward == close(reverse_dot_v, 1e-10));
}

// The Hessian equals finite differences of the gradient, and is symmetric.
template <class E, class X, class V, class B>
void hessian_laws(const E& e, X x, const V& x0, const B& bindings) {
  using S = typename X::shape_type;
  constexpr std::size_t n = S::size;
  const auto H = tl::hessian(e, x, x = x0, bindings);
  const double h = 1e-5;
  for (std::size_t j = 0; j < n; ++j) {
    V xp = x0, xm = x0;
    tl::elem(xp, j) += h;
    tl::elem(xm, j) -= h;
    const auto gp = tl::grad(e, tl::wrt(x), x = xp, bindings)[x];
    const auto gm = tl::grad(e, tl::wrt(x), x = xm, bindings)[x];
    for (std::size_t i = 0; i < n; ++i) {
      INFO("H(" << i << ", " << j << ") of " << tl::to_string(e));
      const double hij = tl::elem(H, i * n + j);
      CHECK(hij == close((tl::elem(gp, i) - tl::elem(gm, i)) / (2 * h), 1e-5));
      CHECK(hij == close(tl::elem(H, j * n + i), 1e-10));
    }
  }
}

}  // namespace check
