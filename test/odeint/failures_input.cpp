// Bad input (times out of order, a non-finite parameter or initial state) ends in a solver_error
// naming what and when, before any work; the caller's data is unchanged.
#include "failures.hpp"

using namespace failures;

TEST_CASE("observation times out of order", "[odeint][failures]") {
  caller c;
  c.times = {0.0, 0.5, 0.5};
  auto e = failure_of(c, linear, tlo::options{});
  CHECK(e.kind() == tlo::failure::times_out_of_order);
  CHECK(e.time() == 0.5);
  CHECK_THAT(e.what(), Contains("out of order") && Contains("t[2] = 0.5 is not after t[1] = 0.5"));
  c.times = {0.0, 1.0, 0.25};
  e = failure_of(c, linear, tlo::options{});
  CHECK(e.time() == 0.25);
  c.times = {0.0, not_a_number, 1.0};
  e = failure_of(c, linear, tlo::options{});
  CHECK(e.kind() == tlo::failure::times_out_of_order);
  CHECK_THAT(e.what(), Contains("t[1] = nan is not finite"));
}

TEST_CASE("non-finite parameter or initial state", "[odeint][failures]") {
  caller c;
  c.w(1, 0) = std::numeric_limits<double>::infinity();
  auto e = failure_of(c, linear, tlo::options{});
  CHECK(e.kind() == tlo::failure::non_finite_parameter);
  CHECK(e.time() == 0.0);
  CHECK_THAT(e.what(), Contains("'W'") && Contains("element 2") && Contains("inf"));
  c = caller{};
  c.kk = not_a_number;
  e = failure_of(c, linear, tlo::options{});
  CHECK_THAT(e.what(), Contains("'k'") && Contains("nan"));
  c = caller{};
  c.z0[1] = not_a_number;
  e = failure_of(c, linear, tlo::options{});
  CHECK(e.kind() == tlo::failure::non_finite_parameter);
  CHECK_THAT(e.what(), Contains("initial state") && Contains("z0[1] = nan"));
}

TEST_CASE("the forward solve alone fails the same way", "[odeint][failures]") {
  caller c;
  const auto model = tlo::ode(linear, z, t, tl::wrt(W, k));
  tlo::options opt;
  opt.max_steps = 3;
  const caller before = c;
  CHECK_THAT(message_of<tlo::solver_error>([&] {
               (void)tlo::solve(model, c.z0, c.times,
                                tl::at(W = std::cref(c.w), k = std::cref(c.kk)), opt, dopri5{});
             }),
             Contains("too many steps"));
  unchanged(c, before);
}
