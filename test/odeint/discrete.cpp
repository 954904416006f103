// Discretize-then-optimize steps exactly like the Odeint stepper (runge_kutta4, dopri5), and its
// gradient is the exact gradient of that discrete solution (central differences of the discrete
// loss agree to 1e-7).
#include "reference.hpp"

using namespace reference;

TEMPLATE_TEST_CASE("discretize-then-optimize steps like the Odeint stepper", "[odeint][discrete]",
                   ode::runge_kutta4<state>, ode::runge_kutta_dopri5<state>) {
  check_steps_like_odeint<TestType>();
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
