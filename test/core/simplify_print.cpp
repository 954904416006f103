// Simplification rules, idempotence, termination on derivatives of derivatives, and printing.
#include <catch2/catch.hpp>
#include <tapeless/tapeless.hpp>
#include <type_traits>

namespace tl = tapeless;

namespace {
constexpr auto x = tl::var<"x">;
constexpr auto y = tl::var<"y">;
constexpr auto z = tl::var<"z", 3>;
constexpr auto W = tl::var<"W", 2, 3>;

template <class A, class B>
constexpr bool same(const A&, const B&) {
  return std::is_same_v<A, B>;
}
// simplify(simplify(e)) is the same type as simplify(e).
template <class E>
constexpr bool idempotent(const E& e) {
  return same(tl::simplify(tl::simplify(e)), tl::simplify(e));
}
}  // namespace

TEST_CASE("simplification rules", "[simplify]") {
  STATIC_REQUIRE(same(tl::simplify(x * tl::c<0>), tl::c<0>));
  STATIC_REQUIRE(same(tl::simplify(tl::c<0> * z), tl::zero_t<tl::shape<3>>{}));
  STATIC_REQUIRE(same(tl::simplify(x * tl::c<1>), x));
  STATIC_REQUIRE(same(tl::simplify(tl::c<1> * x + tl::c<0>), x));
  STATIC_REQUIRE(same(tl::simplify(tl::c<2> * tl::c<3> + tl::c<1, 2>), tl::c<13, 2>));
  STATIC_REQUIRE(same(tl::simplify(tl::c<1, 2> - tl::c<1, 2>), tl::c<0>));
  STATIC_REQUIRE(same(tl::simplify(-(-x)), x));
  STATIC_REQUIRE(same(tl::simplify(x - x), tl::c<0>));
  STATIC_REQUIRE(same(tl::simplify(tl::transpose(tl::transpose(W))), W));
  STATIC_REQUIRE(same(tl::simplify(tl::pow<1>(x)), x));
  STATIC_REQUIRE(same(tl::simplify(tl::sum(tl::c<2> * z * tl::c<0>)), tl::c<0>));
  // Constants move left and fold: c2 * (c3 * x) -> 6 * x.
  STATIC_REQUIRE(same(tl::simplify(tl::c<2> * (x * tl::c<3>)), tl::c<6> * x));
  // Runtime constants are values, not known to be 0 or 1, so they stay (printed as the
  // product's coefficient, in front).
  CHECK(tl::to_string(tl::simplify(x * 1.0)) == "1 * x");
}

TEST_CASE("derivatives are simplified and simplification is idempotent", "[simplify]") {
  STATIC_REQUIRE(same(tl::d(x * y, x), y));
  STATIC_REQUIRE(same(tl::d(x + y, y), tl::c<1>));
  STATIC_REQUIRE(same(tl::d(tl::c<3> * x, x), tl::c<3>));
  STATIC_REQUIRE(same(tl::d(tl::sin(y), x), tl::c<0>));
  const auto e = tl::tanh(x * y) * tl::exp(x) / (x + tl::c<2>);
  const auto d1 = tl::d(e, x);
  const auto d2 = tl::d(d1, x);
  const auto d3 = tl::d(d2, y);
  STATIC_REQUIRE(idempotent(e));
  STATIC_REQUIRE(idempotent(d1));
  STATIC_REQUIRE(idempotent(d2));
  STATIC_REQUIRE(idempotent(d3));
  const auto g = tl::d(tl::sum(tl::square(tl::matmul(W, tl::tanh(z)))), W);
  STATIC_REQUIRE(idempotent(g));
  STATIC_REQUIRE(same(tl::simplify(d1), d1));  // derivatives come out simplified already
  CHECK(tl::eval(tl::simplify(d2), x = 0.3, y = -0.7) == Approx(tl::eval(d2, x = 0.3, y = -0.7)));
}

TEST_CASE("printing models and their derivatives", "[print]") {
  CHECK(tl::to_string(x * y + tl::sin(x)) == "x * y + sin(x)");
  CHECK(tl::to_string(x - (y - x)) == "x - (y - x)");
  CHECK(tl::to_string((x + y) * x) == "(x + y) * x");
  CHECK(tl::to_string(-(x + y)) == "-(x + y)");
  CHECK(tl::to_string(tl::pow<3>(x) / 2.5) == "pow(x, 3) / 2.5");
  CHECK(tl::to_string(tl::matmul(W, z)) == "W @ z");
  CHECK(tl::to_string(tl::component<1>(z)) == "z[1]");
  CHECK(tl::to_string(tl::c<1, 4> * x + tl::c<1, 3>) == "0.25 * x + 1/3");
  CHECK(tl::to_string(tl::d(x * tl::sin(x), x)) == "sin(x) + x * cos(x)");
  CHECK(tl::to_string(tl::d(tl::tanh(x), x)) == "1 - square(tanh(x))");
  CHECK(tl::to_string(tl::d(tl::sum(tl::matmul(W, z)), z)) == "ones(2) @ W");
  // The seed: d mean(true_y - (w * x + b)) / dw = -0.25 * x
  constexpr auto w = tl::var<"param_w", 2, 2>;
  constexpr auto b = tl::var<"param_b", 2, 2>;
  constexpr auto xs = tl::var<"x", 2, 2>;
  constexpr auto ty = tl::var<"true_y", 2, 2>;
  const auto loss = tl::mean(ty - (w * xs + b));
  CHECK(tl::to_string(loss) == "mean(true_y - (param_w * x + param_b))");
  CHECK(tl::to_string(tl::d(loss, w)) == "-0.25 * x");
}
