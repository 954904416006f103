// float32: dopri5 on std::array<float, 2> states, and a float stepper with double time (Odeint's
// Time parameter apart from its value type), against the double reference.
#include "float32.hpp"

using namespace float32;
using M = tlo::adjoint_method;

TEST_CASE("float32: std::array<float, 2> states", "[odeint][float32]") {
  const ode::runge_kutta_dopri5<std::array<float, 2>, float> dopri5a;
  for (M m : {M::checkpointed, M::backsolve}) {
    INFO("method " << int(m));
    compare(run(float_opts(m), dopri5a), reference(m), adaptive_tol);
  }
}

TEST_CASE("float32: float values with double time", "[odeint][float32]") {
  // Odeint's Time parameter: float values and states, double times (every time Odeint sees).
  const ode::runge_kutta_dopri5<vecf, float, vecf, double> mixed;
  for (M m : {M::checkpointed, M::backsolve}) {
    INFO("method " << int(m));
    compare(run(float_opts(m), mixed), reference(m), adaptive_tol);
  }
}
