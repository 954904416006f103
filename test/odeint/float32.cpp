// float32: the Neural ODE path in float (states, parameters, stepper) against double. Here:
// dopri5 on tl::vector<float, 2> for every adjoint method, with and without the seminorm. The
// other steppers and the forward solve alone are in float32_*.cpp (one or two steppers each, so
// that every translation unit compiles in well under 20 s).
#include "float32.hpp"

using namespace float32;
using M = tlo::adjoint_method;

TEST_CASE("float32: dopri5 on tl::vector<float, 2>, the continuous adjoints", "[odeint][float32]") {
  // The two double references agree far below float's reach.
  CHECK(max_rel_err(reference(M::backsolve).dparams, reference(M::checkpointed).dparams, 4) < 1e-8);
  for (M m : {M::checkpointed, M::backsolve}) {
    for (bool semi : {false, true}) {
      INFO("method " << int(m) << ", seminorm " << semi);
      const gradient f = run(float_opts(m, semi), dopri5f);
      compare(f, reference(m), adaptive_tol);
      CHECK(f.stats.backward_steps > 0);
    }
  }
}

TEST_CASE("float32: dopri5, discretize_then_optimize", "[odeint][float32]") {
  // The same steps in both: what differs is float rounding alone (measured ~3e-6).
  tlo::options o;
  o.method = M::discretize_then_optimize;
  o.dt = 0.1;
  compare(run(o, dopri5f), run(o, dopri5d), 2e-5);
}
