// Adaptive Odeint steppers drive the adjoint: Bulirsch-Stoer (its long steps need the
// interpolant's refinement), Cash-Karp, a scheme named with tapeless::vector states; plus
// checkpoints between observation times and Chen et al.'s pure backsolve.
#include <boost/numeric/odeint/stepper/bulirsch_stoer.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54.hpp>

#include "steppers.hpp"

using namespace steppers;

TEST_CASE("bulirsch_stoer forward and backward", "[odeint][steppers]") {
  const auto r = run(tol(1e-10), ode::bulirsch_stoer<state>{});
  CHECK(error(r) < 1e-8);
  CHECK(r.stats.backward_steps > 0);
}

TEST_CASE("cash_karp54 forward, dopri5 backward, with the seminorm", "[odeint][steppers]") {
  auto o = tol(1e-10);
  o.seminorm = true;
  CHECK(error(run(o, ode::runge_kutta_cash_karp54<state>{}, ode::runge_kutta_dopri5<state>{})) <
        1e-8);
}

TEST_CASE("a scheme named with tapeless::vector states", "[odeint][steppers]") {
  CHECK(error(run(tol(1e-10), ode::runge_kutta_dopri5<tl::vector<double, 2>>{})) < 1e-8);
}

TEST_CASE("checkpoints between observation times", "[odeint][steppers]") {
  auto o = tol(1e-9);
  o.reuse_forward_steps = false;  // re-integrate every segment from its checkpoint
  const auto plain = run(o, ode::runge_kutta_dopri5<state>{});
  o.checkpoint_every = 4;
  const auto more = run(o, ode::runge_kutta_dopri5<state>{});
  CHECK(error(more) < 1e-7);
  // every extra checkpoint starts one more interpolation segment, with its own first node
  CHECK(more.stats.interpolation_evals > plain.stats.interpolation_evals + 5);
  CHECK(more.stats.reintegration_rhs > 0);
  // With the forward steps kept, the interpolant is the forward pass's, whatever the checkpoints:
  // they only split the backward solve.
  o.reuse_forward_steps = true;
  const auto kept = run(o, ode::runge_kutta_dopri5<state>{});
  o.checkpoint_every = 0;
  const auto kept_plain = run(o, ode::runge_kutta_dopri5<state>{});
  CHECK(error(kept) < 1e-7);
  CHECK(kept.stats.interpolation_evals == kept_plain.stats.interpolation_evals);
  CHECK(kept.stats.forward_rhs == kept_plain.stats.forward_rhs);
  CHECK(kept.stats.reintegration_rhs < more.stats.reintegration_rhs);
}

TEST_CASE("pure backsolve (no reset of z at observations)", "[odeint][steppers]") {
  auto o = tol(1e-10);
  o.method = tlo::adjoint_method::backsolve;
  o.reset_state = false;
  CHECK(error(run(o, ode::runge_kutta_dopri5<state>{})) < 1e-6);
}
