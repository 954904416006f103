// Losses, optimizers and gradient accumulation against hand-computed updates.
#include <catch2/catch.hpp>
#include <cmath>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

namespace tl = tapeless;

namespace {
constexpr auto p = tl::var<"p", 2>;
constexpr auto y = tl::var<"y", 2>;
const tl::vector<double, 2> target{{1.0, -2.0}};
}  // namespace

TEST_CASE("losses", "[train]") {
  const tl::vector<double, 2> pv{{0.5, 1.0}};
  CHECK(tl::eval(tl::mae(p, y), p = pv, y = target) == Approx((0.5 + 3.0) / 2));
  CHECK(tl::eval(tl::mse(p, y), p = pv, y = target) == Approx((0.25 + 9.0) / 2));
  CHECK(tl::eval(tl::mean_difference(p, y), p = pv, y = target) == Approx((0.5 - 3.0) / 2));
  const auto g = tl::grad(tl::mae(p, y), tl::wrt(p), p = pv, y = target)[p];
  CHECK(g == tl::vector<double, 2>{{-0.5, 0.5}});
}

TEST_CASE("one step of each optimizer matches the formula", "[train]") {
  auto params = tl::at(p = tl::vector<double, 2>{{0.5, 1.0}});
  const auto loss = tl::mse(p, y);
  const auto g = tl::grad(loss, tl::wrt(p), params, y = target);  // g = p - y = [-0.5, 3]
  REQUIRE(g[p] == tl::vector<double, 2>{{-0.5, 3.0}});

  SECTION("sgd with momentum, two steps") {
    tl::sgd opt(params, {.lr = 0.1, .momentum = 0.9});
    opt.step(params, g);
    CHECK(params[p][0] == Approx(0.5 + 0.05));
    opt.step(params, g);  // v = 0.9 * g + g
    CHECK(params[p][0] == Approx(0.55 + 0.1 * 1.9 * 0.5));
  }
  SECTION("rmsprop") {
    tl::rmsprop opt(params, {.lr = 0.01, .alpha = 0.99, .eps = 1e-8});
    opt.step(params, g);
    const double s = 0.01 * 9.0;
    CHECK(params[p][1] == Approx(1.0 - 0.01 * 3.0 / (std::sqrt(s) + 1e-8)));
  }
  SECTION("adam: the first step moves every parameter by lr") {
    tl::adam opt(params, {.lr = 0.01});
    opt.step(params, g);
    CHECK(params[p][0] == Approx(0.51).epsilon(1e-6));
    CHECK(params[p][1] == Approx(0.99).epsilon(1e-6));
  }
}

TEST_CASE("optimizers minimise a quadratic", "[train]") {
  const auto loss = tl::mse(p, y);
  auto params = tl::at(p = tl::vector<double, 2>{{5.0, 5.0}});
  tl::adam opt(params, {.lr = 0.1});
  for (int i = 0; i < 2000; ++i) opt.step(params, tl::grad(loss, tl::wrt(p), params, y = target));
  CHECK(params[p][0] == Approx(1.0).margin(1e-6));
  CHECK(params[p][1] == Approx(-2.0).margin(1e-6));
}

TEST_CASE("gradients accumulate only when asked, and reset", "[train]") {
  const auto params = tl::at(p = tl::vector<double, 2>{{0.5, 1.0}});
  const auto g = tl::grad(tl::mse(p, y), tl::wrt(p), params, y = target);
  tl::accumulator acc(g);
  CHECK(acc.count() == 0);
  acc.add(g);
  acc.add(g);
  CHECK(acc.sum()[p] == tl::vector<double, 2>{{-1.0, 6.0}});
  CHECK(acc.mean()[p] == g[p]);
  acc.reset();
  CHECK(acc.sum()[p] == tl::vector<double, 2>{});
  // A fresh grad call is not affected by earlier calls.
  CHECK(tl::grad(tl::mse(p, y), tl::wrt(p), params, y = target)[p] == g[p]);
}
