// Bindings and gradient bundles are Boost.Hana maps keyed by the symbols; float and double both
// work; references avoid copies.
#include <boost/hana/contains.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/keys.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/transform.hpp>
#include <catch2/catch.hpp>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

namespace tl = tapeless;
namespace hana = boost::hana;

namespace {
constexpr auto x = tl::var<"x">;
constexpr auto W = tl::var<"W", 2, 2>;
constexpr auto v = tl::var<"v", 2>;
}  // namespace

TEST_CASE("bindings are hana maps keyed by symbols", "[bindings]") {
  const auto b = tl::at(x = 2.0, W = tl::matrix<double, 2, 2>{{1, 2, 3, 4}});
  STATIC_REQUIRE(decltype(hana::contains(b, x))::value);
  STATIC_REQUIRE(!decltype(hana::contains(b, v))::value);
  STATIC_REQUIRE(decltype(hana::length(b))::value == 2);
  CHECK(b[x] == 2.0);
  CHECK(b[W](1, 0) == 3.0);
  // Maps and single bindings mix; later arguments add symbols.
  const auto e = x * tl::matmul(W, v);
  const auto r = tl::eval(e, b, v = tl::vector<double, 2>{{1, -1}});
  CHECK(r == tl::vector<double, 2>{{-2, -2}});
  // Integers bound to a scalar symbol are stored as double.
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(hana::second(x = 3))>, double>);
}

TEST_CASE("gradient bundles are hana maps too", "[bindings]") {
  const auto e = tl::sum(tl::matmul(W, v)) * x;
  const auto g = tl::grad(e, tl::wrt(x, W, v), x = 2.0, W = tl::matrix<double, 2, 2>{{1, 2, 3, 4}},
                          v = tl::vector<double, 2>{{1, -1}});
  // Sum of squares of every entry of every gradient, with Hana's fold.
  const double total = hana::fold_left(hana::keys(g), 0.0, [&](double acc, auto key) {
    double s = 0;
    tl::for_each_element([&](double a) { s += a * a; }, g[key]);
    return acc + s;
  });
  // de/dx = sum(W v) = -2; de/dW = x * 1 v^T; de/dv = x * (W^T 1) = 2 * [4, 6]
  CHECK(g[x] == -2.0);
  CHECK(g[W] == tl::matrix<double, 2, 2>{{2, -2, 2, -2}});
  CHECK(g[v] == tl::vector<double, 2>{{8, 12}});
  CHECK(total == 4 + 16 + 64 + 144);
  // A symbol the expression does not use gets a zero gradient of its shape, when asked for with
  // allow_unused (without it, a compile error: test/compile_fail/wrt_unused.cpp).
  constexpr auto unused = tl::var<"unused", 3>;
  const auto g2 = tl::grad(x * x, tl::wrt(tl::allow_unused, x, unused), x = 3.0);
  CHECK(g2[x] == 6.0);
  CHECK(g2[unused] == tl::vector<double, 3>{});
}

TEST_CASE("float and double evaluation", "[bindings]") {
  const auto e = tl::tanh(x * 2.0) + tl::c<1, 3> * x;
  const auto gf = tl::grad(e, tl::wrt(x), x = 0.5f)[x];
  const auto gd = tl::grad(e, tl::wrt(x), x = 0.5)[x];
  STATIC_REQUIRE(std::is_same_v<decltype(gf), const float>);
  STATIC_REQUIRE(std::is_same_v<decltype(gd), const double>);
  CHECK(gd == Approx(2 * (1 - std::tanh(1.0) * std::tanh(1.0)) + 1.0 / 3.0).epsilon(1e-14));
  CHECK(gf == Approx(gd).epsilon(1e-6));
  const auto m = tl::eval(tl::matmul(W, v), W = tl::matrix<float, 2, 2>{{1, 2, 3, 4}},
                          v = tl::vector<float, 2>{{1, 1}});
  STATIC_REQUIRE(std::is_same_v<decltype(m), const tl::vector<float, 2>>);
  CHECK(m == tl::vector<float, 2>{{3, 7}});
  // eval<float> chooses the scalar type explicitly.
  CHECK(tl::eval<float>(tl::c<1, 3> + x, x = 1.0f) == Approx(4.0f / 3.0f));
}

TEST_CASE("bindings by reference see the caller's current values", "[bindings]") {
  tl::matrix<double, 2, 2> w{{1, 0, 0, 1}};
  const auto e = tl::sum(tl::matmul(W, v));
  const auto vv = tl::vector<double, 2>{{1, 2}};
  CHECK(tl::eval(e, W = std::cref(w), v = vv) == 3.0);
  w(0, 1) = 10;
  CHECK(tl::eval(e, W = std::cref(w), v = vv) == 23.0);
}

TEST_CASE("runtime constants are captured by value and kept apart", "[bindings]") {
  double k = 2.0;
  auto e = k * x + 3.0 * x;  // two runtime constants of one type: they must not be merged
  k = 100.0;                 // the expression holds its own copy
  CHECK(tl::eval(e, x = 1.0) == 5.0);
  CHECK(tl::grad(e, tl::wrt(x), x = 1.0)[x] == 5.0);
  CHECK(tl::eval(tl::d(tl::sin(2.0 * x) * tl::sin(3.0 * x), x), x = 0.3) ==
        Approx(2 * std::cos(0.6) * std::sin(0.9) + 3 * std::sin(0.6) * std::cos(0.9)));
}
