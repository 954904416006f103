// Observers (tlo::observe): on dz/dt = -k z with L = sum over the observations of z(t_i), every
// observed forward state is z0 exp(-k t), every observed adjoint is the closed form
// a(t) = sum_{t_i > t} exp(-k (t_i - t)), the calls match the step counts, and observing changes
// no result.
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <tapeless/odeint.hpp>
#include <vector>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr auto z = tl::var<"z", 1>;
constexpr auto t = tl::var<"t">;
constexpr auto k = tl::var<"k">;
constexpr auto zi = tl::var<"zi", 1>;
constexpr double kv = 0.7, z0v = 1.5;
const std::vector<double> times{0.0, 0.5, 1.25, 2.0};
const auto model = tlo::ode(-k * z, z, t, tl::wrt(k));
const auto objective = tlo::observation_loss(tl::sum(zi), zi, tlo::reduction::sum);

struct seen {
  std::vector<double> t, v;
};

double adjoint_closed_form(double s) {
  double a = 0;
  for (double ti : times)
    if (ti > s + 1e-12) a += std::exp(-kv * (ti - s));
  return a;
}
}  // namespace

TEST_CASE("solve shows every accepted step, in order, on the exact solution", "[observer]") {
  // By default dopri5 steps past the observation times and interpolates them; stopping at
  // each one makes every observation time a step end.
  const bool interpolate = GENERATE(true, false);
  CAPTURE(interpolate);
  seen fwd;
  const auto on_step = [&](const tl::vector<double, 1>& zs, double ts) {
    fwd.t.push_back(ts);
    fwd.v.push_back(zs[0]);
  };
  tlo::options opt;
  opt.rtol = 1e-10;
  opt.atol = 1e-12;
  opt.interpolate_observations = interpolate;
  const ode::runge_kutta_dopri5<std::array<double, 1>> dopri5;
  const auto observed = tlo::solve(model, std::array<double, 1>{z0v}, times, tl::at(k = kv), opt,
                                   dopri5, tlo::observe(on_step));
  const auto plain = tlo::solve(model, std::array<double, 1>{z0v}, times, tl::at(k = kv), opt, dopri5);
  REQUIRE(observed.size() == plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    CHECK(observed[i][0] == plain[i][0]);
    CHECK(plain[i][0] == Approx(z0v * std::exp(-kv * times[i])).epsilon(1e-9));
  }

  REQUIRE(fwd.t.size() > times.size());  // more steps than observations at rtol 1e-10
  CHECK(fwd.t.front() == 0.0);
  CHECK(fwd.v.front() == z0v);
  for (std::size_t i = 1; i < fwd.t.size(); ++i) CHECK(fwd.t[i] > fwd.t[i - 1]);
  for (std::size_t i = 0; i < fwd.t.size(); ++i)
    CHECK(fwd.v[i] == Approx(z0v * std::exp(-kv * fwd.t[i])).epsilon(1e-9));
  if (interpolate) {
    // The last step ends at or past the last time; the others fall where the tolerance puts them.
    CHECK(fwd.t.back() >= 2.0);
    CHECK(fwd.t[fwd.t.size() - 2] < 2.0);
  } else {
    CHECK(fwd.t.back() == 2.0);
    for (double ti : times)  // every observation time is a step end
      CHECK(std::count(fwd.t.begin(), fwd.t.end(), ti) == 1);
  }
}

TEST_CASE("odeint_adjoint shows the forward states and the adjoint", "[observer]") {
  const auto method = GENERATE(tlo::adjoint_method::checkpointed, tlo::adjoint_method::backsolve,
                               tlo::adjoint_method::discretize_then_optimize);
  CAPTURE(int(method));
  tlo::options opt;
  opt.rtol = 1e-10;
  opt.atol = 1e-12;
  opt.method = method;
  const bool discrete = method == tlo::adjoint_method::discretize_then_optimize;
  if (discrete) opt.dt = 0.01;
  seen fwd, bwd;
  const auto obs = tlo::observe(
      [&](const tl::vector<double, 1>& zs, double ts) {
        fwd.t.push_back(ts);
        fwd.v.push_back(zs[0]);
      },
      [&](const tl::vector<double, 1>& as, double ts) {
        bwd.t.push_back(ts);
        bwd.v.push_back(as[0]);
      });
  const std::array<double, 1> z0{z0v};
  const auto observed = [&] {
    if (discrete)
      return tlo::odeint_adjoint(model, objective, z0, times, tl::at(k = kv), opt,
                                 ode::runge_kutta4<std::array<double, 1>>{}, obs);
    return tlo::odeint_adjoint(model, objective, z0, times, tl::at(k = kv), opt,
                               ode::runge_kutta_dopri5<std::array<double, 1>>{}, obs);
  };
  const auto r = observed();
  const auto plain = discrete ? tlo::odeint_adjoint(model, objective, z0, times, tl::at(k = kv),
                                                    opt, ode::runge_kutta4<std::array<double, 1>>{})
                              : tlo::odeint_adjoint(model, objective, z0, times, tl::at(k = kv),
                                                    opt, ode::runge_kutta_dopri5<std::array<double, 1>>{});
  CHECK(r.loss == plain.loss);
  CHECK(r.dz0[0] == plain.dz0[0]);
  CHECK(r.dparams[k] == plain.dparams[k]);

  // The forward pass: t0, then one call per accepted step.
  CHECK(fwd.t.size() == r.stats.forward_steps + 1);
  if (discrete) {
    // 2.0 / dt = 200 fixed steps of 4 stages each way. The backward pass re-integrates each
    // interval once from its checkpoint, keeps the stages, and runs one vjp per stage; the
    // counts are exact and the forward pass's are its own.
    CHECK(r.stats.forward_steps == 200);
    CHECK(r.stats.backward_steps == 200);
    CHECK(r.stats.forward_rhs == 800);
    CHECK(r.stats.reintegration_rhs == 800);
    CHECK(r.stats.backward_rhs == 800);
  }
  CHECK(fwd.t.front() == 0.0);
  // dopri5 interpolates the observations by default: its last step may end past 2.
  if (discrete)
    CHECK(fwd.t.back() == 2.0);
  else
    CHECK(fwd.t.back() >= 2.0);
  for (std::size_t i = 1; i < fwd.t.size(); ++i) CHECK(fwd.t[i] > fwd.t[i - 1]);
  for (std::size_t i = 0; i < fwd.t.size(); ++i)
    CHECK(fwd.v[i] == Approx(z0v * std::exp(-kv * fwd.t[i])).epsilon(discrete ? 1e-8 : 1e-9));

  // The backward pass: from t_{K-1} down to t0, the adjoint before each observation's jump.
  CHECK(bwd.t.size() == (discrete ? 200 : r.stats.backward_steps));
  REQUIRE(bwd.t.size() > 3);
  CHECK(bwd.t.back() == Approx(0.0).margin(1e-15));
  for (std::size_t i = 1; i < bwd.t.size(); ++i) CHECK(bwd.t[i] < bwd.t[i - 1]);
  for (std::size_t i = 0; i < bwd.t.size(); ++i) {
    // At an observation time the jump of that observation is not in yet: take the limit from
    // above, which the closed form gives when asked just above t.
    CHECK(bwd.v[i] == Approx(adjoint_closed_form(bwd.t[i])).epsilon(1e-8));
  }
}

TEST_CASE("every step is counted: dense output's rejected steps, forward and backward apart",
          "[observer][stats]") {
  // A forced, oscillating problem with a first step far too large: many rejections. dopri5
  // evaluates f six times per attempt (first same as last), once for the start, and once more
  // to choose the first step when dt = 0; so forward_rhs = 1 + (dt == 0) + 6 * (accepted +
  // rejected forward attempts) holds exactly when both counts are right, for the controlled
  // stepper and for dense output, whose retries happen inside Odeint's do_step.
  const auto forced = tlo::ode(-k * z * z * z + tl::sin(3.0 * t), z, t, tl::wrt(k));
  const std::vector<double> ts{0.0, 0.5, 1.25, 2.0, 5.0};
  const ode::runge_kutta_dopri5<std::array<double, 1>> dopri5;
  for (const double dt : {0.0, 2.0}) {
    CAPTURE(dt);
    tlo::options opt;
    opt.rtol = 1e-10;
    opt.atol = 1e-12;
    opt.dt = dt;
    const std::array<double, 1> z0{z0v};
    const auto controlled =
        tlo::odeint_adjoint(forced, objective, z0, ts, tl::at(k = kv), opt, dopri5).stats;
    const auto dense = tlo::odeint_adjoint(forced, objective, z0, ts, tl::at(k = kv), opt,
                                           tlo::dense_output(dopri5), dopri5)
                           .stats;
    for (const auto& s : {controlled, dense}) {
      CHECK(s.forward_rejected_steps > 0);
      CHECK(s.forward_rhs ==
            1 + (dt == 0 ? 1 : 0) + 6 * (s.forward_steps + s.forward_rejected_steps));
      CHECK(s.rejected_steps == s.forward_rejected_steps + s.backward_rejected_steps);
    }
    CHECK(controlled.backward_rejected_steps > 0);  // counted apart from the forward ones
  }
}
