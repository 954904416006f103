#pragma once
// Shared by the stepper tests: Lotka-Volterra with two parameters, three observations, and a
// reference gradient (checkpointed dopri5 at 1e-12).
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/tapeless.hpp>
#include <vector>

#include "common.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace steppers {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto a = tl::var<"a">;
constexpr auto b = tl::var<"b">;
constexpr auto Z = tl::var<"Z", 3, 2>;
using state = std::array<double, 2>;
inline const auto x = tl::component<0>(z);
inline const auto y = tl::component<1>(z);
inline const auto model =
    tlo::ode(tl::stack(a * x - 0.6 * x * y, b* x* y - 0.9 * y), z, t, tl::wrt(a, b));
inline const auto objective = tlo::loss(tl::sum(tl::square(Z)), Z);
inline const tl::vector<double, 2> z0{{1.2, 0.9}};
inline const std::array<double, 3> times{0.0, 2.0, 6.0};

struct outcome {
  std::array<double, 7> gradient;
  tlo::solve_stats stats;
};
template <class S, class A = S>
outcome run(const tlo::options& opt, const S& stepper, const A& adjoint_stepper = A{}) {
  const auto r = tlo::odeint_adjoint(model, objective, z0, times, tl::at(a = 1.1, b = 0.45), opt,
                                     stepper, adjoint_stepper);
  return {{r.dparams[a], r.dparams[b], r.dz0[0], r.dz0[1], r.dtimes[0], r.dtimes[1], r.dtimes[2]},
          r.stats};
}
inline const outcome& reference() {
  static const outcome r = [] {
    tlo::options o;
    o.rtol = o.atol = 1e-12;
    return run(o, ode::runge_kutta_dopri5<state>{});
  }();
  return r;
}
inline double error(const outcome& o) {
  return odeint_test::max_rel_err(o.gradient, reference().gradient, 7);
}
inline tlo::options tol(double e) {
  tlo::options o;
  o.rtol = o.atol = e;
  return o;
}
}  // namespace steppers
