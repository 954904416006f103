#pragma once
// Shared by the reference tests: a forced van der Pol oscillator (f depends on t) with two
// parameters and four observation times, and a runner for any stepper and method.
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/system.hpp>
#include <tapeless/tapeless.hpp>

#include "common.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;
using odeint_test::max_rel_err;

namespace reference {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto mu = tl::var<"mu">;
constexpr auto w = tl::var<"w">;
constexpr auto Z = tl::var<"Z", 4, 2>;
using state = std::array<double, 2>;
// A forced van der Pol oscillator: f depends on t, so a_t and dL/dt_0 are not trivial.
inline const auto f = tl::stack(tl::component<1>(z),
                                mu*(1.0 - tl::square(tl::component<0>(z))) * tl::component<1>(z) -
                                    tl::component<0>(z) + 0.5 * tl::sin(w * t));
inline const auto model = tlo::ode(f, z, t, tl::wrt(mu, w));
inline const auto objective = tlo::loss(tl::sum(tl::square(Z)) + tl::sum(Z), Z);
inline const tl::vector<double, 2> z0{{1.5, -0.5}};
inline const std::array<double, 4> times{0.0, 0.7, 1.9, 3.0};
inline const double mu_v = 0.8, w_v = 1.7;

template <class Stepper>
auto run(tlo::adjoint_method method, double dt, double tol, const std::array<double, 4>& tt = times,
         const tl::vector<double, 2>& zz = z0, double m = mu_v) {
  tlo::options opt;
  opt.method = method;
  opt.dt = dt;
  opt.rtol = opt.atol = tol;
  return tlo::odeint_adjoint(model, objective, zz, tt, tl::at(mu = m, w = w_v), opt, Stepper{});
}

// The gradient as one flat vector: dz0, dmu, dw, dtimes.
template <class R>
std::array<double, 8> flat(const R& r) {
  return {r.dz0[0],    r.dz0[1],    r.dparams[mu], r.dparams[w],
          r.dtimes[0], r.dtimes[1], r.dtimes[2],   r.dtimes[3]};
}

// discretize_then_optimize's forward pass against the Odeint stepper S itself, at fixed steps
// through the public system adapter: the same states (the tableaux are right).
template <class S>
void check_steps_like_odeint() {
  const double dt = 0.1;
  const auto r = run<S>(tlo::adjoint_method::discretize_then_optimize, dt, 1e-8);
  const auto sys = tlo::system(f, z, t, mu = mu_v, w = w_v);
  state x{z0[0], z0[1]};
  double t0 = 0;
  for (std::size_t i = 1; i < 4; ++i) {
    const auto m = static_cast<std::size_t>(std::ceil((times[i] - times[i - 1]) / dt - 1e-9));
    const double h = (times[i] - times[i - 1]) / double(m);
    for (std::size_t k = 0; k < m; ++k) S().do_step(sys, x, t0 + double(k) * h, h);
    t0 = times[i];
    CHECK(std::abs(r.states(i, 0) - x[0]) < 1e-13);
    CHECK(std::abs(r.states(i, 1) - x[1]) < 1e-13);
  }
}
}  // namespace reference
