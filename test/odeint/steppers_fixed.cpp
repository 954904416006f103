// Fixed-step Odeint steppers drive the adjoint: runge_kutta4 and euler.
#include <boost/numeric/odeint/stepper/euler.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>

#include "steppers.hpp"

using namespace steppers;

TEST_CASE("fixed-step rk4 and euler", "[odeint][steppers]") {
  auto o = tol(1e-8);
  o.dt = 1e-3;
  const auto rk4 = run(o, ode::runge_kutta4<state>{});
  CHECK(error(rk4) < 1e-9);  // fourth order at 1e-3
  CHECK(rk4.stats.forward_steps == 6000);
  o.dt = 1e-4;
  const auto eu = run(o, ode::euler<state>{});
  CHECK(error(eu) < 1e-2);  // first order
  CHECK(error(eu) > 1e-6);
}
