// implicit_euler drives the adjoint with the derived Jacobians of the forward, backsolve and
// checkpointed dynamics.
#include <boost/numeric/odeint/stepper/implicit_euler.hpp>

#include "steppers.hpp"

using namespace steppers;

TEST_CASE("implicit_euler with the derived Jacobians of the adjoint dynamics",
          "[odeint][steppers]") {
  auto o = tol(1e-8);
  o.dt = 2e-3;
  for (auto method : {tlo::adjoint_method::checkpointed, tlo::adjoint_method::backsolve}) {
    o.method = method;
    const auto r = run(o, ode::implicit_euler<double>{});
    INFO("relative error " << error(r));
    CHECK(error(r) < 2e-2);
    CHECK(error(r) > 1e-6);  // first order, so not the reference itself
    CHECK(r.stats.jacobian_evals > 0);
  }
}
