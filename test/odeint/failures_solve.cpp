// Solver failures (step size underflow, too many steps) end in a solver_error naming what and at
// what time; the caller's data is unchanged.
#include "failures.hpp"

using namespace failures;

TEST_CASE("step size underflow at a singularity", "[odeint][failures]") {
  // dz/dt = k / (0.75 - t): no solution past t = 0.75, the step size collapses there.
  caller c;
  const auto singular = tl::stack(k / (0.75 - t), k * tl::component<1>(z)) + 0.0 * tl::matmul(W, z);
  const auto e = failure_of(c, singular, tlo::options{});
  CHECK(e.kind() == tlo::failure::step_size_underflow);
  CHECK(std::abs(e.time() - 0.75) < 1e-6);
  CHECK_THAT(e.what(), Contains("step size underflow at t = 0.75 in the forward solve") &&
                           Contains("the forward solve"));
}

TEST_CASE("too many steps, forward and backward", "[odeint][failures]") {
  caller c;
  tlo::options opt;
  opt.max_steps = 5;
  auto e = failure_of(c, linear, opt);
  CHECK(e.kind() == tlo::failure::too_many_steps);
  CHECK_THAT(e.what(),
             Contains("more than options::max_steps = 5") && Contains("the forward solve"));
  CHECK(e.time() > 0.0);
  CHECK(e.time() < 0.5);
  // A loose forward solve fits; the much tighter adjoint does not.
  opt.rtol = opt.atol = 1e-3;
  opt.adjoint_rtol = opt.adjoint_atol = 1e-13;
  opt.max_steps = 40;
  e = failure_of(c, linear, opt);
  CHECK(e.kind() == tlo::failure::too_many_steps);
  CHECK_THAT(e.what(), Contains("the adjoint (backward) solve"));
}
