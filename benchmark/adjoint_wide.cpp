// The Neural ODE adjoint of a wide MLP: tapeless against an adjoint written by hand on
// Boost.Odeint, one binary, ratios from the same run (docs/neural_ode.md, "4. Measured").
//
// Problem: dz/dt = W3 tanh(W2 tanh(W1 z + b1) + b2) + b3, z in R^2, hidden width 256
// (2-256-256-2, P = 67074 parameters, 530 KB of weights), float64, 20 observation times on
// [0, 1], loss the mean absolute error against a fixed target curve, dopri5 with rtol 1e-10 and
// atol 1e-12; the full gradient (dL/dz0, dL/dtheta for the six parameter blocks, dL/dt_i).
//
// This is benchmark/adjoint.cpp's comparison at a width where the work is in the 256x256
// products and in the stepper's vector operations over the 67079-element augmented state, not in
// the per-evaluation overhead. The hand-written side is what an engineer writes with Odeint and
// no AD: the forward and the augmented right-hand sides coded by hand (matrix-vector products,
// tanh, backpropagation through both hidden layers, the outer products of the weight gradients
// written straight into d a_theta / dt, the W2 pass of the backward sweep fused with W2^T g),
// the augmented state [z, a, a_theta, a_t] in one std::vector<double> stepped by Odeint's
// controlled dopri5 with its default range_algebra and error checker, the adjoint jumps at the
// observation times, z reset to the forward value there, the step size carried from one interval
// to the next. tapeless runs the same algorithm (adjoint_method::backsolve) with the same steps;
// main() checks that both give the same gradient and the same counts of right-hand-side
// evaluations before timing anything, and exits non-zero otherwise.
//
// Measured as paired rounds (one batch of each side back to back, alternating order, the ratio
// taken per round; the median and quartiles over rounds reported):
//   gradient   the whole gradient: forward pass, loss, backward pass
//   aug rhs    one evaluation of the augmented right-hand side
//   fwd rhs    one evaluation of f
// and the share of the gradient's time spent in right-hand sides (evaluations x time per
// evaluation), the rest being Odeint's stepping (vector operations, error norm) and the jumps.
// The hand-written W2 product is the textbook loop, one dot product per row, which waits on the
// latency of its running sum; the same rows are then measured against a hand-written side that
// takes four rows at a time (same steps, checked), the faster code an engineer tuning it would
// write.
//
//   build-bench/benchmark/bench_adjoint_wide_O3 [--rounds N]
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
#include <memory>
#include <random>
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

constexpr std::size_t H = 256, K = 20;
constexpr double tol_rel = 1e-10, tol_abs = 1e-12;

// ---- the problem ----
// 530 KB of weights: held on the heap (make_weights returns a unique_ptr). W2 is above 4 KiB, so
// its elements are on the heap anyway (tapeless/storage.hpp); the others are inline.
struct weights {
  tl::matrix<double, H, 2> W1;
  tl::vector<double, H> b1;
  tl::matrix<double, H, H> W2;
  tl::vector<double, H> b2;
  tl::matrix<double, 2, H> W3;
  tl::vector<double, 2> b3;
};
std::unique_ptr<weights> make_weights() {
  auto w = std::make_unique<weights>();
  std::mt19937_64 gen(7);
  // PyTorch's default scale, 1/sqrt(fan_in): the dynamics are neither trivial nor explosive.
  auto fill = [&](auto& x, double fan_in) {
    std::uniform_real_distribution<double> u(-1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in));
    for (auto& v : x.data) v = u(gen);
  };
  fill(w->W1, 2);
  fill(w->b1, 2);
  fill(w->W2, double(H));
  fill(w->b2, double(H));
  fill(w->W3, double(H));
  fill(w->b3, double(H));
  return w;
}

// ---- the hand-written adjoint ------------------------------------------------------------------
// a_theta flattened row-major in the order W1, b1, W2, b2, W3, b3.
constexpr std::size_t oW1 = 0, ob1 = oW1 + 2 * H, oW2 = ob1 + H, ob2 = oW2 + H * H, oW3 = ob2 + H,
                      ob3 = oW3 + 2 * H, P = ob3 + 2;
constexpr std::size_t M = 2 + 2 + P + 1;  // [z, a, a_theta, a_t]
using state2 = std::array<double, 2>;
using aug_state = std::vector<double>;

// Plain pointers to the weights, row-major.
struct raw_weights {
  const double *W1, *b1, *W2, *b2, *W3, *b3;
  explicit raw_weights(const weights& w)
      : W1(w.W1.data.data()),
        b1(w.b1.data.data()),
        W2(w.W2.data.data()),
        b2(w.b2.data.data()),
        W3(w.W3.data.data()),
        b3(w.b3.data.data()) {}
};

// h1 = tanh(W1 z + b1), h2 = tanh(W2 h1 + b2), f = W3 h2 + b3. The W2 product is the textbook
// loop, one dot product per row; Blocked = true takes four rows at a time (four independent sums:
// the plain loop waits on the latency of its one running sum, which -O3 may not reorder).
template <bool Blocked>
inline void mlp_forward(const raw_weights& w, double z0, double z1, double* h1, double* h2,
                        double& f0, double& f1) {
  for (std::size_t j = 0; j < H; ++j)
    h1[j] = std::tanh(w.W1[2 * j] * z0 + w.W1[2 * j + 1] * z1 + w.b1[j]);
  if constexpr (Blocked) {
    static_assert(H % 4 == 0);
    for (std::size_t i = 0; i < H; i += 4) {
      const double* r = w.W2 + i * H;
      double u0 = w.b2[i], u1 = w.b2[i + 1], u2 = w.b2[i + 2], u3 = w.b2[i + 3];
      for (std::size_t j = 0; j < H; ++j) {
        u0 += r[j] * h1[j];
        u1 += r[H + j] * h1[j];
        u2 += r[2 * H + j] * h1[j];
        u3 += r[3 * H + j] * h1[j];
      }
      h2[i] = u0;
      h2[i + 1] = u1;
      h2[i + 2] = u2;
      h2[i + 3] = u3;
    }
    for (std::size_t i = 0; i < H; ++i) h2[i] = std::tanh(h2[i]);
  } else {
    for (std::size_t i = 0; i < H; ++i) {
      const double* row = w.W2 + i * H;
      double u = w.b2[i];
      for (std::size_t j = 0; j < H; ++j) u += row[j] * h1[j];
      h2[i] = std::tanh(u);
    }
  }
  f0 = w.b3[0];
  f1 = w.b3[1];
  for (std::size_t i = 0; i < H; ++i) {
    f0 += w.W3[i] * h2[i];
    f1 += w.W3[H + i] * h2[i];
  }
}

template <bool Blocked = false>
struct hand_forward {
  raw_weights w;
  std::size_t* count;
  void operator()(const state2& z, state2& dz, double) const {
    ++*count;
    std::array<double, H> h1, h2;
    mlp_forward<Blocked>(w, z[0], z[1], h1.data(), h2.data(), dz[0], dz[1]);
  }
};

// d/dt [z, a, a_theta, a_t] = [f, -a^T df/dz, -a^T df/dtheta, 0] (f does not depend on t).
// Backpropagation seeded with -a, so the products are the derivatives themselves.
template <bool Blocked = false>
struct hand_augmented {
  raw_weights w;
  std::size_t* count;
  void operator()(const aug_state& s, aug_state& ds, double) const {
    ++*count;
    const double z0 = s[0], z1 = s[1], m0 = -s[2], m1 = -s[3];
    std::array<double, H> h1, h2, g1, g2;
    mlp_forward<Blocked>(w, z0, z1, h1.data(), h2.data(), ds[0], ds[1]);
    double* d = ds.data() + 4;
    // through W3 h2 + b3 and the second tanh: g2 = (W3^T (-a)) * (1 - h2^2)
    for (std::size_t i = 0; i < H; ++i) {
      d[oW3 + i] = m0 * h2[i];
      d[oW3 + H + i] = m1 * h2[i];
      g2[i] = (m0 * w.W3[i] + m1 * w.W3[H + i]) * (1 - h2[i] * h2[i]);
      d[ob2 + i] = g2[i];
    }
    d[ob3] = m0;
    d[ob3 + 1] = m1;
    // through W2 h1 + b2, one pass over W2: dW2 = g2 h1^T and g1 = W2^T g2
    std::fill(g1.begin(), g1.end(), 0.0);
    for (std::size_t i = 0; i < H; ++i) {
      const double* row = w.W2 + i * H;
      double* drow = d + oW2 + i * H;
      const double gi = g2[i];
      for (std::size_t j = 0; j < H; ++j) {
        drow[j] = gi * h1[j];
        g1[j] += gi * row[j];
      }
    }
    // through the first tanh and W1 z + b1
    double gz0 = 0, gz1 = 0;
    for (std::size_t j = 0; j < H; ++j) {
      const double g = g1[j] * (1 - h1[j] * h1[j]);
      d[ob1 + j] = g;
      d[oW1 + 2 * j] = g * z0;
      d[oW1 + 2 * j + 1] = g * z1;
      gz0 += g * w.W1[2 * j];
      gz1 += g * w.W1[2 * j + 1];
    }
    ds[2] = gz0;
    ds[3] = gz1;
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
  std::vector<double> dtheta;
  std::array<double, K> dtimes{};
  std::size_t forward_rhs = 0, backward_rhs = 0;
};

template <bool Blocked = false>
hand_result hand_gradient(const weights& wt, const state2& z0, const std::array<double, K>& times,
                          const std::array<state2, K>& data, double dt0) {
  const raw_weights w(wt);
  hand_result r;
  using fwd_stepper = ode::runge_kutta_dopri5<state2>;
  using aug_stepper = ode::runge_kutta_dopri5<aug_state>;  // range_algebra
  auto fwd = ode::make_controlled(tol_abs, tol_rel, fwd_stepper());
  auto bwd = ode::make_controlled(tol_abs, tol_rel, aug_stepper());
  std::size_t steps = 0;
  // forward, storing z(t_i)
  std::array<state2, K> zs;
  zs[0] = z0;
  state2 x = z0;
  double t = times[0], dt = dt0;
  for (std::size_t i = 1; i < K; ++i) {
    advance(fwd, hand_forward<Blocked>{w, &r.forward_rhs}, x, t, times[i], dt, steps);
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
  aug_state s(M, 0.0);
  auto jump = [&](std::size_t i) {
    state2 f;
    std::size_t unused = 0;
    hand_forward<Blocked>{w, &unused}(zs[i], f, times[i]);
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
    advance(bwd, hand_augmented<Blocked>{w, &r.backward_rhs}, s, t, times[i - 1], dt, steps);
    if (i == 1) break;
    s[0] = zs[i - 1][0];
    s[1] = zs[i - 1][1];
    r.dtimes[i - 1] = jump(i - 1);
    bwd.reset();  // the state jumped: the stored derivative of the FSAL stepper is stale
  }
  r.dz0 = {s[2] + g[0][0], s[3] + g[0][1]};
  r.dtheta.assign(s.begin() + 4, s.begin() + 4 + long(P));
  r.dtimes[0] = s[M - 1];
  return r;
}

// ---- tapeless ----
constexpr auto z = tl::var<"z", 2>;
constexpr auto t_ = tl::var<"t">;
constexpr auto W1 = tl::var<"W1", H, 2>;
constexpr auto b1 = tl::var<"b1", H>;
constexpr auto W2 = tl::var<"W2", H, H>;
constexpr auto b2 = tl::var<"b2", H>;
constexpr auto W3 = tl::var<"W3", 2, H>;
constexpr auto b3 = tl::var<"b3", 2>;
constexpr auto Zs = tl::var<"Z", K, 2>;
constexpr auto Ys = tl::var<"Y", K, 2>;

const auto model = tlo::ode(
    tl::matmul(W3, tl::tanh(tl::matmul(W2, tl::tanh(tl::matmul(W1, z) + b1)) + b2)) + b3, z, t_,
    tl::wrt(W1, b1, W2, b2, W3, b3));

template <class R>
std::vector<double> flat(const R& r) {
  std::vector<double> v;
  v.insert(v.end(), r.dz0.begin(), r.dz0.end());
  for (auto x : r.dparams[W1].data) v.push_back(x);
  for (auto x : r.dparams[b1].data) v.push_back(x);
  for (auto x : r.dparams[W2].data) v.push_back(x);
  for (auto x : r.dparams[b2].data) v.push_back(x);
  for (auto x : r.dparams[W3].data) v.push_back(x);
  for (auto x : r.dparams[b3].data) v.push_back(x);
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
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--rounds N]\n", argv[0]);
      return 2;
    }
  }
  if (rounds < 1) rounds = 1;

  const auto wp = make_weights();
  const weights& w = *wp;
  const state2 z0{0.5, -0.3};
  std::array<double, K> times;
  for (std::size_t i = 0; i < K; ++i) times[i] = double(i) / double(K - 1);
  // The target: a fixed curve (a slowly decaying circle through roughly z0's neighbourhood).
  tl::matrix<double, K, 2> target;
  std::array<state2, K> data;
  for (std::size_t i = 0; i < K; ++i) {
    const double ti = times[i], e = std::exp(-0.3 * ti);
    data[i] = {0.6 * e * std::cos(2 * ti), -0.6 * e * std::sin(2 * ti)};
    target(i, 0) = data[i][0];
    target(i, 1) = data[i][1];
  }

  const auto params = tl::at(W1 = std::cref(w.W1), b1 = std::cref(w.b1), W2 = std::cref(w.W2),
                             b2 = std::cref(w.b2), W3 = std::cref(w.W3), b3 = std::cref(w.b3));
  const auto objective = tlo::loss(tl::mean(tl::abs(Zs - Ys)), Zs, Ys = std::cref(target));
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
      "MLP 2-%zu-%zu-2 (tanh, P = %zu, augmented state %zu), %zu observation times on [0, 1], "
      "dopri5 rtol %g atol %g, float64, backsolve\n",
      H, H, P, M, K, tol_rel, tol_abs);
  std::printf("agreement: loss %.15g vs %.15g, gradient max |difference| / max |entry| = %.1e\n",
              tr.loss, hr.loss, worst / scale);
  std::printf(
      "evaluations: tapeless forward %zu backward %zu, hand-written forward %zu backward %zu\n",
      tr.stats.forward_rhs, tr.stats.backward_rhs, hr.forward_rhs, hr.backward_rhs);
  if (!(worst <= 1e-9 * scale) || tr.stats.forward_rhs != hr.forward_rhs ||
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
  // The solver's augmented state for this model: [z, a, W1, b1, W2, b2, W3, b3, a_t] laid out as
  // the results of one sweep (the right-hand side writes in place); the hand-written one a
  // std::vector.
  using layout =
      tlo::detail::model_types<std::remove_cvref_t<decltype(model)>>::backsolve_layout<double>;
  static_assert(tlo::static_size_v<layout> == M);
  aug_state s_in(M), s_out_h(M);
  auto l_in = std::make_unique<layout>(), s_out_t = std::make_unique<layout>();
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> u(-1, 1);
  for (std::size_t i = 0; i < M; ++i) (*l_in)[i] = s_in[i] = u(gen);
  std::size_t cnt = 0;
  const tlo::detail::backsolve_rhs<Ctx> taug{&ctx};
  const hand_augmented<> haug{raw_weights(w), &cnt};
  taug(*l_in, *s_out_t, 0.3);
  haug(s_in, s_out_h, 0.3);
  double rhs_diff = 0, rhs_scale = 0;
  for (std::size_t i = 0; i < M; ++i) {
    rhs_diff = std::max(rhs_diff, std::abs((*s_out_t)[i] - s_out_h[i]));
    rhs_scale = std::max(rhs_scale, std::abs(s_out_h[i]));
  }
  if (!(rhs_diff <= 1e-12 * rhs_scale)) {
    std::printf("the augmented right-hand sides disagree (%.1e): not timing\n", rhs_diff);
    return 1;
  }
  state2 x_in{0.7, -1.1}, dx_t{}, dx_h{};
  const tlo::detail::forward_rhs<Ctx> tfwd{&ctx, &st.forward_rhs};
  const hand_forward<> hfwd{raw_weights(w), &cnt};

  std::printf("augmented right-hand sides agree to %.1e relative; %d paired rounds\n\n",
              rhs_diff / rhs_scale, rounds);
  std::printf("%-32s %12s %12s %8s %15s\n", "", "tapeless", "hand", "ratio", "q25-q75");
  auto row = [](const char* name, const paired& p) {
    std::printf("%-32s %12s %12s %8.3f %7.3f-%.3f\n", name, human(p.a).c_str(),
                human(p.b).c_str(), p.ratio, p.q25, p.q75);
  };
  const paired grad = measure(
      [&] {
        auto g = tapeless_gradient();
        escape(&g);
      },
      [&] {
        auto g = hand_gradient(w, z0, times, data, opt.dt);
        escape(&g);
      },
      0.1, rounds);
  row("full gradient (backsolve)", grad);
  const paired aug = measure(
      [&] {
        escape(l_in.get());
        taug(*l_in, *s_out_t, 0.3);
        escape(s_out_t.get());
      },
      [&] {
        escape(&s_in);
        haug(s_in, s_out_h, 0.3);
        escape(&s_out_h);
      },
      0.005, rounds);
  row("augmented rhs, one evaluation", aug);
  const paired fwd = measure(
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
      0.005, rounds);
  row("forward rhs, one evaluation", fwd);

  // Where the gradient's time goes: the right-hand sides (evaluations x median time each, the
  // jumps included in the forward count) and the rest (Odeint's stepping over the augmented
  // state: the stage sums, the error estimate and norm, copies).
  const double nf = double(tr.stats.forward_rhs + K), nb = double(tr.stats.backward_rhs);
  const double rhs_t = nf * fwd.a + nb * aug.a, rhs_h = nf * fwd.b + nb * aug.b;
  std::printf("\n%-32s %12s %12s\n", "gradient time, of which", "tapeless", "hand");
  std::printf("%-32s %12s %12s\n", "  right-hand sides", human(rhs_t).c_str(),
              human(rhs_h).c_str());
  std::printf("%-32s %12s %12s\n", "  stepping and the rest", human(grad.a - rhs_t).c_str(),
              human(grad.b - rhs_h).c_str());
  std::printf(
      "(%zu forward + %zu backward evaluations, %zu forward and %zu backward steps; the medians "
      "come from different rounds, so the split is approximate)\n",
      tr.stats.forward_rhs, tr.stats.backward_rhs, tr.stats.forward_steps,
      tr.stats.backward_steps);

  // ---- the same against a faster hand-written side: the W2 product four rows at a time ----
  const hand_result hb = hand_gradient<true>(w, z0, times, data, opt.dt);
  const auto gb = flat(hb);
  double worst_b = 0;
  for (std::size_t i = 0; i < gt.size(); ++i) worst_b = std::max(worst_b, std::abs(gt[i] - gb[i]));
  std::printf("\nhand-written with the W2 product four rows at a time (gradient differs by %.1e, "
              "evaluations %zu + %zu):\n",
              worst_b / scale, hb.forward_rhs, hb.backward_rhs);
  if (!(worst_b <= 1e-9 * scale) || hb.forward_rhs != hr.forward_rhs ||
      hb.backward_rhs != hr.backward_rhs) {
    std::printf("it does not take the same steps: not timed\n");
    return 0;
  }
  row("full gradient (backsolve)", measure(
                                       [&] {
                                         auto g = tapeless_gradient();
                                         escape(&g);
                                       },
                                       [&] {
                                         auto g = hand_gradient<true>(w, z0, times, data, opt.dt);
                                         escape(&g);
                                       },
                                       0.1, rounds));
  const hand_augmented<true> haug4{raw_weights(w), &cnt};
  const hand_forward<true> hfwd4{raw_weights(w), &cnt};
  row("augmented rhs, one evaluation", measure(
                                           [&] {
                                             escape(l_in.get());
                                             taug(*l_in, *s_out_t, 0.3);
                                             escape(s_out_t.get());
                                           },
                                           [&] {
                                             escape(&s_in);
                                             haug4(s_in, s_out_h, 0.3);
                                             escape(&s_out_h);
                                           },
                                           0.005, rounds));
  row("forward rhs, one evaluation", measure(
                                         [&] {
                                           escape(&x_in);
                                           tfwd(x_in, dx_t, 0.3);
                                           escape(&dx_t);
                                         },
                                         [&] {
                                           escape(&x_in);
                                           hfwd4(x_in, dx_h, 0.3);
                                           escape(&dx_h);
                                         },
                                         0.005, rounds));
}
