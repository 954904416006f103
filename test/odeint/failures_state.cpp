// A state that becomes non-finite ends in a solver_error naming the time and the element; the
// caller's data is unchanged.
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>

#include "failures.hpp"

using namespace failures;

TEST_CASE("a state that becomes non-finite", "[odeint][failures]") {
  // Fixed rk4 steps of 0.25 on dz/dt = z^2 (z0 = 1 blows up at t = 1): inf, then nan.
  caller c;
  c.z0 = {{4.0, 1.0}};
  tlo::options opt;
  opt.dt = 0.25;
  const auto blowup = tl::square(z) * k + 0.0 * tl::matmul(W, z);
  const auto e = failure_of(c, blowup, opt, ode::runge_kutta4<state>{});
  CHECK(e.kind() == tlo::failure::non_finite_state);
  CHECK(e.time() > 0.0);
  CHECK(e.time() <= 1.0);
  CHECK_THAT(e.what(), Contains("non-finite state at t = ") && Contains("element 0"));
}
