// The Neural ODE adjoint: tapeless against an adjoint written by hand on Boost.Odeint, one binary,
// ratios from the same run (docs/neural_ode.md).
//
// Problem (issue 3): the spiral MLP dz/dt = W2 tanh(W1 z^3 + b1) + b2 (2 -> 50 -> 2), float64,
// 100 observation times on [0, 2.5], loss the mean absolute error against the true spiral,
// dopri5 with rtol 1e-10 and atol 1e-12; the full gradient (dL/dz0, dL/dtheta for the four
// parameter blocks, dL/dt_i).
//
// The hand-written side is what an engineer writes with Odeint and no AD: the forward and the
// augmented right-hand sides coded by hand (backpropagation through the MLP written out), the
// augmented state [z, a, a_theta] in one std::array, controlled dopri5 with Odeint's default error
// checker, the adjoint jumps at the observation times, z reset to the forward value there (as
// torchdiffeq does), the step size carried from one interval to the next. tapeless runs the same
// algorithm (adjoint_method::backsolve) with the same steps; main() checks that both give the
// same gradient and the same counts of right-hand-side evaluations before timing anything.
//
// Measured, both as paired rounds (one batch of each side back to back, alternating order, the
// ratio taken per round, the median over rounds reported; on a shared machine this cancels the
// load, which changes from second to second):
//   gradient   the whole gradient: forward pass, loss, backward pass
//   aug rhs    one evaluation of the augmented right-hand side
//   fwd rhs    one evaluation of f
// and, for tapeless only, the other variants (checkpointed, seminorm) with their evaluation counts.
#include <algorithm>
#include <array>
#include <boost/numeric/odeint/stepper/controlled_runge_kutta.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tapeless/odeint.hpp>
#include <tapeless/tapeless.hpp>
#include <vector>

#include "paired.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
using bench::escape;
using bench::human;
using bench::lcg;
using bench::measure;
using bench::paired;
using bench::quantile;
using bench::time_batch;

constexpr std::size_t H = 50, K = 100;
constexpr double tol_rel = 1e-10, tol_abs = 1e-12;

// ---- the problem ----
struct weights {
  tl::matrix<double, H, 2> W1;
  tl::vector<double, H> b1;
  tl::matrix<double, 2, H> W2;
  tl::vector<double, 2> b2;
};
weights make_weights() {
  lcg r;
  weights w{};
  for (auto& x : w.W1.data) x = r(-0.3, 0.3);
  for (auto& x : w.b1.data) x = r(-0.1, 0.1);
  for (auto& x : w.W2.data) x = r(-0.3, 0.3);
  for (auto& x : w.b2.data) x = r(-0.1, 0.1);
  return w;
}

// ---- the hand-written adjoint ------------------------------------------------------------------
constexpr std::size_t P = 2 * H + H + 2 * H + 2;  // W1, b1, W2, b2, flattened row-major
constexpr std::size_t M = 2 + 2 + P + 1;          // [z, a, a_theta, a_t]
using state2 = std::array<double, 2>;
using aug_state = std::array<double, M>;

struct hand_forward {
  const weights* w;
  std::size_t* count;
  void operator()(const state2& z, state2& dz, double) const {
    ++*count;
    const double u0 = z[0] * z[0] * z[0], u1 = z[1] * z[1] * z[1];
    double f0 = w->b2[0], f1 = w->b2[1];
    for (std::size_t j = 0; j < H; ++j) {
      const double h = std::tanh(w->W1(j, 0) * u0 + w->W1(j, 1) * u1 + w->b1[j]);
      f0 += w->W2(0, j) * h;
      f1 += w->W2(1, j) * h;
    }
    dz[0] = f0;
    dz[1] = f1;
  }
};

// d/dt [z, a, a_theta, a_t] = [f, -a^T df/dz, -a^T df/dtheta, 0] (f does not depend on t).
struct hand_augmented {
  const weights* w;
  std::size_t* count;
  void operator()(const aug_state& s, aug_state& ds, double) const {
    ++*count;
    const double z0 = s[0], z1 = s[1], a0 = s[2], a1 = s[3];
    const double u0 = z0 * z0 * z0, u1 = z1 * z1 * z1;
    double* dW1 = &ds[4];
    double* db1 = dW1 + 2 * H;
    double* dW2 = db1 + H;
    double* db2 = dW2 + 2 * H;
    double f0 = w->b2[0], f1 = w->b2[1], gu0 = 0, gu1 = 0;
    for (std::size_t j = 0; j < H; ++j) {
      const double h = std::tanh(w->W1(j, 0) * u0 + w->W1(j, 1) * u1 + w->b1[j]);
      f0 += w->W2(0, j) * h;
      f1 += w->W2(1, j) * h;
      // backward through W2 h + b2, then tanh, then W1 u + b1
      dW2[j] = -a0 * h;
      dW2[H + j] = -a1 * h;
      const double gp = (a0 * w->W2(0, j) + a1 * w->W2(1, j)) * (1 - h * h);
      db1[j] = -gp;
      dW1[2 * j] = -gp * u0;
      dW1[2 * j + 1] = -gp * u1;
      gu0 += gp * w->W1(j, 0);
      gu1 += gp * w->W1(j, 1);
    }
    db2[0] = -a0;
    db2[1] = -a1;
    ds[0] = f0;
    ds[1] = f1;
    ds[2] = -gu0 * 3 * z0 * z0;
    ds[3] = -gu1 * 3 * z1 * z1;
    ds[M - 1] = 0;
  }
};

// Integrate from t to t_end with a controlled stepper, the step size carried in and out.
template <class Stepper, class Sys, class State>
void advance(Stepper& st, Sys sys, State& x, double& t, double t_end, double& dt,
             std::size_t& steps) {
  const double dir = t_end > t ? 1.0 : -1.0;
  if (dt * dir <= 0) dt = dir * std::abs(dt);
  while (dir * (t_end - t) > 0) {
    double h = dt;
    const bool last = dir * (t + h * (1 + 1e-6) - t_end) >= 0;
    if (last) h = t_end - t;
    if (st.try_step(sys, x, t, h) == ode::success) {
      ++steps;
      if (last) t = t_end;
      dt = (last && std::abs(h) < std::abs(dt)) ? dt : h;
    } else {
      dt = h;
    }
  }
}

struct hand_result {
  double loss = 0;
  std::array<double, 2> dz0{};
  std::array<double, P> dtheta{};
  std::array<double, K> dtimes{};
  std::size_t forward_rhs = 0, backward_rhs = 0;
};

hand_result hand_gradient(const weights& w, const state2& z0, const std::array<double, K>& times,
                          const std::array<state2, K>& data, double dt0) {
  hand_result r;
  using fwd_stepper = ode::runge_kutta_dopri5<state2>;
  using aug_stepper = ode::runge_kutta_dopri5<aug_state>;
  auto fwd = ode::make_controlled(tol_abs, tol_rel, fwd_stepper());
  auto bwd = ode::make_controlled(tol_abs, tol_rel, aug_stepper());
  std::size_t steps = 0;
  // forward, storing z(t_i)
  std::array<state2, K> zs;
  zs[0] = z0;
  state2 x = z0;
  double t = times[0], dt = dt0;
  for (std::size_t i = 1; i < K; ++i) {
    advance(fwd, hand_forward{&w, &r.forward_rhs}, x, t, times[i], dt, steps);
    zs[i] = x;
  }
  // loss = mean |Z - Y| and dL/dZ
  std::array<state2, K> g;
  for (std::size_t i = 0; i < K; ++i)
    for (std::size_t j = 0; j < 2; ++j) {
      const double d = zs[i][j] - data[i][j];
      r.loss += std::abs(d);
      g[i][j] = (d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0)) / double(2 * K);
    }
  r.loss /= double(2 * K);
  // backward
  aug_state s{};
  auto jump = [&](std::size_t i) {
    state2 f;
    std::size_t unused = 0;
    hand_forward{&w, &unused}(zs[i], f, times[i]);
    const double dti = g[i][0] * f[0] + g[i][1] * f[1];
    s[2] += g[i][0];
    s[3] += g[i][1];
    s[M - 1] -= dti;
    return dti;
  };
  s[0] = zs[K - 1][0];
  s[1] = zs[K - 1][1];
  r.dtimes[K - 1] = jump(K - 1);
  t = times[K - 1];
  dt = -dt0;
  for (std::size_t i = K - 1; i > 0; --i) {
    advance(bwd, hand_augmented{&w, &r.backward_rhs}, s, t, times[i - 1], dt, steps);
    if (i == 1) break;
    s[0] = zs[i - 1][0];
    s[1] = zs[i - 1][1];
    r.dtimes[i - 1] = jump(i - 1);
    bwd.reset();  // the state jumped: the stored derivative of the FSAL stepper is stale
  }
  r.dz0 = {s[2] + g[0][0], s[3] + g[0][1]};
  std::copy_n(s.begin() + 4, P, r.dtheta.begin());
  r.dtimes[0] = s[M - 1];
  return r;
}

// ---- tapeless ----
constexpr auto z = tl::var<"z", 2>;
constexpr auto t_ = tl::var<"t">;
constexpr auto W1 = tl::var<"W1", H, 2>;
constexpr auto b1 = tl::var<"b1", H>;
constexpr auto W2 = tl::var<"W2", 2, H>;
constexpr auto b2 = tl::var<"b2", 2>;
constexpr auto Zs = tl::var<"Z", K, 2>;
constexpr auto Ys = tl::var<"Y", K, 2>;

const auto model = tlo::ode(tl::matmul(W2, tl::tanh(tl::matmul(W1, tl::pow<3>(z)) + b1)) + b2, z,
                            t_, tl::wrt(W1, b1, W2, b2));

template <class R>
std::vector<double> flat(const R& r) {
  std::vector<double> v;
  v.insert(v.end(), r.dz0.begin(), r.dz0.end());
  for (auto x : r.dparams[W1].data) v.push_back(x);
  for (auto x : r.dparams[b1].data) v.push_back(x);
  for (auto x : r.dparams[W2].data) v.push_back(x);
  for (auto x : r.dparams[b2].data) v.push_back(x);
  v.insert(v.end(), r.dtimes.begin(), r.dtimes.end());
  return v;
}
std::vector<double> flat(const hand_result& r) {
  std::vector<double> v(r.dz0.begin(), r.dz0.end());
  v.insert(v.end(), r.dtheta.begin(), r.dtheta.end());
  v.insert(v.end(), r.dtimes.begin(), r.dtimes.end());
  return v;
}

// ---- timing: benchmark/paired.hpp ----

}  // namespace

int main(int argc, char** argv) {
  int rounds = 21;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = std::atoi(argv[++i]);

  const weights w = make_weights();
  const state2 z0{2.0, 0.0};
  std::array<double, K> times;
  for (std::size_t i = 0; i < K; ++i) times[i] = 2.5 * double(i) / double(K - 1);
  // the data: the true spiral dy/dt = (y^3) A at the observation times
  constexpr auto A = tl::var<"A", 2, 2>;
  tlo::options truth_opt;
  truth_opt.rtol = truth_opt.atol = 1e-12;
  const auto truth =
      tlo::solve(tlo::ode(tl::matmul(tl::pow<3>(z), A), z, t_), tl::vector<double, 2>{{2.0, 0.0}},
                 times, tl::at(A = tl::matrix<double, 2, 2>{{-0.1, 2.0, -2.0, -0.1}}), truth_opt,
                 ode::runge_kutta_dopri5<state2>{});
  std::array<state2, K> data;
  for (std::size_t i = 0; i < K; ++i) data[i] = {truth(i, 0), truth(i, 1)};

  const auto params = tl::at(W1 = std::cref(w.W1), b1 = std::cref(w.b1), W2 = std::cref(w.W2),
                             b2 = std::cref(w.b2));
  const auto objective = tlo::loss(tl::mean(tl::abs(Zs - Ys)), Zs, Ys = std::cref(truth));
  const tl::vector<double, 2> z0v{{z0[0], z0[1]}};
  const ode::runge_kutta_dopri5<state2> dopri5;
  tlo::options opt;
  opt.rtol = tol_rel;
  opt.atol = tol_abs;
  opt.dt = 1e-3;  // both sides start every solve from the same step
  opt.method = tlo::adjoint_method::backsolve;
  opt.interpolate_observations = false;  // as the hand-written side, which stops at each one
  auto tapeless_gradient = [&] {
    return tlo::odeint_adjoint(model, objective, z0v, times, params, opt, dopri5);
  };

  // ---- agreement ----
  const auto tr = tapeless_gradient();
  const hand_result hr = hand_gradient(w, z0, times, data, opt.dt);
  const auto gt = flat(tr), gh = flat(hr);
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < gt.size(); ++i) {
    worst = std::max(worst, std::abs(gt[i] - gh[i]));
    scale = std::max(scale, std::abs(gh[i]));
  }
  std::printf(
      "spiral MLP 2-50-2 on z^3, %zu observation times on [0, 2.5], dopri5 rtol %g atol %g, "
      "float64\n",
      K, tol_rel, tol_abs);
  std::printf("agreement: loss %.15g vs %.15g, gradient max |difference| / max |entry| = %.1e\n",
              tr.loss, hr.loss, worst / scale);
  std::printf(
      "evaluations: tapeless forward %zu backward %zu, hand-written forward %zu backward %zu\n",
      tr.stats.forward_rhs, tr.stats.backward_rhs, hr.forward_rhs, hr.backward_rhs);
  if (worst > 1e-9 * scale || tr.stats.forward_rhs != hr.forward_rhs ||
      tr.stats.backward_rhs != hr.backward_rhs) {
    std::printf("the two sides disagree: not timing\n");
    return 1;
  }

  // ---- the right-hand sides alone ----
  const auto& values = tlo::detail::params_map(params);
  const auto refs = tlo::detail::reference_values(values);
  tlo::solve_stats st;
  using Ctx = tlo::detail::solve_context<std::remove_cvref_t<decltype(model)>, double,
                                         std::remove_cvref_t<decltype(refs)>>;
  Ctx ctx{&model, &refs, &st};
  // The solver's augmented state for this model: [z, a, W1, b1, W2, b2, a_t] laid out as the
  // results of one sweep (the right-hand side writes in place); the hand-written one a flat array.
  using layout =
      tlo::detail::model_types<std::remove_cvref_t<decltype(model)>>::backsolve_layout<double>;
  static_assert(tlo::static_size_v<layout> == M);
  aug_state s_in{}, s_out_h{};
  layout l_in{}, s_out_t{};
  lcg r;
  for (std::size_t i = 0; i < M; ++i) l_in[i] = s_in[i] = r(-1, 1);
  std::size_t cnt = 0;
  const tlo::detail::backsolve_rhs<Ctx> taug{&ctx};
  const hand_augmented haug{&w, &cnt};
  taug(l_in, s_out_t, 0.3);
  haug(s_in, s_out_h, 0.3);
  double rhs_diff = 0;
  for (std::size_t i = 0; i < M; ++i)
    rhs_diff = std::max(rhs_diff, std::abs(s_out_t[i] - s_out_h[i]));
  state2 x_in{0.7, -1.1}, dx_t{}, dx_h{};
  const tlo::detail::forward_rhs<Ctx> tfwd{&ctx, &st.forward_rhs};
  const hand_forward hfwd{&w, &cnt};

  std::printf("augmented right-hand sides agree to %.1e\n\n", rhs_diff);
  std::printf("%-34s %12s %12s %8s\n", "", "tapeless", "hand", "ratio");
  auto row = [](const char* name, const paired& p) {
    std::printf("%-34s %12s %12s %8.3f\n", name, human(p.a).c_str(), human(p.b).c_str(), p.ratio);
  };
  row("full gradient (backsolve)", measure(
                                       [&] {
                                         auto g = tapeless_gradient();
                                         escape(&g);
                                       },
                                       [&] {
                                         auto g = hand_gradient(w, z0, times, data, opt.dt);
                                         escape(&g);
                                       },
                                       0.05, rounds));
  // The target (issue 8): tapeless with its defaults (checkpointed; the forward pass
  // interpolates the observations and the backward pass reuses its steps) against the same
  // hand-written backsolve.
  tlo::options defaults;
  defaults.rtol = tol_rel;
  defaults.atol = tol_abs;
  row("full gradient (tapeless defaults)", measure(
                                               [&] {
                                                 auto g = tlo::odeint_adjoint(
                                                     model, objective, z0v, times, params,
                                                     defaults, dopri5);
                                                 escape(&g);
                                               },
                                               [&] {
                                                 auto g = hand_gradient(w, z0, times, data, opt.dt);
                                                 escape(&g);
                                               },
                                               0.05, rounds));
  row("augmented rhs, one evaluation", measure(
                                           [&] {
                                             escape(&l_in);
                                             taug(l_in, s_out_t, 0.3);
                                             escape(&s_out_t);
                                           },
                                           [&] {
                                             escape(&s_in);
                                             haug(s_in, s_out_h, 0.3);
                                             escape(&s_out_h);
                                           },
                                           0.002, rounds));
  row("forward rhs, one evaluation", measure(
                                         [&] {
                                           escape(&x_in);
                                           tfwd(x_in, dx_t, 0.3);
                                           escape(&dx_t);
                                         },
                                         [&] {
                                           escape(&x_in);
                                           hfwd(x_in, dx_h, 0.3);
                                           escape(&dx_h);
                                         },
                                         0.002, rounds));

  // ---- tapeless variants: evaluations and time (relative to the hand-written backsolve) ----
  std::printf("\n%-34s %8s %8s %8s %8s %8s %12s\n", "tapeless variant", "fwd", "bwd", "reint",
              "interp", "bwd/fwd", "time");
  auto variant = [&](const char* name, tlo::options o) {
    const auto v = tlo::odeint_adjoint(model, objective, z0v, times, params, o, dopri5);
    const auto fv = flat(v);
    double e = 0;
    for (std::size_t i = 0; i < fv.size(); ++i) e = std::max(e, std::abs(fv[i] - gh[i]));
    const double secs = time_batch(
        [&] {
          auto g = tlo::odeint_adjoint(model, objective, z0v, times, params, o, dopri5);
          escape(&g);
        },
        20);
    std::printf(
        "%-34s %8zu %8zu %8zu %8zu %8.2f %12s   (gradient differs from backsolve by %.1e)\n", name,
        v.stats.forward_rhs, v.stats.backward_rhs, v.stats.reintegration_rhs,
        v.stats.interpolation_evals, double(v.stats.backward_rhs) / double(v.stats.forward_rhs),
        human(secs).c_str(), e / scale);
  };
  variant("defaults (checkpointed)", defaults);
  auto o = defaults;
  o.seminorm = true;
  variant("defaults, seminorm", o);
  variant("backsolve", opt);
  o = opt;
  o.seminorm = true;
  variant("backsolve, seminorm", o);
  o = opt;
  o.method = tlo::adjoint_method::checkpointed;
  o.interpolate_observations = false;
  o.reuse_forward_steps = false;
  variant("checkpointed, stop, re-integrate", o);
  o.seminorm = true;
  variant("checkpointed, ..., seminorm", o);
  o = opt;
  o.carry_step = false;
  variant("backsolve, no step carry-over", o);
  std::printf(
      "\n(bwd: evaluations of the augmented dynamics; f is also evaluated once per observation "
      "time for dL/dt_i)\n");

  // The forward pass at torchdiffeq's default tolerances (rtol 1e-7, atol 1e-9), where its
  // dopri5 takes 152 evaluations on this problem: interpolated observations against stopping.
  tlo::options loose;
  const auto forward_evals = [&](bool interpolate) {
    auto lo = loose;
    lo.interpolate_observations = interpolate;
    return tlo::odeint_adjoint(model, objective, z0v, times, params, lo, dopri5).stats;
  };
  const auto li = forward_evals(true), ls = forward_evals(false);
  std::printf(
      "\nat rtol 1e-7, atol 1e-9 (the defaults): forward evaluations %zu (%zu steps, %zu rejected) "
      "interpolating, %zu (%zu steps) stopping at every observation\n",
      li.forward_rhs, li.forward_steps, li.forward_rejected_steps, ls.forward_rhs, ls.forward_steps);
}
