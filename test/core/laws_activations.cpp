// The activations and piecewise operations added for issue 10 (log1p, expm1, silu, gelu,
// leaky_relu, elu, maximum, minimum, clamp): reverse mode, forward mode, the symbolic derivative
// and central finite differences agree at random points; Hessians against finite differences of
// the gradient; values against <cmath> and PyTorch's definitions; the derivative at every kink
// is PyTorch's subgradient, exactly.
#include "check.hpp"

#include <cmath>
#include <numbers>

namespace tl = tapeless;
using check::close;
using check::gradient_laws;
using check::hessian_laws;
using check::random_value;

namespace {
constexpr auto x = tl::var<"x", 3>;
constexpr auto y = tl::var<"y", 3>;
constexpr auto w = tl::var<"w", 3>;  // random weights, so every element matters differently
constexpr auto s = tl::var<"s">;
constexpr auto t = tl::var<"t">;
using v3 = tl::shape<3>;

template <class F>
void laws_of(F f, double lo, double hi, bool smooth = true) {
  const auto e = tl::sum(f(x) * w);
  for (int k = 0; k < 4; ++k) {
    const auto x0 = random_value<v3>(lo, hi);
    const auto b = tl::at(w = random_value<v3>(-2, 2), s = 0.3);
    gradient_laws(e, x, x0, b);
    if (smooth) hessian_laws(e, x, x0, b);
  }
}

double phi_cdf(double v) { return 0.5 * std::erfc(-v / std::sqrt(2.0)); }
}  // namespace

TEST_CASE("smooth activations: derivatives agree with finite differences", "[laws]") {
  SECTION("log1p") { laws_of([](auto a) { return tl::log1p(a); }, -0.5, 3); }
  SECTION("expm1") { laws_of([](auto a) { return tl::expm1(a); }, -2, 2); }
  SECTION("silu") { laws_of([](auto a) { return tl::silu(a); }, -4, 4); }
  SECTION("gelu") { laws_of([](auto a) { return tl::gelu(a); }, -4, 4); }
  SECTION("normal_cdf") { laws_of([](auto a) { return tl::normal_cdf(a); }, -3, 3); }
  SECTION("normal_pdf") { laws_of([](auto a) { return tl::normal_pdf(a); }, -3, 3); }
  // Piecewise smooth: the points stay 0.05 away from the kink at 0, where the Hessian exists.
  SECTION("leaky_relu") { laws_of([](auto a) { return tl::leaky_relu(a); }, -2, 2); }
  SECTION("leaky_relu, slope 0.2") { laws_of([](auto a) { return tl::leaky_relu(a, 0.2); }, -2, 2); }
  SECTION("elu") { laws_of([](auto a) { return tl::elu(a); }, -2, 2); }
  SECTION("elu, alpha 1.5") { laws_of([](auto a) { return tl::elu(a, 1.5); }, -2, 2); }
  SECTION("elu with a symbolic alpha") { laws_of([](auto a) { return tl::elu(a, s * s); }, -2, 2); }
}

TEST_CASE("activation parameters are differentiable", "[laws]") {
  for (int k = 0; k < 4; ++k) {
    const auto b = tl::at(x = random_value<v3>(-2, 2), w = random_value<v3>(-2, 2));
    const double s0 = random_value<tl::shape<>>(0.1, 2);
    gradient_laws(tl::sum(tl::leaky_relu(x, s) * w), s, s0, b);
    gradient_laws(tl::sum(tl::elu(x, s) * w), s, s0, b);
    hessian_laws(tl::sum(tl::elu(x, s * s) * w), s, s0, b);
    // d elu(x, alpha) / d alpha = expm1(x) for x <= 0, 0 for x > 0: finite for large x.
    CHECK(tl::eval(tl::d(tl::elu(t, s), s), t = -0.7, s = 2.0) == close(std::expm1(-0.7), 1e-15));
    CHECK(tl::eval(tl::d(tl::elu(t, s), s), t = 800.0, s = 2.0) == 0.0);
    CHECK(tl::eval(tl::d(tl::elu(t, s), t), t = 800.0, s = 2.0) == 1.0);
  }
}

TEST_CASE("maximum, minimum, clamp: derivatives agree with finite differences", "[laws]") {
  for (int k = 0; k < 4; ++k) {
    const auto x0 = random_value<v3>(-2, 2);
    const auto y0 = random_value<v3>(-2, 2);
    const double s0 = random_value<tl::shape<>>(-1, 1);
    const auto b = tl::at(y = y0, w = random_value<v3>(-2, 2), s = s0);
    // With ties almost impossible at random points, each side gets all or none of the gradient.
    gradient_laws(tl::sum(tl::maximum(x, y) * w), x, x0, b);
    gradient_laws(tl::sum(tl::minimum(x, y) * w), x, x0, b);
    gradient_laws(tl::sum(tl::maximum(y, x) * w), x, x0, b);
    gradient_laws(tl::sum(tl::maximum(x, s) * w), x, x0, b);  // a broadcast scalar
    gradient_laws(tl::sum(tl::minimum(0.5, x) * w), x, x0, b);
    gradient_laws(tl::sum(tl::clamp(x, -1.0, 1.0) * w), x, x0, b);
    gradient_laws(tl::sum(tl::clamp(x, s - 0.5, s + 0.5) * w), x, x0, b);
    gradient_laws(tl::sum(tl::clamp_min(x, s) * w + tl::clamp_max(x, s)), x, x0, b);
    // Second order: piecewise quadratic.
    hessian_laws(tl::sum(tl::maximum(x, y) * tl::minimum(x, y) * w), x, x0, b);
    hessian_laws(tl::sum(tl::square(tl::clamp(x, -1.0, 1.0)) * w), x, x0, b);
    // The scalar side of a broadcast sums its share over the elements.
    const auto bx = tl::at(x = x0, y = y0, w = random_value<v3>(-2, 2));
    gradient_laws(tl::sum(tl::maximum(x, s) * w), s, s0, bx);
    gradient_laws(tl::sum(tl::minimum(s, x) * w), s, s0, bx);
    gradient_laws(tl::sum(tl::clamp(x, s - 0.5, s + 0.5) * w), s, s0, bx);
    gradient_laws(tl::sum(tl::clamp(x, -1.0, s + 2.0) * w), s, s0, bx);
  }
}

TEST_CASE("activations: values against <cmath> and PyTorch's definitions", "[values]") {
  const tl::vector<double, 3> v{{-1.5, 0.25, 2.0}};
  const auto at = tl::at(x = v);
  for (std::size_t i = 0; i < 3; ++i) {
    const double a = v[i];
    CHECK(tl::eval(tl::log1p(x + 2.0), at)[i] == Approx(std::log1p(a + 2.0)).epsilon(1e-15));
    CHECK(tl::eval(tl::expm1(x), at)[i] == Approx(std::expm1(a)).epsilon(1e-15));
    CHECK(tl::eval(tl::silu(x), at)[i] == Approx(a / (1 + std::exp(-a))).epsilon(1e-15));
    // torch.nn.functional.gelu (approximate='none'): x * 0.5 * (1 + erf(x / sqrt 2)).
    CHECK(tl::eval(tl::gelu(x), at)[i] == Approx(a * 0.5 * (1 + std::erf(a / std::sqrt(2.0)))).epsilon(1e-15));
    CHECK(tl::eval(tl::leaky_relu(x), at)[i] == (a > 0 ? a : 0.01 * a));
    CHECK(tl::eval(tl::elu(x), at)[i] == (a > 0 ? a : std::expm1(a)));
    CHECK(tl::eval(tl::elu(x, 2.0), at)[i] == (a > 0 ? a : 2.0 * std::expm1(a)));
  }
  // Closed forms: Phi(1), silu(1) = sigmoid(1), log1p and expm1 near 0 without cancellation.
  CHECK(tl::eval(tl::gelu(t), t = 1.0) == Approx(0.8413447460685429).epsilon(1e-15));
  CHECK(tl::eval(tl::silu(t), t = 1.0) == Approx(0.7310585786300049).epsilon(1e-15));
  CHECK(tl::eval(tl::log1p(t), t = 1e-12) == Approx(1e-12 - 0.5e-24).epsilon(1e-15));
  CHECK(tl::eval(tl::expm1(t), t = 1e-12) == Approx(1e-12 + 0.5e-24).epsilon(1e-15));
  // GELU's far tail keeps its relative accuracy (Phi(-10) = 7.6198530241605e-24).
  CHECK(tl::eval(tl::gelu(t), t = -10.0) == Approx(-10 * 7.619853024160527e-24).epsilon(1e-13));
  CHECK(tl::eval(tl::d(tl::gelu(t), t), t = 0.5) ==
        close(phi_cdf(0.5) + 0.5 * std::exp(-0.125) / std::sqrt(2 * std::numbers::pi), 1e-15));
  CHECK(tl::eval(tl::gelu(t), t = 40.0) == 40.0);
  CHECK(tl::eval(tl::silu(t), t = -800.0) == Approx(0.0).margin(1e-300));
  // Values and derivatives in constant evaluation (the series of detail/cmath.hpp).
  constexpr double gelu1 = tl::eval(tl::gelu(t), t = 1.0);
  constexpr double dgelu1 = tl::eval(tl::d(tl::gelu(t), t), t = 1.0);
  constexpr double expm1_small = tl::eval(tl::expm1(t), t = 1e-3);
  CHECK(gelu1 == Approx(0.8413447460685429).epsilon(1e-13));
  CHECK(dgelu1 == Approx(phi_cdf(1.0) + std::exp(-0.5) / std::sqrt(2 * std::numbers::pi)).epsilon(1e-13));
  CHECK(expm1_small == Approx(std::expm1(1e-3)).epsilon(1e-14));
  // maximum, minimum, clamp.
  const tl::vector<double, 3> u{{0.0, 1.0, -3.0}};
  const auto uv = tl::at(x = v, y = u);
  CHECK(tl::eval(tl::maximum(x, y), uv) == tl::vector<double, 3>{{0.0, 1.0, 2.0}});
  CHECK(tl::eval(tl::minimum(x, y), uv) == tl::vector<double, 3>{{-1.5, 0.25, -3.0}});
  CHECK(tl::eval(tl::maximum(x, 0.5), uv) == tl::vector<double, 3>{{0.5, 0.5, 2.0}});
  // max(a, b) and min(a, b) of two operands are maximum and minimum (torch.max(a, b)).
  CHECK(tl::eval(tl::max(x, y), uv) == tl::eval(tl::maximum(x, y), uv));
  CHECK(tl::eval(tl::min(0.5, x), uv) == tl::vector<double, 3>{{-1.5, 0.25, 0.5}});
  CHECK(tl::to_string(tl::max(x, y)) == "maximum(x, y)");
  CHECK(tl::eval(tl::clamp(x, -1.0, 1.0), uv) == tl::vector<double, 3>{{-1.0, 0.25, 1.0}});
  // lo > hi: hi everywhere, as torch.clamp.
  CHECK(tl::eval(tl::clamp(x, 1.0, -1.0), uv) == tl::vector<double, 3>{{-1.0, -1.0, -1.0}});
  // NaN propagates through maximum and minimum (torch.maximum).
  CHECK(std::isnan(tl::eval(tl::maximum(t, s), t = std::nan(""), s = 1.0)));
  CHECK(std::isnan(tl::eval(tl::minimum(t, s), t = 1.0, s = std::nan(""))));
}

TEST_CASE("kinks take PyTorch's subgradients", "[kinks]") {
  const auto grad_t = [](const auto& e, double t0) { return tl::grad(e, tl::wrt(t), t = t0)[t]; };
  const auto jvp_t = [](const auto& e, double t0) { return tl::jvp(e, t, 1.0, t = t0); };
  // relu'(0) = 0, abs'(0) = 0 (the library's existing convention, PyTorch's).
  CHECK(grad_t(tl::relu(t), 0.0) == 0.0);
  CHECK(grad_t(tl::abs(t), 0.0) == 0.0);
  // leaky_relu'(0) = slope, elu'(0) = alpha (the left derivative, as PyTorch's backward).
  CHECK(grad_t(tl::leaky_relu(t), 0.0) == 0.01);
  CHECK(grad_t(tl::leaky_relu(t, 0.3), 0.0) == 0.3);
  CHECK(jvp_t(tl::leaky_relu(t, 0.3), 0.0) == 0.3);
  CHECK(grad_t(tl::leaky_relu(t, 0.3), 1e-300) == 1.0);
  CHECK(grad_t(tl::elu(t), 0.0) == 1.0);
  CHECK(grad_t(tl::elu(t, 2.5), 0.0) == 2.5);
  CHECK(grad_t(tl::elu(t, 2.5), -1.0) == Approx(2.5 * std::exp(-1.0)).epsilon(1e-15));
  // maximum(a, b), minimum(a, b) at a == b: half the gradient to each side.
  constexpr auto a = tl::var<"a">;
  constexpr auto b = tl::var<"b">;
  const auto gmax = tl::grad(tl::maximum(a, b), tl::wrt(a, b), a = 2.0, b = 2.0);
  CHECK(gmax[a] == 0.5);
  CHECK(gmax[b] == 0.5);
  const auto gmin = tl::grad(tl::minimum(a, b), tl::wrt(a, b), a = 2.0, b = 2.0);
  CHECK(gmin[a] == 0.5);
  CHECK(gmin[b] == 0.5);
  CHECK(tl::jvp(tl::maximum(a, b), a, 1.0, a = 2.0, b = 2.0) == 0.5);
  CHECK(tl::grad(tl::maximum(a, b), tl::wrt(a, b), a = 3.0, b = 2.0)[a] == 1.0);
  CHECK(tl::grad(tl::minimum(a, b), tl::wrt(a, b), a = 3.0, b = 2.0)[b] == 1.0);
  // relu as maximum(x, 0) differs from relu at 0: 0.5 there, as torch.maximum(x, 0).
  CHECK(grad_t(tl::maximum(t, 0.0), 0.0) == 0.5);
  // A broadcast scalar tied with two of three elements gets half of each.
  const auto gs = tl::grad(tl::sum(tl::maximum(x, s)), tl::wrt(x, s), x = tl::vector<double, 3>{{1.0, 0.0, 1.0}},
                           s = 1.0);
  CHECK(gs[x] == tl::vector<double, 3>{{0.5, 0.0, 0.5}});
  CHECK(gs[s] == 2.0);
  // clamp: the whole gradient on the closed interval [lo, hi], none outside; lo and hi get it
  // where x is strictly outside.
  for (double x0 : {-1.0, -0.5, 0.0, 2.0}) {
    CAPTURE(x0);
    CHECK(grad_t(tl::clamp(t, -1.0, 2.0), x0) == 1.0);
    CHECK(jvp_t(tl::clamp(t, -1.0, 2.0), x0) == 1.0);
  }
  CHECK(grad_t(tl::clamp(t, -1.0, 2.0), -1.0000001) == 0.0);
  CHECK(grad_t(tl::clamp(t, -1.0, 2.0), 2.0000001) == 0.0);
  constexpr auto lo = tl::var<"lo">;
  constexpr auto hi = tl::var<"hi">;
  const auto at_lo = tl::grad(tl::clamp(t, lo, hi), tl::wrt(t, lo, hi), t = -1.0, lo = -1.0, hi = 2.0);
  CHECK(at_lo[t] == 1.0);
  CHECK(at_lo[lo] == 0.0);
  CHECK(at_lo[hi] == 0.0);
  const auto below = tl::grad(tl::clamp(t, lo, hi), tl::wrt(t, lo, hi), t = -3.0, lo = -1.0, hi = 2.0);
  CHECK(below[t] == 0.0);
  CHECK(below[lo] == 1.0);
  CHECK(below[hi] == 0.0);
  const auto above = tl::grad(tl::clamp(t, lo, hi), tl::wrt(t, lo, hi), t = 3.0, lo = -1.0, hi = 2.0);
  CHECK(above[t] == 0.0);
  CHECK(above[lo] == 0.0);
  CHECK(above[hi] == 1.0);
  // lo > hi: the value is hi (torch.clamp's), and so the whole gradient goes to hi.
  const auto crossed = tl::grad(tl::clamp(t, lo, hi), tl::wrt(t, lo, hi), t = 0.0, lo = 1.0, hi = -1.0);
  CHECK(crossed[t] == 0.0);
  CHECK(crossed[lo] == 0.0);
  CHECK(crossed[hi] == 1.0);
}

TEST_CASE("printed forms of the activations and their derivatives", "[print]") {
  CHECK(tl::to_string(tl::log1p(x) + tl::expm1(x) + tl::silu(x) + tl::gelu(x)) ==
        "log1p(x) + expm1(x) + silu(x) + gelu(x)");
  CHECK(tl::to_string(tl::leaky_relu(x) + tl::elu(x, 2.0)) == "leaky_relu(x, 0.01) + elu(x, 2)");
  CHECK(tl::to_string(tl::maximum(x, y) - tl::minimum(x, 0.5)) == "maximum(x, y) - minimum(x, 0.5)");
  CHECK(tl::to_string(tl::clamp(x, -1.0, 1.0)) == "clamp(x, -1, 1)");
  CHECK(tl::to_string(tl::clamp_min(x, s)) == "clamp_min(x, s)");
  CHECK(tl::to_string(tl::d(tl::gelu(t), t)) == "normal_cdf(t) + t * normal_pdf(t)");
  CHECK(tl::to_string(tl::d(tl::log1p(t), t)) == "1 / (1 + t)");
  CHECK(tl::to_string(tl::d(tl::expm1(t), t)) == "exp(t)");
  CHECK(tl::to_string(tl::d(tl::leaky_relu(t, 0.2), t)) == "step(t) + 0.2 * (1 - step(t))");
  CHECK(tl::to_string(tl::d(tl::sum(tl::maximum(x, y)), x)) == "(x > y) + 0.5 * (x == y)");
  // Compile-time constants fold.
  CHECK(tl::to_string(tl::simplify(tl::maximum(tl::c<1, 2>, tl::c<1, 3>))) == "0.5");
  CHECK(tl::to_string(tl::simplify(tl::minimum(tl::c<1, 2>, tl::c<1, 3>))) == "1/3");
  CHECK(tl::to_string(tl::simplify(tl::clamp(tl::c<3>, tl::c<-1>, tl::c<1>) + t)) == "1 + t");
  CHECK(tl::to_string(tl::d(tl::maximum(t, tl::c<0>) * tl::c<2>, t)) == "2 * ((t > 0) + 0.5 * (t == 0))");
  CHECK(tl::to_string(tl::d(tl::clamp(t, -1.0, 1.0), t)) == "(t >= -1) * (1 >= clamp_min(t, -1))");
}
