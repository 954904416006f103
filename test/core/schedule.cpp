// Learning-rate schedules against PyTorch's definitions: the closed forms of StepLR,
// ExponentialLR and CosineAnnealingLR, and CosineAnnealingLR's recursive form (what PyTorch's
// get_lr() computes epoch by epoch) past T_max; driving an optimizer; a checkpoint of both.
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

namespace tl = tapeless;

namespace {
constexpr auto p = tl::var<"p", 2>;
}  // namespace

TEST_CASE("step_lr: base_lr * gamma^floor(epoch / step_size)", "[schedule]") {
  const tl::step_lr sched(0.1, {.step_size = 3, .gamma = 0.5});
  const double want[] = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125};
  for (long e = 0; e < 10; ++e) CHECK(sched(e) == Approx(want[e]).epsilon(1e-15));
  CHECK(tl::step_lr(1.0, {.step_size = 30}).get_options().gamma == 0.1);  // PyTorch's default
  CHECK(tl::step_lr(1.0, {.step_size = 30})(65) == Approx(0.01).epsilon(1e-15));
  CHECK_THROWS_AS(tl::step_lr(1.0, {}), std::invalid_argument);  // step_size is required
}

TEST_CASE("exponential_lr: base_lr * gamma^epoch", "[schedule]") {
  const tl::exponential_lr sched(0.1, {.gamma = 0.9});
  CHECK(sched(0) == 0.1);
  CHECK(sched(1) == Approx(0.09).epsilon(1e-15));
  CHECK(sched(2) == Approx(0.081).epsilon(1e-15));
  CHECK(sched(10) == Approx(0.1 * 0.3486784401).epsilon(1e-14));
  CHECK_THROWS_AS(tl::exponential_lr(1.0, {}), std::invalid_argument);  // gamma is required
}

TEST_CASE("cosine_annealing_lr: PyTorch's closed form and its recursive form agree", "[schedule]") {
  const double base = 0.1, eta_min = 0.001;
  const long T_max = 10;
  const tl::cosine_annealing_lr sched(base, {.T_max = T_max, .eta_min = eta_min});
  CHECK(sched(0) == Approx(0.1).epsilon(1e-15));
  CHECK(sched(5) == Approx(0.001 + 0.099 / 2).epsilon(1e-15));  // halfway: the mean
  CHECK(sched(10) == Approx(0.001).epsilon(1e-13));             // T_max: eta_min
  CHECK(sched(15) == Approx(0.0505).epsilon(1e-13));            // past T_max: rising again
  CHECK(sched(20) == Approx(0.1).epsilon(1e-13));
  // PyTorch's CosineAnnealingLR.get_lr(), applied epoch after epoch from base_lr.
  const double pi = std::numbers::pi;
  double lr = base;
  for (long e = 1; e <= 4 * T_max; ++e) {
    if ((e - 1 - T_max) % (2 * T_max) == 0)
      lr = lr + (base - eta_min) * (1 - std::cos(pi / double(T_max))) / 2;
    else
      lr = (1 + std::cos(pi * double(e) / double(T_max))) /
               (1 + std::cos(pi * double(e - 1) / double(T_max))) * (lr - eta_min) + eta_min;
    CHECK(sched(e) == Approx(lr).epsilon(1e-12));
  }
  CHECK_THROWS_AS(tl::cosine_annealing_lr(1.0, {}), std::invalid_argument);  // T_max is required
}

TEST_CASE("a schedule drives an optimizer's learning rate", "[schedule]") {
  auto params = tl::at(p = tl::vector<double, 2>{{1.0, 1.0}});
  const auto g = tl::at(p = tl::vector<double, 2>{{1.0, -1.0}});
  tl::sgd opt(params, {.lr = 0.1});
  tl::step_lr sched(opt, {.step_size = 2, .gamma = 0.5});  // base_lr from the optimizer
  CHECK(sched.base_lr() == 0.1);
  CHECK(sched.last_epoch() == 0);
  double moved = 0;
  for (int e = 0; e < 5; ++e) {
    CHECK(opt.lr() == sched.get_last_lr());
    const double before = params[p][0];
    opt.step(params, g);
    moved += before - params[p][0];
    sched.step(opt);
  }
  CHECK(sched.last_epoch() == 5);
  CHECK(opt.lr() == Approx(0.025));
  CHECK(moved == Approx(0.1 + 0.1 + 0.05 + 0.05 + 0.025));  // sgd moves lr * g each step
  // Or by the closed form, at any epoch: the same rate.
  tl::sgd other(params, {.lr = 0.1});
  other.set_lr(sched(5));
  CHECK(other.lr() == opt.lr());
  sched.step(other, 1);  // jump to an epoch (a resumed run without the schedule's state)
  CHECK(sched.last_epoch() == 1);
  CHECK(other.lr() == 0.1);
}

TEST_CASE("a checkpoint restores the schedule's epoch and the optimizer's rate", "[schedule]") {
  auto params = tl::at(p = tl::vector<double, 2>{{1.0, 1.0}});
  tl::adamw opt(params, {.lr = 0.01});
  tl::cosine_annealing_lr sched(opt, {.T_max = 100});
  for (int e = 0; e < 7; ++e) sched.step(opt);
  const auto bytes = tl::encode_checkpoint(tl::entry("opt", opt), tl::entry("sched", sched));
  tl::adamw opt2(params, {.lr = 0.01});
  tl::cosine_annealing_lr sched2(opt2, {.T_max = 100});
  tl::decode_checkpoint(bytes, "memory", tl::entry("opt", opt2), tl::entry("sched", sched2));
  CHECK(sched2.last_epoch() == 7);
  CHECK(opt2.lr() == opt.lr());
  CHECK(opt2.lr() == Approx(0.005 * (1 + std::cos(std::numbers::pi * 7 / 100))).epsilon(1e-15));
}
