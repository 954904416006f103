// + - * / pow with equal shapes and with scalar broadcasting; product and chain rules.
#include "check.hpp"

namespace tl = tapeless;
using check::close;
using check::gradient_laws;
using check::hessian_laws;
using check::random_value;

namespace {
constexpr auto x = tl::var<"x", 3>;
constexpr auto y = tl::var<"y", 3>;
constexpr auto s = tl::var<"s">;
using v3 = tl::shape<3>;
}  // namespace

TEST_CASE("binary operators with equal shapes", "[laws]") {
  for (int k = 0; k < 4; ++k) {
    const auto x0 = random_value<v3>(0.5, 2);
    const auto b = tl::at(y = random_value<v3>(0.5, 2), s = 0.7);
    gradient_laws(tl::sum(x + y * x), x, x0, b);
    gradient_laws(tl::sum(x - y), x, x0, b);
    gradient_laws(tl::sum(y - x * x), x, x0, b);
    gradient_laws(tl::sum(x * y), x, x0, b);
    gradient_laws(tl::sum(x / y), x, x0, b);
    gradient_laws(tl::sum(y / x), x, x0, b);
    gradient_laws(tl::sum(tl::pow(x, y)), x, x0, b);
    gradient_laws(tl::sum(tl::pow(y, x)), x, x0, b);
    hessian_laws(tl::sum(y / x + x * x * y), x, x0, b);
    hessian_laws(tl::sum(tl::pow(x, y)), x, x0, b);
  }
}

TEST_CASE("binary operators broadcasting a scalar", "[laws]") {
  for (int k = 0; k < 4; ++k) {
    const auto x0 = random_value<v3>(0.5, 2);
    const double s0 = random_value<tl::shape<>>(0.5, 2);
    const auto bx = tl::at(x = x0);
    // The scalar side's derivative sums over the broadcast.
    gradient_laws(tl::sum(s * x + s), s, s0, bx);
    gradient_laws(tl::sum(x / s - s), s, s0, bx);
    gradient_laws(tl::sum(s / x), s, s0, bx);
    gradient_laws(tl::sum(tl::pow(x, s)), s, s0, bx);
    gradient_laws(tl::mean(s - x) * s, s, s0, bx);
    const auto bs = tl::at(s = s0);
    gradient_laws(tl::sum(s * x * x - s / x), x, x0, bs);
    gradient_laws(tl::sum(tl::pow(s, x)), x, x0, bs);
    hessian_laws(tl::sum(s * x * x - s / x), x, x0, bs);
  }
}

TEST_CASE("runtime and compile-time constants", "[laws]") {
  const auto x0 = random_value<v3>(0.5, 2);
  const auto none = tl::at(s = 1.0);
  gradient_laws(tl::sum(2.5 * x + x / 4.0 - 1.0), x, x0, none);
  gradient_laws(tl::sum(tl::c<3> * x * x + tl::c<1, 2>), x, x0, none);
  const tl::vector<double, 3> k{{1, -2, 3}};
  gradient_laws(tl::dot(x, tl::constant(k)) + tl::sum(x * k), x, x0, none);
}

TEST_CASE("product and chain rules hold for the derived gradients", "[laws]") {
  const auto f = tl::sum(tl::sin(x) * y);
  const auto g = tl::sum(tl::exp(x / 3.0));
  for (int k = 0; k < 4; ++k) {
    const auto x0 = random_value<v3>(-1, 1);
    const auto b = tl::at(x = x0, y = random_value<v3>(-1, 1));
    const auto gf = tl::grad(f, tl::wrt(x), b)[x];
    const auto gg = tl::grad(g, tl::wrt(x), b)[x];
    const double fv = tl::eval(f, b), gv = tl::eval(g, b);
    // (f g)' = f' g + f g'
    const auto gfg = tl::grad(f * g, tl::wrt(x), b)[x];
    // (tanh f)' = (1 - tanh(f)^2) f'
    const auto gchain = tl::grad(tl::tanh(f), tl::wrt(x), b)[x];
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(gfg[i] == close(gf[i] * gv + fv * gg[i], 1e-12));
      CHECK(gchain[i] == close((1 - std::tanh(fv) * std::tanh(fv)) * gf[i], 1e-12));
    }
  }
}

TEST_CASE("second order: d of d equals the derivative of the derivative", "[laws]") {
  constexpr auto t = tl::var<"t">;
  const auto e = tl::sin(t * t) * tl::exp(t) / (1.0 + t * t);
  const auto d1 = tl::d(e, t);
  const auto d2 = tl::d(d1, t);
  for (double t0 : {-1.3, -0.2, 0.4, 1.7}) {
    const double h = 1e-5;
    const double fd1 = (tl::eval(e, t = t0 + h) - tl::eval(e, t = t0 - h)) / (2 * h);
    const double fd2 = (tl::eval(d1, t = t0 + h) - tl::eval(d1, t = t0 - h)) / (2 * h);
    CHECK(tl::eval(d1, t = t0) == close(fd1, 1e-7));
    CHECK(tl::eval(d2, t = t0) == close(fd2, 1e-6));
    // The Hessian of a scalar function of a scalar is d(d(e)).
    CHECK(tl::hessian(e, t, t = t0) == close(tl::eval(d2, t = t0), 1e-12));
    // Closed form for a simpler one: d2/dt2 sin(t^2) = 2 cos(t^2) - 4 t^2 sin(t^2).
    CHECK(tl::eval(tl::d(tl::d(tl::sin(t * t), t), t), t = t0) ==
          close(2 * std::cos(t0 * t0) - 4 * t0 * t0 * std::sin(t0 * t0), 1e-12));
  }
}
