// A stiff system: van der Pol with mu = 1000. Its Jacobian df/dz and df/dt are derived exactly
// from the one expression of f and handed to Odeint's rosenbrock4, which then takes a few hundred
// steps where an explicit stepper takes tens of thousands; the adjoint runs rosenbrock4 backward
// too, with the Jacobian of the adjoint dynamics derived the same way.
#include <algorithm>
#include <array>
#include <boost/numeric/odeint/integrate/integrate_adaptive.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_controller.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_dense_output.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <cstdio>
#include <tapeless/odeint.hpp>
#include <tapeless/tapeless.hpp>

#include "cli.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "stiff");
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  constexpr auto mu = tl::var<"mu">;
  const auto x = tl::component<0>(z);
  const auto v = tl::component<1>(z);
  const auto f = tl::stack(v, mu * (1.0 - tl::square(x)) * v - x);
  std::printf("f(z)      = %s\n", tl::to_string(f).c_str());
  std::printf("df/dmu    = %s\n", tl::to_string(tl::d(f, mu)).c_str());

  const double m = 1000.0, T = 2.0;
  const double tol = 1e-6;

  // ---- forward: rosenbrock4 with the derived Jacobian against dopri5 ----
  // [implicit]
  auto implicit = tlo::implicit_system(f, z, t, mu = m);  // std::pair: (system, Jacobian)
  boost::numeric::ublas::vector<double> xr(2);
  xr[0] = 2.0;
  xr[1] = 0.0;
  const std::size_t ros = ode::integrate_adaptive(
      ode::make_dense_output(tol, tol, ode::rosenbrock4<double>()), implicit, xr, 0.0, T, 1e-6);
  // [/implicit]
  std::array<double, 2> xd{2.0, 0.0};
  const std::size_t dop = ode::integrate_adaptive(
      ode::make_controlled(tol, tol, ode::runge_kutta_dopri5<std::array<double, 2>>()),
      tlo::system(f, z, t, mu = m), xd, 0.0, T, 1e-6);
  std::printf("z(%g): rosenbrock4 (%zu steps) = [%.6f, %.6f], dopri5 (%zu steps) = [%.6f, %.6f]\n",
              T, ros, xr[0], xr[1], dop, xd[0], xd[1]);

  // ---- the gradient of L = |z(T)|^2 with respect to mu and z0, rosenbrock4 both ways ----
  constexpr auto Z = tl::var<"Z", 2, 2>;
  const auto model = tlo::ode(f, z, t, tl::wrt(mu));
  const auto objective = tlo::loss(tl::sum(tl::square(Z)), Z);
  const tl::vector<double, 2> z0{{2.0, 0.0}};
  const std::array<double, 2> times{0.0, T};
  tlo::options opt;
  opt.rtol = opt.atol = 1e-9;
  // [observer]
  // An observer sees every accepted step: here, the range of step sizes rosenbrock4 takes.
  double last_t = 0, h_min = T, h_max = 0;
  std::size_t backward_calls = 0;
  const auto on_forward = [&](const tl::vector<double, 2>&, double tn) {
    if (tn > 0) {
      h_min = std::min(h_min, tn - last_t);
      h_max = std::max(h_max, tn - last_t);
    }
    last_t = tn;
  };
  const auto on_backward = [&](const tl::vector<double, 2>& /*a = dL/dz(t)*/, double) {
    ++backward_calls;
  };
  const auto r = tlo::odeint_adjoint(model, objective, z0, times, tl::at(mu = m), opt,
                                     ode::rosenbrock4<double>(),
                                     tlo::observe(on_forward, on_backward));
  // [/observer]
  std::printf("L = %.9f, dL/dmu = %.6e, dL/dz0 = [%.6f, %.6f]\n", r.loss, r.dparams[mu], r.dz0[0],
              r.dz0[1]);
  std::printf("  forward %zu steps, backward %zu steps, %zu Jacobians\n", r.stats.forward_steps,
              r.stats.backward_steps, r.stats.jacobian_evals);
  std::printf("  observed: forward steps from %.2e to %.2e, %zu backward steps\n", h_min, h_max,
              backward_calls);

  // The same by central finite differences of the forward solve.
  auto loss_at = [&](double mm) {
    const auto s = tlo::solve(model, z0, times, tl::at(mu = mm), opt, ode::rosenbrock4<double>());
    return tl::eval(tl::sum(tl::square(Z)), Z = s);
  };
  const double h = 1e-3;
  const double fd = (loss_at(m + h) - loss_at(m - h)) / (2 * h);
  std::printf("finite differences: dL/dmu = %.6e (relative difference %.1e)\n", fd,
              std::abs(fd - r.dparams[mu]) / std::abs(fd));
}
