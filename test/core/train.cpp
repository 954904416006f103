// Losses, optimizers and gradient accumulation against hand-computed updates.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
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

TEST_CASE("AdamW: decoupled weight decay, two steps by hand", "[train]") {
  auto params = tl::at(p = tl::vector<double, 2>{{0.5, 1.0}});
  const auto g1 = tl::at(p = tl::vector<double, 2>{{-0.5, 3.0}});
  const auto g2 = tl::at(p = tl::vector<double, 2>{{1.0, 1.0}});
  tl::adamw opt(params, {.lr = 0.1, .weight_decay = 0.1});
  CHECK(opt.get_options().weight_decay == 0.1);
  CHECK(tl::adamw<decltype(params)>::options{}.weight_decay == 1e-2);  // PyTorch's default
  // Step 1: p *= 1 - 0.1 * 0.1; m / (1 - 0.9) = g, v / (1 - 0.999) = g^2: p -= 0.1 g / (|g| + eps).
  opt.step(params, g1);
  CHECK(params[p][0] == Approx(0.5 * 0.99 + 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-14));
  CHECK(params[p][1] == Approx(1.0 * 0.99 - 0.1 * 3.0 / (3.0 + 1e-8)).epsilon(1e-14));
  // Step 2: m = 0.9 (0.1 g1) + 0.1 g2 = (0.055, 0.37), v = 0.999 (0.001 g1^2) + 0.001 g2^2
  // = (0.00124975, 0.009991), bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999.
  const double p0 = (0.5 * 0.99 + 0.1 * 0.5 / (0.5 + 1e-8)) * 0.99;
  const double p1 = (1.0 * 0.99 - 0.1 * 3.0 / (3.0 + 1e-8)) * 0.99;
  opt.step(params, g2);
  const double u0 = 0.1 * (0.055 / 0.19) / (std::sqrt(0.00124975 / 0.001999) + 1e-8);
  const double u1 = 0.1 * (0.37 / 0.19) / (std::sqrt(0.009991 / 0.001999) + 1e-8);
  CHECK(params[p][0] == Approx(p0 - u0).epsilon(1e-12));
  CHECK(params[p][1] == Approx(p1 - u1).epsilon(1e-12));
}

TEST_CASE("AdamW without weight decay is Adam, bitwise", "[train]") {
  auto pa = tl::at(p = tl::vector<double, 2>{{5.0, 5.0}});
  auto pw = pa;
  tl::adam opt_a(pa, {.lr = 0.1});
  tl::adamw opt_w(pw, {.lr = 0.1, .weight_decay = 0});
  for (int i = 0; i < 50; ++i) {
    opt_a.step(pa, tl::grad(tl::mse(p, y), tl::wrt(p), pa, y = target));
    opt_w.step(pw, tl::grad(tl::mse(p, y), tl::wrt(p), pw, y = target));
  }
  CHECK(pa[p] == pw[p]);
}

TEST_CASE("AdamW resumed from a checkpoint mid-run ends where the straight run ends", "[train]") {
  auto step = [](auto& params, auto& opt) {
    opt.step(params, tl::grad(tl::mse(p, y), tl::wrt(p), params, y = target));
  };
  // The start is read at run time: with every input a constant, clang -O3 computes the straight
  // run while compiling, and may fuse a * b + c there (its default -ffp-contract=on) where the
  // run-time code rounds twice, so the two runs would differ in the last bit for that reason.
  volatile double start = 5.0;
  auto straight = tl::at(p = tl::vector<double, 2>{{start, -start}});
  tl::adamw a(straight, {.lr = 0.1, .weight_decay = 0.1});
  for (int i = 0; i < 20; ++i) step(straight, a);

  auto first = tl::at(p = tl::vector<double, 2>{{start, -start}});
  tl::adamw b(first, {.lr = 0.1, .weight_decay = 0.1});
  for (int i = 0; i < 8; ++i) step(first, b);
  const auto bytes = tl::encode_checkpoint(tl::entry("params", first), tl::entry("opt", b));
  auto resumed = tl::at(p = tl::vector<double, 2>{});
  tl::adamw c(resumed, {.lr = 0.1, .weight_decay = 0.1});
  tl::decode_checkpoint(bytes, "memory", tl::entry("params", resumed), tl::entry("opt", c));
  for (int i = 8; i < 20; ++i) step(resumed, c);
  CHECK(resumed[p] == straight[p]);  // bitwise: step count and both moments restored
  auto fresh = first;  // without the state, Adam's bias correction starts over: elsewhere
  tl::adamw d(fresh, {.lr = 0.1, .weight_decay = 0.1});
  for (int i = 8; i < 20; ++i) step(fresh, d);
  CHECK(fresh[p] != straight[p]);
}

TEST_CASE("every optimizer has PyTorch's learning-rate pair and public options", "[train]") {
  auto params = tl::at(p = tl::vector<double, 2>{{0.5, 1.0}});
  const auto g = tl::at(p = tl::vector<double, 2>{{-0.5, 3.0}});
  tl::sgd s(params, {.lr = 0.1, .momentum = 0.9});
  tl::rmsprop r(params, {.lr = 0.2});
  tl::adam a(params, {.lr = 0.3});
  tl::adamw w(params, {.lr = 0.4});
  tl::lbfgs l(params, {.lr = 0.5});
  CHECK(s.lr() == 0.1);
  CHECK(s.get_options().momentum == 0.9);
  CHECK(r.lr() == 0.2);
  CHECK(r.get_options().alpha == 0.99);
  CHECK(a.lr() == 0.3);
  CHECK(a.get_options().beta2 == 0.999);
  CHECK(w.lr() == 0.4);
  CHECK(l.lr() == 0.5);
  CHECK(l.get_options().history_size == 100);
  s.set_lr(0.01);
  CHECK(s.lr() == 0.01);
  CHECK(s.get_options().lr == 0.01);
  s.step(params, g);  // the new rate is the one used: v = g, p -= 0.01 g
  CHECK(params[p][0] == Approx(0.5 + 0.005));
  a.set_lr(0.05);  // Adam's first step moves each parameter by lr
  a.step(params, g);
  CHECK(params[p][0] == Approx(0.505 + 0.05).epsilon(1e-6));
  l.set_lr(2);
  CHECK(l.lr() == 2);
  // The learning rate is part of the state a checkpoint saves.
  const auto bytes = tl::encode_checkpoint(tl::entry("opt", a));
  tl::adam b(params, {.lr = 0.3});
  tl::decode_checkpoint(bytes, "memory", tl::entry("opt", b));
  CHECK(b.lr() == 0.05);
}

TEST_CASE("clip_grad_norm: PyTorch's clip_grad_norm_, by hand", "[train]") {
  constexpr auto q = tl::var<"q">;
  // Total 2-norm of (3, 4) and 12: sqrt(9 + 16 + 144) = 13.
  auto g = tl::at(p = tl::vector<double, 2>{{3.0, 4.0}}, q = 12.0);
  CHECK(tl::grad_norm(g) == 13.0);
  CHECK(tl::grad_norm(g, 1.0) == Approx(19.0));
  CHECK(tl::grad_norm(g, 3.0) == Approx(std::cbrt(27.0 + 64.0 + 1728.0)));
  CHECK(tl::grad_norm(g, std::numeric_limits<double>::infinity()) == 12.0);
  SECTION("a norm above max_norm is scaled by max_norm / (norm + 1e-6)") {
    CHECK(tl::clip_grad_norm(g, 6.5) == 13.0);  // the norm before clipping
    const double coef = 6.5 / (13.0 + 1e-6);
    CHECK(g[p][0] == Approx(3.0 * coef).epsilon(1e-15));
    CHECK(g[p][1] == Approx(4.0 * coef).epsilon(1e-15));
    CHECK(g[q] == Approx(12.0 * coef).epsilon(1e-15));
    CHECK(tl::grad_norm(g) < 6.5);  // a hair under, by the eps
    CHECK(tl::grad_norm(g) == Approx(6.5).epsilon(1e-6));
  }
  SECTION("a norm below max_norm leaves the gradients as they are") {
    CHECK(tl::clip_grad_norm(g, 13.5) == 13.0);
    CHECK(g[p] == tl::vector<double, 2>{{3.0, 4.0}});
    CHECK(g[q] == 12.0);
  }
  SECTION("the infinity norm") {
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(tl::clip_grad_norm(g, 6.0, {.norm_type = inf}) == 12.0);
    CHECK(g[q] == Approx(12.0 * 6.0 / (12.0 + 1e-6)).epsilon(1e-15));
    CHECK(g[p][0] == Approx(3.0 * 6.0 / (12.0 + 1e-6)).epsilon(1e-15));
  }
  SECTION("a non-finite norm: returned, or an error when asked") {
    g[q] = std::numeric_limits<double>::infinity();
    auto h = g;
    CHECK(std::isinf(tl::clip_grad_norm(h, 1.0)));
    CHECK_THROWS_AS(tl::clip_grad_norm(g, 1.0, {.error_if_nonfinite = true}), std::domain_error);
    CHECK(g[p][0] == 3.0);  // untouched by the throwing call
  }
  SECTION("clip_grad_value clamps each element") {
    tl::clip_grad_value(g, 3.5);
    CHECK(g[p] == tl::vector<double, 2>{{3.0, 3.5}});
    CHECK(g[q] == 3.5);
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
