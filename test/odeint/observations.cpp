// Observations counted at run time: observation_loss over std::vector or std::span times, checked
// against the whole-trajectory loss over a static Z (the same numbers) and against central
// finite differences on unequally spaced times; bad input is an exception naming the argument.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <span>
#include <stdexcept>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>
#include <vector>

#include "common.hpp"
#include "lotka_model.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;
using odeint_test::rel_err;

namespace {
using namespace lotka;
constexpr auto zi = tl::var<"zi", 2>;  // one observed state
constexpr auto yi = tl::var<"yi", 2>;  // its data
using state = std::array<double, 2>;
using vec2 = tl::vector<double, 2>;

struct params {
  double a = 1.1, b = 0.6, g = 0.9, d = 0.45;
};
auto bind(const params& p) { return tl::at(alpha = p.a, beta = p.b, gamma_ = p.g, delta = p.d); }

// Unequally spaced, and a count no type knows.
const std::vector<double> times{0.0, 0.3, 0.35, 1.2, 2.0, 2.9, 4.0};
const std::vector<vec2> rows{{{1.0, 1.0}}, {{1.9, 0.8}}, {{2.4, 1.1}}, {{1.5, 2.3}},
                             {{0.7, 1.6}}, {{0.9, 0.9}}, {{1.1, 0.4}}};
const vec2 z0{{1.2, 0.9}};
// A smooth per-observation loss with a parameter term (so dL/dtheta has a direct part).
const auto obs = tl::sum(tl::square(zi - yi)) + 0.1 * tl::square(alpha - 1.0);

double loss_of(const params& p, const vec2& zz, const std::vector<double>& tt) {
  tlo::options o;
  o.rtol = o.atol = 1e-13;
  const auto s = tlo::solve(model, zz, tt, bind(p), o, ode::runge_kutta_dopri5<state>{});
  double l = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    l += tl::eval(obs, zi = s[i], yi = rows[i], alpha = p.a);
  return l / double(s.size());
}
}  // namespace

TEST_CASE("observation_loss: gradients against central finite differences",
          "[odeint][observations]") {
  for (auto method : {tlo::adjoint_method::checkpointed, tlo::adjoint_method::backsolve}) {
    CAPTURE(int(method));
    const params p;
    tlo::options opt;
    opt.rtol = opt.atol = 1e-11;
    opt.method = method;
    const auto r = tlo::odeint_adjoint(
        model, tlo::observation_loss(obs, zi, tlo::each(yi, rows), tlo::reduction::mean), z0,
        times, bind(p), opt, ode::runge_kutta_dopri5<state>{});
    static_assert(std::is_same_v<decltype(r.dtimes), std::vector<double>>);
    static_assert(std::is_same_v<decltype(r.states), std::vector<vec2>>);
    REQUIRE(r.dtimes.size() == times.size());
    REQUIRE(r.states.size() == times.size());
    CHECK(rel_err(r.loss, loss_of(p, z0, times)) < 1e-9);
    const double h = 1e-6;
    auto fd_param = [&](double params::*m) {
      params up = p, dn = p;
      up.*m += h;
      dn.*m -= h;
      return (loss_of(up, z0, times) - loss_of(dn, z0, times)) / (2 * h);
    };
    CHECK(r.dparams[alpha] == Approx(fd_param(&params::a)).epsilon(1e-6));
    CHECK(r.dparams[beta] == Approx(fd_param(&params::b)).epsilon(1e-6));
    CHECK(r.dparams[gamma_] == Approx(fd_param(&params::g)).epsilon(1e-6));
    CHECK(r.dparams[delta] == Approx(fd_param(&params::d)).epsilon(1e-6));
    for (std::size_t n = 0; n < 2; ++n) {
      vec2 up = z0, dn = z0;
      up[n] += h;
      dn[n] -= h;
      CHECK(r.dz0[n] == Approx((loss_of(p, up, times) - loss_of(p, dn, times)) / (2 * h))
                            .epsilon(1e-6));
    }
    for (std::size_t i = 0; i < times.size(); ++i) {
      CAPTURE(i);
      auto up = times, dn = times;
      up[i] += h;
      dn[i] -= h;
      CHECK(r.dtimes[i] == Approx((loss_of(p, z0, up) - loss_of(p, z0, dn)) / (2 * h))
                               .epsilon(1e-5)
                               .margin(1e-8));
    }
  }
}

TEST_CASE("observation_loss equals the whole-trajectory loss over a static Z",
          "[odeint][observations]") {
  constexpr auto Z = tl::var<"Z", 7, 2>;
  constexpr auto Y = tl::var<"Y", 7, 2>;
  tl::matrix<double, 7, 2> data;
  for (std::size_t i = 0; i < 7; ++i)
    for (std::size_t n = 0; n < 2; ++n) data(i, n) = rows[i][n];
  std::array<double, 7> static_times;
  std::copy(times.begin(), times.end(), static_times.begin());
  const params p;
  tlo::options opt;
  opt.rtol = opt.atol = 1e-10;
  // sum over observations of sum(|z - y|) = sum(|Z - Y|); mean over observations of it = that / 7.
  const auto whole = tlo::odeint_adjoint(model, tlo::loss(tl::sum(tl::abs(Z - Y)) / 7.0, Z, Y = data),
                                         z0, static_times, bind(p), opt,
                                         ode::runge_kutta_dopri5<state>{});
  const std::span<const double> span_times(times);
  const auto each = tlo::odeint_adjoint(
      model,
      tlo::observation_loss(tl::sum(tl::abs(zi - yi)), zi, tlo::each(yi, rows),
                            tlo::reduction::mean),
      z0, span_times, bind(p), opt, ode::runge_kutta_dopri5<state>{});
  const auto summed = tlo::odeint_adjoint(
      model,
      tlo::observation_loss(tl::sum(tl::abs(zi - yi)), zi, tlo::each(yi, rows),
                            tlo::reduction::sum),
      z0, times, bind(p), opt, ode::runge_kutta_dopri5<state>{});
  CHECK(each.loss == Approx(whole.loss).epsilon(1e-14));
  CHECK(summed.loss == Approx(7 * whole.loss).epsilon(1e-14));
  CHECK(each.dparams[beta] == Approx(whole.dparams[beta]).epsilon(1e-12));
  // (7x the adjoint: the solver's error control sees other magnitudes, hence the wider margin)
  CHECK(summed.dparams[delta] == Approx(7 * whole.dparams[delta]).epsilon(1e-10));
  for (std::size_t n = 0; n < 2; ++n) CHECK(each.dz0[n] == Approx(whole.dz0[n]).epsilon(1e-12));
  for (std::size_t i = 0; i < 7; ++i) {
    CHECK(each.dtimes[i] == Approx(whole.dtimes[i]).epsilon(1e-12).margin(1e-14));
    CHECK(each.states[i][1] == whole.states(i, 1));
  }
  // A loss with no per-observation data: sum over observations of |z|^2.
  const auto plain = tlo::odeint_adjoint(model,
                                         tlo::observation_loss(tl::sum(tl::square(zi)), zi,
                                                               tlo::reduction::sum),
                                         z0, times, bind(p), opt, ode::runge_kutta_dopri5<state>{});
  double want = 0;
  for (const auto& s : plain.states) want += s[0] * s[0] + s[1] * s[1];
  CHECK(plain.loss == Approx(want).epsilon(1e-14));
}

TEST_CASE("observation_loss: a data row count that differs from the times is refused",
          "[odeint][observations]") {
  const std::vector<vec2> short_rows(rows.begin(), rows.end() - 1);
  const auto before = short_rows;
  try {
    (void)tlo::odeint_adjoint(model,
                              tlo::observation_loss(obs, zi, tlo::each(yi, short_rows),
                                                    tlo::reduction::mean),
                              z0, times, bind(params{}), tlo::options{},
                              ode::runge_kutta_dopri5<state>{});
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK_THAT(e.what(), Catch::Contains("has 6 rows, but there are 7 observation times"));
  }
  CHECK(short_rows == before);
}
