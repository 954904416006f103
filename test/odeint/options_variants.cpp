// The adjoint variants on the spiral MLP with 20 observation times: checkpointed and backsolve
// are accurate, the seminorm and the step carried over save steps without losing accuracy.
#include "variants.hpp"

using namespace variants;

// The errors of the defaults are those of interpolating the observations (dopri5's dense output,
// fourth order): measured 7.1e-9 checkpointed and 1.3e-8 backsolve, against 1.2e-9 and 1.8e-9 when
// every step ends at an observation time (interpolate_observations = false).
TEST_CASE("checkpointed and backsolve at 1e-8 are accurate", "[odeint][options]") {
  const auto chk = run(base(), dopri5, dopri5);
  CHECK(error(chk) < 1e-8);
  auto o = base();
  o.method = tlo::adjoint_method::backsolve;
  CHECK(error(run(o, dopri5, dopri5)) < 2e-8);
  o.interpolate_observations = false;
  const auto bs_stop = run(o, dopri5, dopri5);
  CHECK(error(bs_stop) < 3e-9);
  o.method = tlo::adjoint_method::checkpointed;
  const auto chk_stop = run(o, dopri5, dopri5);
  CHECK(error(chk_stop) < 3e-9);
  // Backward evaluations stay within 2x of a forward pass that steps as the backward one must
  // (to every observation time); the interpolating forward pass is cheaper still (116 against 128).
  CHECK(chk.stats.backward_rhs <= 2 * chk_stop.stats.forward_rhs);
  CHECK(chk.stats.forward_rhs < chk_stop.stats.forward_rhs);
}

TEST_CASE("the seminorm leaves the parameter adjoint out of the error estimate",
          "[odeint][options]") {
  for (auto method : {tlo::adjoint_method::checkpointed, tlo::adjoint_method::backsolve}) {
    auto o = base();
    o.method = method;
    const auto full = run(o, dopri5, dopri5);
    o.seminorm = true;
    const auto semi = run(o, dopri5, dopri5);
    CHECK(error(semi) < 2e-8);  // the observations interpolated, as above
    CHECK(semi.stats.backward_rhs < full.stats.backward_rhs);  // measured: 177 vs 255, 195 vs 249
    CHECK(semi.stats.forward_rhs == full.stats.forward_rhs);
  }
}

TEST_CASE("carrying the step size over observation times saves steps", "[odeint][options]") {
  auto o = base();
  const auto carry = run(o, dopri5, dopri5);
  o.carry_step = false;
  const auto restart = run(o, dopri5, dopri5);
  CHECK(error(restart) < 1e-8);
  CHECK(carry.stats.forward_steps < restart.stats.forward_steps);  // measured: 21 vs 52
  CHECK(carry.stats.backward_steps < restart.stats.backward_steps);
}
