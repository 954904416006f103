// Discretize-then-optimize steps exactly like the Odeint stepper, and its gradient is the exact
// gradient of that discrete solution (central differences of the discrete loss agree to 1e-7).
#include <boost/numeric/odeint/stepper/euler.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54.hpp>
#include <tapeless/odeint/system.hpp>

#include "reference.hpp"

using namespace reference;

TEMPLATE_TEST_CASE("discretize-then-optimize steps like the Odeint stepper", "[odeint][discrete]",
                   ode::euler<state>, ode::runge_kutta4<state>, ode::runge_kutta_dopri5<state>,
                   ode::runge_kutta_cash_karp54<state>) {
  const double dt = 0.1;
  const auto r = run<TestType>(tlo::adjoint_method::discretize_then_optimize, dt, 1e-8);
  // Odeint's own stepper, fixed steps through the public system adapter.
  const auto sys = tlo::system(f, z, t, mu = mu_v, w = w_v);
  state x{z0[0], z0[1]};
  double t0 = 0;
  for (std::size_t i = 1; i < 4; ++i) {
    const auto m = static_cast<std::size_t>(std::ceil((times[i] - times[i - 1]) / dt - 1e-9));
    const double h = (times[i] - times[i - 1]) / double(m);
    for (std::size_t k = 0; k < m; ++k) TestType().do_step(sys, x, t0 + double(k) * h, h);
    t0 = times[i];
    CHECK(std::abs(r.states(i, 0) - x[0]) < 1e-13);
    CHECK(std::abs(r.states(i, 1) - x[1]) < 1e-13);
  }
}

TEST_CASE("discretize-then-optimize is the exact gradient of the discrete solution",
          "[odeint][discrete]") {
  // A coarse step: the discrete solution is far from the exact one, its gradient exact all the
  // same.
  using rk4 = ode::runge_kutta4<state>;
  const double dt = 0.25;
  const auto dto = tlo::adjoint_method::discretize_then_optimize;
  const auto r = run<rk4>(dto, dt, 1e-8);
  const double h = 1e-6;
  std::array<double, 8> fd{};
  for (std::size_t i = 0; i < 2; ++i) {
    auto up = z0, dn = z0;
    up[i] += h;
    dn[i] -= h;
    fd[i] = (run<rk4>(dto, dt, 1e-8, times, up).loss - run<rk4>(dto, dt, 1e-8, times, dn).loss) /
            (2 * h);
  }
  fd[2] = (run<rk4>(dto, dt, 1e-8, times, z0, mu_v + h).loss -
           run<rk4>(dto, dt, 1e-8, times, z0, mu_v - h).loss) /
          (2 * h);
  for (std::size_t i = 0; i < 4; ++i) {
    auto up = times, dn = times;
    up[i] += h;
    dn[i] -= h;
    fd[4 + i] = (run<rk4>(dto, dt, 1e-8, up).loss - run<rk4>(dto, dt, 1e-8, dn).loss) / (2 * h);
  }
  const auto g = flat(r);
  for (std::size_t i : {0u, 1u, 2u, 4u, 5u, 6u, 7u}) {
    INFO("gradient entry " << i << ": " << g[i] << " vs " << fd[i]);
    CHECK(std::abs(g[i] - fd[i]) < 1e-7 * std::max(1.0, std::abs(fd[i])));
  }
  // ...and it is not the continuous gradient (so this check could tell them apart).
  const auto exact =
      run<ode::runge_kutta_dopri5<state>>(tlo::adjoint_method::checkpointed, 0, 1e-12);
  CHECK(max_rel_err(g, flat(exact), 8) > 1e-4);
}
