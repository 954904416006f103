// float32: dense_output(dopri5) in float against the double reference.
#include "float32.hpp"

using namespace float32;
using M = tlo::adjoint_method;

TEST_CASE("float32: dense_output(dopri5)", "[odeint][float32]") {
  for (M m : {M::checkpointed, M::backsolve}) {
    for (bool semi : {false, true}) {
      INFO("method " << int(m) << ", seminorm " << semi);
      compare(run(float_opts(m, semi), tlo::dense_output(dopri5f)), reference(m), adaptive_tol);
    }
  }
}
