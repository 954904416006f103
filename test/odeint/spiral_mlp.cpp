// The spiral model of the Neural ODE demo, an MLP 2 -> 50 -> 2 with tanh on z^3: the adjoint
// gradient for every parameter symbol (sampled entries), the initial state and the observation
// times against central finite differences of the forward solve.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <random>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>

#include "common.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto W1 = tl::var<"W1", 50, 2>;
constexpr auto b1 = tl::var<"b1", 50>;
constexpr auto W2 = tl::var<"W2", 2, 50>;
constexpr auto b2 = tl::var<"b2", 2>;
constexpr auto Z = tl::var<"Z", 5, 2>;
constexpr auto Y = tl::var<"Y", 5, 2>;
using state = std::array<double, 2>;

const auto model = tlo::ode(tl::matmul(W2, tl::tanh(tl::matmul(W1, tl::pow<3>(z)) + b1)) + b2, z, t,
                            tl::wrt(W1, b1, W2, b2));
// Mean absolute error as in the demo; the data are far enough from the trajectory that no
// difference changes sign under the finite-difference perturbations.
const auto loss_expr = tl::mean(tl::abs(Z - Y));

struct weights {
  tl::matrix<double, 50, 2> w1;
  tl::vector<double, 50> bb1;
  tl::matrix<double, 2, 50> w2;
  tl::vector<double, 2> bb2;
};
weights init() {
  std::mt19937 gen(7);
  std::normal_distribution<double> n(0.0, 0.3);
  weights w{};
  for (auto& x : w.w1.data) x = n(gen);
  for (auto& x : w.bb1.data) x = n(gen);
  for (auto& x : w.w2.data) x = n(gen);
  for (auto& x : w.bb2.data) x = n(gen);
  return w;
}
const tl::matrix<double, 5, 2> data{{3.0, 3.0, -3.0, 3.0, 3.0, -3.0, -3.0, -3.0, 3.0, 3.0}};
const std::array<double, 5> times{0.0, 0.1, 0.25, 0.4, 0.5};
const tl::vector<double, 2> z0{{2.0, 0.0}};

double loss_of(const weights& w, const tl::vector<double, 2>& zz, const std::array<double, 5>& tt) {
  tlo::options o;
  o.rtol = 1e-13;
  o.atol = 1e-13;
  const auto s = tlo::solve(model, zz, tt,
                            tl::at(W1 = std::cref(w.w1), b1 = std::cref(w.bb1),
                                   W2 = std::cref(w.w2), b2 = std::cref(w.bb2)),
                            o, ode::runge_kutta_dopri5<state>{});
  return tl::eval(loss_expr, Z = s, Y = data);
}
}  // namespace

TEST_CASE("spiral MLP: checkpointed adjoint against finite differences", "[odeint][spiral]") {
  const weights w = init();
  tlo::options opt;
  opt.rtol = 1e-11;
  opt.atol = 1e-11;
  const auto r = tlo::odeint_adjoint(model, tlo::loss(loss_expr, Z, Y = data), z0, times,
                                     tl::at(W1 = w.w1, b1 = w.bb1, W2 = w.w2, b2 = w.bb2), opt,
                                     ode::runge_kutta_dopri5<state>{});
  CHECK(odeint_test::rel_err(r.loss, loss_of(w, z0, times)) < 1e-10);
  const double h = 1e-6;
  // dL/dx by central differences, for any member (and element) of the weights.
  auto fd = [&](auto weights::*m, std::size_t i) {
    weights up = w, dn = w;
    (up.*m)[i] += h;
    (dn.*m)[i] -= h;
    return (loss_of(up, z0, times) - loss_of(dn, z0, times)) / (2 * h);
  };
  // Finite differences of a solve at 1e-13 carry an absolute error of a few 1e-10 here; the
  // gradient entries range from 3e-5 to 0.3.
  auto close = [](double got, double want) {
    return std::abs(got - want) <= 1e-6 * std::abs(want) + 2e-9;
  };
  for (std::size_t i : {0u, 7u, 33u, 99u}) {
    INFO("W1[" << i << "]");
    CHECK(close(r.dparams[W1][i], fd(&weights::w1, i)));
  }
  for (std::size_t i : {0u, 21u, 49u}) {
    INFO("b1[" << i << "]");
    CHECK(close(r.dparams[b1][i], fd(&weights::bb1, i)));
  }
  for (std::size_t i : {3u, 50u, 98u}) {
    INFO("W2[" << i << "]");
    CHECK(close(r.dparams[W2][i], fd(&weights::w2, i)));
  }
  for (std::size_t i : {0u, 1u}) {
    INFO("b2[" << i << "]");
    CHECK(close(r.dparams[b2][i], fd(&weights::bb2, i)));
    CHECK(r.dparams[b2][i] != 0.0);
  }
  for (std::size_t i = 0; i < 2; ++i) {
    auto up = z0, dn = z0;
    up[i] += h;
    dn[i] -= h;
    INFO("z0[" << i << "]");
    CHECK(close(r.dz0[i], (loss_of(w, up, times) - loss_of(w, dn, times)) / (2 * h)));
  }
  for (std::size_t i = 0; i < 5; ++i) {
    auto up = times, dn = times;
    up[i] += h;
    dn[i] -= h;
    INFO("t[" << i << "]");
    CHECK(close(r.dtimes[i], (loss_of(w, z0, up) - loss_of(w, z0, dn)) / (2 * h)));
  }
}
