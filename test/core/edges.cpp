// Derivatives at the edges: requested derivatives that are one and the same expression type (the
// sweep's roots repeat), and powers at a zero base, where the textbook rules divide by the base
// or take its logarithm. Every value is a closed form.
#include <catch2/catch.hpp>
#include <cmath>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {
constexpr auto x = tl::var<"x">;
constexpr auto y = tl::var<"y">;
constexpr auto w = tl::var<"w">;
constexpr auto a = tl::var<"a">;
constexpr auto b = tl::var<"b">;
constexpr auto u = tl::var<"u", 3>;
constexpr auto v = tl::var<"v", 3>;
}  // namespace

TEST_CASE("requested derivatives may be the same expression", "[edges][roots]") {
  // d/dy and d/dw of x*x are both the zero constant: two equal roots (asked for with
  // allow_unused, since neither symbol is in the expression).
  const auto g = tl::grad(x * x, tl::wrt(tl::allow_unused, x, y, w), x = 3.0, y = 1.0, w = 2.0);
  CHECK(g[x] == 6.0);
  CHECK(g[y] == 0.0);
  CHECK(g[w] == 0.0);
  // d/dx and d/dy of x + y are both 1.
  const auto g2 = tl::grad(x + y, tl::wrt(x, y), x = 3.0, y = 1.0);
  CHECK(g2[x] == 1.0);
  CHECK(g2[y] == 1.0);
  // The gradient of exp(x) is the model itself: value and gradient are one root.
  const auto vg = tl::value_and_grad(tl::exp(x), tl::wrt(x), x = 1.5);
  CHECK(vg.value == Approx(std::exp(1.5)).epsilon(1e-15));
  CHECK(vg.gradient[x] == vg.value);
  // (a + b) + (a + b): both adjoints are 2.
  const auto g3 = tl::grad((a + b) + (a + b), tl::wrt(a, b), a = 0.3, b = -0.2);
  CHECK(g3[a] == 2.0);
  CHECK(g3[b] == 2.0);
  // vjp of u + v: both are the cotangent itself.
  const tl::vector<double, 3> uu{{1.0, 2.0, 3.0}}, vv{{-1.0, 0.5, 4.0}}, c{{0.25, -2.0, 7.0}};
  const auto r = tl::vjp(u + v, c, tl::wrt(u, v), u = uu, v = vv);
  CHECK(r[u] == c);
  CHECK(r[v] == c);
}

TEST_CASE("powers at a zero base are exact", "[edges][pow]") {
  // d(x^b)/dx = b x^(b-1), d(x^b)/db = x^b log x -> 0 at x = 0 for b > 0.
  for (double bb : {2.0, 1.5, 3.0}) {
    CAPTURE(bb);
    const auto g = tl::grad(tl::pow(x, b), tl::wrt(x, b), x = 0.0, b = bb);
    CHECK(g[x] == 0.0);
    CHECK(g[b] == 0.0);
    CHECK(tl::jvp(tl::pow(x, b), x, 1.0, x = 0.0, b = bb) == 0.0);
    CHECK(tl::eval(tl::d(tl::pow(x, b), b), x = 0.0, b = bb) == 0.0);
  }
  // b = 1: the derivative is 1 everywhere, also at 0 (0^0 = 1).
  CHECK(tl::grad(tl::pow(x, b), tl::wrt(x), x = 0.0, b = 1.0)[x] == 1.0);
  // Second derivative of x^2 at 0 is 2; of x^3 at 0 it is 0; of x^2.5 at 0 it is 0.
  CHECK(tl::hessian(tl::pow(x, 2.0), x, x = 0.0) == 2.0);
  CHECK(tl::hessian(tl::pow(x, 3.0), x, x = 0.0) == 0.0);
  CHECK(tl::hessian(tl::pow(x, 2.5), x, x = 0.0) == 0.0);
  // Away from zero the rules are the textbook ones.
  const auto g = tl::grad(tl::pow(x, b), tl::wrt(x, b), x = 2.0, b = 3.0);
  CHECK(g[x] == Approx(12.0).epsilon(1e-15));
  CHECK(g[b] == Approx(8.0 * std::log(2.0)).epsilon(1e-15));
  CHECK(tl::hessian(tl::pow(x, b), x, x = 2.0, b = 3.0) == Approx(12.0).epsilon(1e-14));
}
