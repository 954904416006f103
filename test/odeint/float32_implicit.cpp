// float32: the implicit rosenbrock4<float> (its Jacobians derived in float) against the double
// reference.
#include <boost/numeric/odeint/stepper/rosenbrock4.hpp>

#include "float32.hpp"

using namespace float32;
using M = tlo::adjoint_method;

TEST_CASE("float32: rosenbrock4<float>", "[odeint][float32]") {
  // rosenbrock4's checkpointed gradient is itself ~5e-4 off the continuous one at rtol 1e-5 (and
  // ~7e-4 at the 3e-5 of the other float tests), in double as in float, where float and double
  // rosenbrock4 agree to ~1e-6: rtol 1e-5 here. Its backsolve gradient is within ~5e-6.
  for (M m : {M::checkpointed, M::backsolve}) {
    INFO("method " << int(m));
    tlo::options o = float_opts(m);
    o.rtol = 1e-5;
    compare(run(o, ode::rosenbrock4<float>{}), reference(m), adaptive_tol);
  }
}
