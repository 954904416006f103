// Separate forward and adjoint tolerances and steppers (dopri5 forward, Cash-Karp backward), and
// dense-output stepping, on the spiral MLP with 20 observation times.
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54.hpp>

#include "variants.hpp"

using namespace variants;

TEST_CASE("separate adjoint tolerances and stepper", "[odeint][options]") {
  auto o = base();
  const auto same = run(o, dopri5, dopri5);
  o.adjoint_rtol = o.adjoint_atol = 1e-5;
  const auto loose = run(o, dopri5, dopri5);
  CHECK(error(loose) < 1e-5);
  CHECK(loose.stats.backward_steps < same.stats.backward_steps);
  CHECK(loose.stats.forward_steps == same.stats.forward_steps);
  o = base();
  const auto ck = run(o, dopri5, ode::runge_kutta_cash_karp54<state>{});
  CHECK(error(ck) < 1e-8);
  CHECK(ck.stats.backward_rhs != same.stats.backward_rhs);  // another scheme, other steps
}

TEST_CASE("dense output forward: fewer steps, observations interpolated", "[odeint][options]") {
  auto o = base();
  o.interpolate_observations = false;
  const auto controlled = run(o, dopri5, dopri5);
  const auto dense = run(o, tlo::dense_output(dopri5), dopri5);
  CHECK(error(dense) < 1e-7);
  CHECK(dense.stats.forward_steps < controlled.stats.forward_steps);  // measured: 16 vs 21
  // Interpolating is dopri5's default; the wrapper says the same thing.
  o.interpolate_observations = true;
  const auto by_default = run(o, dopri5, dopri5);
  CHECK(by_default.stats.forward_steps == dense.stats.forward_steps);
  CHECK(by_default.gradient == dense.gradient);
  o.method = tlo::adjoint_method::backsolve;
  CHECK(error(run(o, tlo::dense_output(dopri5), tlo::dense_output(dopri5))) < 1e-7);
}
