// Inconsistent options (a fixed-step stepper without a step, the seminorm with a stepper whose
// norm tapeless does not own, discretize-then-optimize without a tableau) are rejected with
// std::invalid_argument before any work.
#include <boost/numeric/odeint/stepper/bulirsch_stoer.hpp>
#include <boost/numeric/odeint/stepper/modified_midpoint.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>

#include "failures.hpp"

using namespace failures;

TEST_CASE("inconsistent options are rejected before any work", "[odeint][failures]") {
  caller c;
  const auto model = tlo::ode(linear, z, t, tl::wrt(W, k));
  const auto obj = tlo::loss(tl::sum(Z), Z);
  const auto params = tl::at(W = c.w, k = c.kk);
  tlo::options opt;  // dt = 0
  CHECK_THAT(message_of<std::invalid_argument>([&] {
               (void)tlo::odeint_adjoint(model, obj, c.z0, c.times, params, opt,
                                         ode::runge_kutta4<state>{});
             }),
             Contains("fixed-step stepper needs options::dt > 0"));
  opt.seminorm = true;
  CHECK_THAT(message_of<std::invalid_argument>([&] {
               (void)tlo::odeint_adjoint(model, obj, c.z0, c.times, params, opt,
                                         ode::bulirsch_stoer<state>{});
             }),
             Contains("seminorm"));
  opt.seminorm = false;
  opt.method = tlo::adjoint_method::discretize_then_optimize;
  opt.dt = 0.1;
  CHECK_THAT(message_of<std::invalid_argument>([&] {
               (void)tlo::odeint_adjoint(model, obj, c.z0, c.times, params, opt,
                                         ode::modified_midpoint<state>{});
             }),
             Contains("known tableau"));
}
