// Scalar expressions and their derivatives evaluate in constant expressions.
#include <catch2/catch.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {
constexpr auto x = tl::var<"x">;
constexpr auto y = tl::var<"y">;

constexpr bool near(double a, double b, double tol = 1e-12) { return (a - b < tol) && (b - a < tol); }

// Polynomials and rational functions: exact.
constexpr auto p = x * x * y + tl::c<3> * x - y / (x + 1.0);
static_assert(tl::eval(p, x = 2.0, y = 3.0) == 12.0 + 6.0 - 1.0);
static_assert(tl::eval(tl::d(p, x), x = 2.0, y = 3.0) == 2 * 2.0 * 3.0 + 3 + 3.0 / 9.0);
static_assert(tl::eval(tl::d(tl::d(p, x), x), x = 2.0, y = 3.0) == 2 * 3.0 - 2 * 3.0 / 27.0);
static_assert(tl::grad(p, tl::wrt(x, y), x = 2.0, y = 3.0)[y] == 4.0 - 1.0 / 3.0);
static_assert(tl::value_and_grad(x * y, tl::wrt(x), x = 2.0, y = 5.0).value == 10.0);

// Transcendental functions run through constexpr series in constant evaluation.
static_assert(near(tl::eval(tl::exp(x), x = 1.0), 2.718281828459045));
static_assert(near(tl::eval(tl::log(x), x = 10.0), 2.302585092994046));
static_assert(near(tl::eval(tl::sin(x), x = 1.0), 0.8414709848078965));
static_assert(near(tl::eval(tl::d(tl::sin(x), x), x = 1.0), 0.5403023058681398));
static_assert(near(tl::eval(tl::d(tl::tanh(x), x), x = 0.5), 1 - 0.46211715726000974 * 0.46211715726000974));
static_assert(near(tl::eval(tl::sqrt(x), x = 2.0), 1.4142135623730951));
static_assert(near(tl::hessian(tl::exp(x * y), x, x = 0.5, y = 2.0), 4 * 2.718281828459045));

// Small tensors too.
constexpr auto v = tl::var<"v", 2>;
static_assert(tl::grad(tl::dot(v, v), tl::wrt(v), v = tl::vector<double, 2>{{1, 2}})[v] ==
              tl::vector<double, 2>{{2, 4}});
}  // namespace

TEST_CASE("constexpr evaluation agrees with run-time evaluation", "[constexpr]") {
  constexpr double c = tl::eval(tl::d(tl::exp(x) * tl::cos(x), x), x = 0.7);
  volatile double at = 0.7;  // forces the run-time path
  const double r = tl::eval(tl::d(tl::exp(x) * tl::cos(x), x), x = static_cast<double>(at));
  CHECK(c == Approx(r).epsilon(1e-14));
  CHECK(c == Approx(std::exp(0.7) * (std::cos(0.7) - std::sin(0.7))).epsilon(1e-14));
}
