// Every element-wise function: reverse mode, forward mode, the symbolic derivative and central
// finite differences agree at several random points; second order matches first order.
#include "check.hpp"

namespace tl = tapeless;
using check::gradient_laws;
using check::hessian_laws;
using check::random_value;

namespace {
constexpr auto x = tl::var<"x", 3>;
constexpr auto w = tl::var<"w", 3>;  // random weights, so every element matters differently

template <class F>
void laws_of(F f, double lo, double hi, bool smooth = true) {
  const auto e = tl::sum(f(x) * w);
  for (int k = 0; k < 4; ++k) {
    const auto x0 = random_value<tl::shape<3>>(lo, hi);
    const auto b = tl::at(w = random_value<tl::shape<3>>(-2, 2));
    gradient_laws(e, x, x0, b);
    if (smooth) hessian_laws(e, x, x0, b);
  }
}
}  // namespace

TEST_CASE("element-wise functions: derivatives agree with finite differences", "[laws]") {
  SECTION("exp") { laws_of([](auto a) { return tl::exp(a); }, -2, 2); }
  SECTION("log") { laws_of([](auto a) { return tl::log(a); }, 0.2, 3); }
  SECTION("sqrt") { laws_of([](auto a) { return tl::sqrt(a); }, 0.2, 3); }
  SECTION("sin") { laws_of([](auto a) { return tl::sin(a); }, -3, 3); }
  SECTION("cos") { laws_of([](auto a) { return tl::cos(a); }, -3, 3); }
  SECTION("tanh") { laws_of([](auto a) { return tl::tanh(a); }, -2, 2); }
  SECTION("sigmoid") { laws_of([](auto a) { return tl::sigmoid(a); }, -3, 3); }
  SECTION("softplus") { laws_of([](auto a) { return tl::softplus(a); }, -3, 3); }
  SECTION("square") { laws_of([](auto a) { return tl::square(a); }, -2, 2); }
  SECTION("pow<3>") { laws_of([](auto a) { return tl::pow<3>(a); }, -2, 2); }
  SECTION("pow<-2>") { laws_of([](auto a) { return tl::pow<-2>(a); }, 0.5, 2); }
  SECTION("unary minus") { laws_of([](auto a) { return -a; }, -2, 2); }
  // Piecewise-linear functions: first order only (their second derivative is zero almost
  // everywhere, and the points avoid the kinks).
  SECTION("relu") { laws_of([](auto a) { return tl::relu(a) * tl::relu(a); }, -2, 2); }
  SECTION("abs") { laws_of([](auto a) { return tl::abs(a); }, -2, 2, false); }
}

TEST_CASE("element-wise functions: values against <cmath>", "[values]") {
  const tl::vector<double, 3> v{{-1.5, 0.25, 2.0}};
  const auto at = tl::at(x = v);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(tl::eval(tl::exp(x), at)[i] == Approx(std::exp(v[i])));
    CHECK(tl::eval(tl::tanh(x), at)[i] == Approx(std::tanh(v[i])));
    CHECK(tl::eval(tl::sigmoid(x), at)[i] == Approx(1 / (1 + std::exp(-v[i]))));
    CHECK(tl::eval(tl::softplus(x), at)[i] == Approx(std::log1p(std::exp(v[i]))));
    CHECK(tl::eval(tl::relu(x), at)[i] == (v[i] > 0 ? v[i] : 0.0));
    CHECK(tl::eval(tl::abs(x), at)[i] == std::abs(v[i]));
    CHECK(tl::eval(tl::pow<3>(x), at)[i] == Approx(v[i] * v[i] * v[i]));
    CHECK(tl::eval(tl::sin(x) + tl::cos(x), at)[i] == Approx(std::sin(v[i]) + std::cos(v[i])));
  }
  // Large arguments stay finite where the naive formulas overflow.
  CHECK(tl::eval(tl::softplus(tl::var<"s">), tl::var<"s"> = 800.0) == Approx(800.0));
  CHECK(tl::eval(tl::sigmoid(tl::var<"s">), tl::var<"s"> = -800.0) == 0.0);
}
