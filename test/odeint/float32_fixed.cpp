// float32: fixed-step runge_kutta4 in float against the same steps in double, for every adjoint
// method, and the forward solve alone in float against double (adaptive, dense, fixed-step, with
// float and with double observation times).
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>

#include "float32.hpp"

using namespace float32;
using M = tlo::adjoint_method;

TEST_CASE("float32: runge_kutta4, fixed step", "[odeint][float32]") {
  // The same steps in both: what differs is float rounding alone (measured ~3e-6).
  for (M m : {M::checkpointed, M::backsolve, M::discretize_then_optimize}) {
    INFO("method " << int(m));
    tlo::options o;
    o.method = m;
    o.dt = 0.05;
    compare(run(o, ode::runge_kutta4<vecf, float>{}), run(o, ode::runge_kutta4<vecd, double>{}),
            2e-5);
  }
}

TEST_CASE("float32: the forward solve in float against double", "[odeint][float32]") {
  const inputs<float> inf;
  const inputs<double> ind;
  const auto want =
      tlo::solve(model, ind.z0, ind.times, ind.params(), double_opts(M::checkpointed), dopri5d);
  const tlo::options fo = float_opts(M::checkpointed);
  auto check = [&](const auto& got, double tol) {
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(got)>, tl::matrix<float, 6, 2>>);
    const double e = max_rel_err(got.data, want.data, 12);
    INFO("float vs double states: " << e << " (tolerance " << tol << ")");
    CHECK(e < tol);
    CHECK(e > 0);
    for (std::size_t j = 0; j < 2; ++j) CHECK(got(0, j) == inf.z0[j]);
  };
  // Adaptive at rtol 3e-5: the states agree to ~4e-5.
  check(tlo::solve(model, inf.z0, inf.times, inf.params(), fo, dopri5f), 2e-4);
  check(tlo::solve(model, inf.z0, inf.times, inf.params(), fo, tlo::dense_output(dopri5f)), 2e-4);
  // Double observation times with a float stepper are converted to its time type.
  check(tlo::solve(model, inf.z0, ind.times, inf.params(), fo, dopri5f), 2e-4);
  // rk4 at dt = 0.01 is within ~1e-7 of the exact solution: what is left is float rounding
  // (measured ~2e-6).
  tlo::options rk = fo;
  rk.dt = 0.01;
  check(tlo::solve(model, inf.z0, inf.times, inf.params(), rk, ode::runge_kutta4<vecf, float>{}),
        2e-5);
}
