// Inconsistent options (a fixed-step stepper without a step, the seminorm with a stepper whose
// norm tapeless does not own, discretize-then-optimize without a tableau, a number that is not
// finite or has the wrong sign) are rejected with std::invalid_argument before any work; a
// tolerance the arithmetic cannot meet is named as the cause when the step size underflows.
#include <boost/numeric/odeint/stepper/bulirsch_stoer.hpp>
#include <boost/numeric/odeint/stepper/modified_midpoint.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>

#include <limits>
#include <optional>
#include <string>

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

TEST_CASE("non-finite or negative option values are rejected by name", "[odeint][failures]") {
  caller c;
  const caller before;
  const auto model = tlo::ode(linear, z, t, tl::wrt(W, k));
  const auto obj = tlo::loss(tl::sum(Z), Z);
  const auto params = tl::at(W = c.w, k = c.kk);
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct bad_case {
    double tlo::options::*field;
    double value;
    const char* says;
  };
  for (const bad_case& b : {bad_case{&tlo::options::rtol, inf, "options::rtol = inf"},
                            bad_case{&tlo::options::rtol, 0.0, "options::rtol = 0"},
                            bad_case{&tlo::options::atol, nan, "options::atol = nan"},
                            bad_case{&tlo::options::adjoint_rtol, nan, "options::adjoint_rtol = nan"},
                            bad_case{&tlo::options::adjoint_atol, -1.0, "options::adjoint_atol = -1"},
                            bad_case{&tlo::options::dt, nan, "options::dt = nan"},
                            bad_case{&tlo::options::dt, -0.1, "options::dt = -0.1"},
                            bad_case{&tlo::options::min_dt, nan, "options::min_dt = nan"}}) {
    CAPTURE(b.says);
    tlo::options opt;
    opt.*b.field = b.value;
    const std::string m = message_of<std::invalid_argument>([&] {
      (void)tlo::odeint_adjoint(model, obj, c.z0, c.times, params, opt,
                                ode::runge_kutta_dopri5<state>{});
    });
    CHECK_THAT(m, Contains(b.says) && Contains("must be finite"));
    unchanged(c, before);
  }
  tlo::options opt;
  opt.method = tlo::adjoint_method::discretize_then_optimize;
  opt.dt = inf;
  CHECK_THAT(message_of<std::invalid_argument>([&] {
               (void)tlo::odeint_adjoint(model, obj, c.z0, c.times, params, opt,
                                         ode::runge_kutta4<state>{});
             }),
             Contains("needs options::dt > 0 (finite), not inf"));
}

TEST_CASE("a tolerance below the arithmetic's resolution is named as the cause of an underflow",
          "[odeint][failures]") {
  caller c;
  const auto model = tlo::ode(linear, z, t, tl::wrt(W, k));
  tlo::options opt;
  opt.rtol = opt.atol = 1e-300;
  std::optional<tlo::solver_error> e;
  try {
    (void)tlo::solve(model, c.z0, c.times, tl::at(W = c.w, k = c.kk), opt,
                     ode::runge_kutta_dopri5<state>{});
  } catch (const tlo::solver_error& x) {
    e = x;
  }
  REQUIRE(e);
  CHECK(e->kind() == tlo::failure::step_size_underflow);
  CHECK_THAT(std::string(e->what()),
             Contains("the tolerance rtol = 1e-300 is below what the value type resolves"));
}
