// float32: cash_karp54 in float against the double reference, adaptive and as the tableau of
// discretize_then_optimize.
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54.hpp>

#include "float32.hpp"

using namespace float32;
using M = tlo::adjoint_method;

TEST_CASE("float32: cash_karp54", "[odeint][float32]") {
  const ode::runge_kutta_cash_karp54<vecf, float> ck54f;
  for (M m : {M::checkpointed, M::backsolve}) {
    for (bool semi : {false, true}) {
      INFO("method " << int(m) << ", seminorm " << semi);
      compare(run(float_opts(m, semi), ck54f), reference(m), adaptive_tol);
    }
  }
}

TEST_CASE("float32: discretize_then_optimize with the cash_karp54 tableau", "[odeint][float32]") {
  tlo::options o;
  o.method = M::discretize_then_optimize;
  o.dt = 0.1;
  // Against the continuous gradient: dt = 0.1 with a fifth-order tableau is within ~1e-6 of it
  // (measured 2e-6 in float).
  compare(run(o, ode::runge_kutta_cash_karp54<vecf, float>{}), reference(M::checkpointed), 2e-5);
}
