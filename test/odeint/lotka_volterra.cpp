// Lotka-Volterra: the adjoint gradient (parameters, initial state, every observation time) against
// central finite differences of the forward solve.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>

#include "common.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;
using odeint_test::rel_err;

namespace {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto alpha = tl::var<"alpha">;
constexpr auto beta = tl::var<"beta">;
constexpr auto gamma_ = tl::var<"gamma">;
constexpr auto delta = tl::var<"delta">;
constexpr auto Z = tl::var<"Z", 6, 2>;
constexpr auto Y = tl::var<"Y", 6, 2>;
using state = std::array<double, 2>;

const auto x = tl::component<0>(z);
const auto y = tl::component<1>(z);
const auto model = tlo::ode(tl::stack(alpha * x - beta * x * y, delta* x* y - gamma_ * y), z, t,
                            tl::wrt(alpha, beta, gamma_, delta));
// Squared error against data, plus a parameter-only term so that dL/dtheta has a direct part.
const auto loss_expr = tl::sum(tl::square(Z - Y)) + 0.1 * tl::square(alpha - 1.0);

const tl::matrix<double, 6, 2> data{{1.0, 1.0, 1.9, 0.8, 2.4, 1.1, 1.5, 2.3, 0.7, 1.6, 0.9, 0.9}};
const std::array<double, 6> times{0.0, 0.5, 1.3, 2.0, 3.1, 4.0};
const tl::vector<double, 2> z0{{1.2, 0.9}};
struct params {
  double a = 1.1, b = 0.6, g = 0.9, d = 0.45;
};

double loss_of(const params& p, const tl::vector<double, 2>& zz, const std::array<double, 6>& tt) {
  tlo::options o;
  o.rtol = 1e-13;
  o.atol = 1e-13;
  const auto states =
      tlo::solve(model, zz, tt, tl::at(alpha = p.a, beta = p.b, gamma_ = p.g, delta = p.d), o,
                 ode::runge_kutta_dopri5<state>{});
  return tl::eval(loss_expr, Z = states, Y = data, alpha = p.a);
}

void check(tlo::adjoint_method method) {
  const params p;
  tlo::options opt;
  opt.rtol = 1e-11;
  opt.atol = 1e-11;
  opt.method = method;
  const auto r = tlo::odeint_adjoint(model, tlo::loss(loss_expr, Z, Y = data), z0, times,
                                     tl::at(alpha = p.a, beta = p.b, gamma_ = p.g, delta = p.d),
                                     opt, ode::runge_kutta_dopri5<state>{});
  CHECK(rel_err(r.loss, loss_of(p, z0, times)) < 1e-9);

  const double h = 1e-5;
  auto fd_param = [&](double params::*m) {
    params up = p, dn = p;
    up.*m += h;
    dn.*m -= h;
    return (loss_of(up, z0, times) - loss_of(dn, z0, times)) / (2 * h);
  };
  CHECK(rel_err(r.dparams[alpha], fd_param(&params::a)) < 1e-6);
  CHECK(rel_err(r.dparams[beta], fd_param(&params::b)) < 1e-6);
  CHECK(rel_err(r.dparams[gamma_], fd_param(&params::g)) < 1e-6);
  CHECK(rel_err(r.dparams[delta], fd_param(&params::d)) < 1e-6);
  for (std::size_t i = 0; i < 2; ++i) {
    auto up = z0, dn = z0;
    up[i] += h;
    dn[i] -= h;
    CHECK(rel_err(r.dz0[i], (loss_of(p, up, times) - loss_of(p, dn, times)) / (2 * h)) < 1e-6);
  }
  for (std::size_t i = 0; i < 6; ++i) {
    auto up = times, dn = times;
    up[i] += h;
    dn[i] -= h;
    const double fd = (loss_of(p, z0, up) - loss_of(p, z0, dn)) / (2 * h);
    INFO("dL/dt_" << i << " = " << r.dtimes[i] << ", finite differences " << fd);
    CHECK(std::abs(r.dtimes[i] - fd) < 1e-6 * std::max(1.0, std::abs(fd)));
  }
}
}  // namespace

TEST_CASE("Lotka-Volterra: checkpointed adjoint against finite differences",
          "[odeint][lotka_volterra]") {
  check(tlo::adjoint_method::checkpointed);
}
TEST_CASE("Lotka-Volterra: backsolve adjoint against finite differences",
          "[odeint][lotka_volterra]") {
  check(tlo::adjoint_method::backsolve);
}
