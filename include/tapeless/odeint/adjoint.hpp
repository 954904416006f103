#pragma once
// The Neural ODE adjoint (Chen et al. 2018) on Boost.Odeint steppers, torchdiffeq's
// `odeint_adjoint` in Odeint's idiom:
//
//   auto model = tlo::ode(f, z, t, tl::wrt(W1, b1, W2, b2));         // dz/dt = f(z, t, theta)
//   auto obj = tlo::loss(tl::mean(tl::abs(Z - Y)), Z, Y = std::cref(y));  // L(z(t_i), theta)
//   auto r = tlo::odeint_adjoint(model, obj, z0, times, tl::at(W1 = w1, ...), opts,
//                                runge_kutta_dopri5<std::array<double, 2>>{});
//   r.loss, r.dz0, r.dparams[W1], r.dtimes[i], r.states, r.stats
//
// The augmented dynamics d/dt [z, a, a_theta, a_t] = [f, -a^T df/dz, -a^T df/dtheta, -a^T df/dt]
// are one sweep of derivative expressions of f (detail/kernels.hpp), integrated backward from
// t_{K-1} to t_0 with the adjoint stepper; a jumps by dL/dz(t_i) (rows of the loss's gradient with
// respect to its states symbol) at every observation time, and a_t by -dL/dt_i. See
// options::method for backsolve, checkpointed and discretize-then-optimize.
#include <algorithm>
#include <array>
#include <boost/hana/at_key.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/size.hpp>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <stdexcept>
#include <vector>

#include "../diff/grad.hpp"
#include "detail/discrete.hpp"
#include "detail/forward.hpp"
#include "detail/implicit_stepping.hpp"
#include "loss.hpp"
#include "observer.hpp"
#include "model.hpp"
#include "options.hpp"

namespace tapeless::odeint {

// What odeint_adjoint returns. `dparams` is a hana::map from each parameter symbol to dL/dtheta in
// the parameter's own shape, like tapeless::grad's result: r.dparams[W1]. With a whole-trajectory
// loss (K observations fixed at compile time) dtimes is a std::array<V, K> and states a
// tensor<V, K, N>; with a per-observation loss both are sized at run time: std::vector<V> and
// std::vector<tapeless::vector<V, N>>.
template <class V, std::size_t N, class Grad, class DTimes, class States>
struct adjoint_result {
  V loss;
  tensor<V, N> dz0;  // dL/dz(t_0)
  Grad dparams;      // dL/dtheta per parameter symbol
  DTimes dtimes;     // dL/dt_i for every observation time (t_0 included)
  States states;     // z(t_i)
  solve_stats stats;
};

namespace detail {

template <class Model>
struct param_list;
template <class F, class Z, class T, class... Ps>
struct param_list<ode_model<F, Z, T, Ps...>> {
  template <class Fn>
  static decltype(auto) apply(Fn&& fn) {
    return fn(Ps{}...);
  }
};

// The loss and its gradient with respect to the states symbol and the parameters, as roots.
template <class L, class Model, class Zs>
struct loss_types;
template <class L, class F, class Z, class T, class... Ps, class Zs>
struct loss_types<L, ode_model<F, Z, T, Ps...>, Zs> {
  using LL = tapeless::detail::lowered_t<L>;
  using B = tapeless::detail::adjoint_builder<tapeless::detail::nodes_t<LL>, constant_t<1>,
                                              tapeless::detail::type_list<Zs, Ps...>>;
  using roots = tapeless::detail::type_list<LL, decltype(B::template of_symbol<Zs>()),
                                            decltype(B::template of_symbol<Ps>())...>;
};

// The adjoint jump at observation j: a += dL/dz(t_j), a_t -= dL/dt_j with dL/dt_j = dL/dz(t_j) . f.
template <class Ctx, class S, class States, class G, class Times>
typename Ctx::value_type jump(const Ctx& ctx, S& s, std::size_t a_off, std::size_t at_off,
                              const States& Zm, const G& g, const Times& times, std::size_t j) {
  using V = typename Ctx::value_type;
  tensor<V, Ctx::N> zj;
  for (std::size_t i = 0; i < Ctx::N; ++i) zj.data[i] = Zm(j, i);
  ++ctx.stats->jump_rhs;
  const auto fj = ctx.f(zj, V(times[j]));
  V dt = 0;
  for (std::size_t i = 0; i < Ctx::N; ++i) {
    dt += g(j, i) * fj.data[i];
    s[a_off + i] += g(j, i);
  }
  s[at_off] -= dt;
  return dt;
}

template <class AdjS, class Ctx, class States, class G, class Times, class Out, class OnBackward>
void run_backsolve(const Ctx& ctx, const options& opt, const States& Zm, const G& g,
                   const Times& times, std::size_t k, Out& out, const OnBackward& on_backward) {
  using V = typename Ctx::value_type;
  constexpr std::size_t N = Ctx::N, P = Ctx::P, M = 2 * N + P + 1;
  using Sch = scheme<typename user_stepper<AdjS>::type>;
  const double atol = opt.adjoint_atol > 0 ? opt.adjoint_atol : opt.atol;
  const double rtol = opt.adjoint_rtol > 0 ? opt.adjoint_rtol : opt.rtol;
  using layout = typename model_types<typename Ctx::model_type>::template backsolve_layout<V>;
  static_assert(static_size_v<layout> == M);
  auto drv = make_driver<mode_of<AdjS>(), layout, AdjS>(phase::backward, opt, *ctx.stats, atol,
                                                        rtol, opt.seminorm ? 2 * N : M);
  set_stage_parts(drv, 2, opt.seminorm ? 2 : dopri5_algebra::all_parts);  // [z, a]
  auto sys = make_system<Sch::implicit>(backsolve_rhs<Ctx>{&ctx}, backsolve_jacobian<Ctx>{&ctx});
  auto s = Sch::template make_state<layout>();
  for (std::size_t i = 0; i < M; ++i) s[i] = V(0);
  for (std::size_t i = 0; i < N; ++i) s[i] = Zm(k - 1, i);
  out.dtimes[k - 1] = jump(ctx, s, N, 2 * N + P, Zm, g, times, k - 1);
  double t = double(times[k - 1]);
  auto first_step = [&](double from, double to) {
    return opt.dt > 0
               ? -opt.dt
               : initial_step(rhs_of(sys), s, opt.seminorm ? 2 * N : M, from, to, atol, rtol);
  };
  drv.restart(s, t, first_step(t, double(times[k - 2])));
  for (std::size_t i = k - 1; i > 0; --i) {
    drv.advance(sys, s, M, t, double(times[i - 1]),
                [&](double tn, const auto& sn) { notify<V, N>(on_backward, sn, N, tn); });
    if (i == 1) break;
    if (opt.reset_state)
      for (std::size_t n = 0; n < N; ++n) s[n] = Zm(i - 1, n);
    out.dtimes[i - 1] = jump(ctx, s, N, 2 * N + P, Zm, g, times, i - 1);
    drv.restart(s, t, opt.carry_step ? drv.step() : first_step(t, double(times[i - 2])));
  }
  for (std::size_t n = 0; n < N; ++n) out.dz0.data[n] = s[N + n] + g(0, n);
  for (std::size_t p = 0; p < P; ++p) out.theta[p] = s[2 * N + p];
  out.dtimes[0] = s[2 * N + P];
}

template <class V, std::size_t N>
struct checkpoint {
  double t;
  tensor<V, N> z;
  double dt;        // the step the forward pass went on with from here
  std::size_t obs;  // observation index, or npos
};

// z after an accepted forward step (options::reuse_forward_steps).
template <class V, std::size_t N>
struct forward_node {
  double t;
  tensor<V, N> z;
};

// What the forward pass records for the backward pass: its checkpoints and kept states. They live
// in the thread's workspace and are reused from one solve to the next, so a batch of short
// windows (or a training loop) allocates them once per thread, not once per solve; a solve started
// while another one on the thread holds them (from an observer) records into its own.
template <class V, std::size_t N>
struct forward_record {
  std::vector<checkpoint<V, N>> cps;
  std::vector<forward_node<V, N>> kept;
};
template <class V, std::size_t N>
class forward_record_lease {
 public:
  forward_record_lease() : leased_(!busy_) {
    if (leased_) busy_ = true;
    get().cps.clear();
    get().kept.clear();
  }
  ~forward_record_lease() {
    if (leased_) busy_ = false;
  }
  forward_record_lease(const forward_record_lease&) = delete;
  forward_record_lease& operator=(const forward_record_lease&) = delete;
  forward_record<V, N>& get() { return leased_ ? shared_ : own_; }

 private:
  static inline thread_local forward_record<V, N> shared_;
  static inline thread_local bool busy_ = false;
  forward_record<V, N> own_;
  bool leased_;
};

// The interpolant between re-integration nodes is checked against the ODE itself: its defect
// z_H' - f(z_H) a quarter into each piece bounds its error (for the quintic Hermite error shape
// s^3 (1-s)^3 the error is at most ~0.3 h |defect| there). Where that exceeds the forward
// tolerance, as after the long steps of a high-order stepper (Bulirsch-Stoer, Fehlberg 7(8)),
// the piece is split at its midpoint by integrating to it from the piece's start.
template <class V, std::size_t N, class Ctx, class Driver, class Sys, class X>
void refine(hermite_trajectory<V, N>& traj, const Ctx& ctx, Driver& drv, Sys& sys, X& x,
            const options& opt) {
  std::size_t k = 0;
  while (k + 1 < traj.size()) {
    const double ta = double(traj[k].t), tb = double(traj[k + 1].t), h = tb - ta;
    const double tiny =
        64 * double(std::numeric_limits<V>::epsilon()) * std::max(1.0, std::abs(tb));
    if (std::abs(h) <= tiny) {
      ++k;
      continue;
    }
    tensor<V, N> zq, dzq;
    traj.at(V(ta + 0.25 * h), zq, &dzq);
    ++ctx.stats->interpolation_evals;
    const auto fq = ctx.f(zq, V(ta + 0.25 * h));
    double defect = 0;
    for (std::size_t i = 0; i < N; ++i)
      defect = std::max(defect, 0.3 * std::abs(h) * std::abs(double(dzq.data[i] - fq.data[i])) /
                                    (opt.atol + opt.rtol * std::abs(double(zq.data[i]))));
    if (!(defect > 1)) {
      ++k;
      continue;
    }
    const double tm = ta + 0.5 * h;
    for (std::size_t i = 0; i < N; ++i) x[i] = traj[k].z[i];
    double tt = ta;
    drv.restart(x, tt, tm - ta);
    drv.advance(sys, x, N, tt, tm, [](double, const auto&) {});
    tensor<V, N> zm;
    load(zm, x, 0);
    ++ctx.stats->interpolation_evals;
    typename Ctx::node_values r;
    ctx.node(zm, V(tm), r);
    traj.insert_after(k, V(tm), zm.data, item<0>(r).data, item<1>(r).data);
  }
}

template <class S, class AdjS, class Ctx, class States, class G, class Times, class Out,
          class OnBackward>
void run_checkpointed(Ctx& ctx, const options& opt,
                      const std::vector<checkpoint<typename Ctx::value_type, Ctx::N>>& cps,
                      const std::vector<forward_node<typename Ctx::value_type, Ctx::N>>& kept,
                      const States& Zm, const G& g, const Times& times, std::size_t k, Out& out,
                      std::size_t forward_steps, const OnBackward& on_backward) {
  using V = typename Ctx::value_type;
  constexpr std::size_t N = Ctx::N, P = Ctx::P, M = N + P + 1;
  using FSch = scheme<typename user_stepper<S>::type>;
  using ASch = scheme<typename user_stepper<AdjS>::type>;
  constexpr stepping fmode = mode_of<S>() == stepping::dense ? stepping::controlled : mode_of<S>();
  constexpr stepping amode =
      mode_of<AdjS>() == stepping::dense ? stepping::controlled : mode_of<AdjS>();
  const double atol = opt.adjoint_atol > 0 ? opt.adjoint_atol : opt.atol;
  const double rtol = opt.adjoint_rtol > 0 ? opt.adjoint_rtol : opt.rtol;

  using flayout = buffer<V, N>;
  using alayout = typename model_types<typename Ctx::model_type>::template adjoint_layout<V>;
  static_assert(static_size_v<alayout> == M);
  auto fdrv =
      make_driver<fmode, flayout, S>(phase::reintegration, opt, *ctx.stats, opt.atol, opt.rtol, N);
  auto adrv = make_driver<amode, alayout, AdjS>(phase::backward, opt, *ctx.stats, atol, rtol,
                                                opt.seminorm ? N : M);
  set_stage_parts(adrv, 1, opt.seminorm ? 1 : dopri5_algebra::all_parts);  // [a]
  auto fsys = make_system<FSch::implicit>(forward_rhs<Ctx>{&ctx, &ctx.stats->reintegration_rhs},
                                          forward_jacobian<Ctx>{&ctx});
  auto asys =
      make_system<ASch::implicit>(interpolated_rhs<Ctx>{&ctx}, interpolated_jacobian<Ctx>{&ctx});

  hermite_trajectory<V, N> traj;
  // Room for every node the re-integration is expected to make (the forward pass's steps, twice
  // over for refinement), so the solve allocates the same however many steps it takes.
  traj.reserve(2 * (forward_steps + cps.size()) + 16);
  ctx.trajectory = &traj;
  auto add_node = [&](double tn, const auto& xn) {
    tensor<V, N> zn;
    load(zn, xn, 0);
    ++ctx.stats->interpolation_evals;
    typename Ctx::node_values r;
    ctx.node(zn, V(tn), r);
    traj.push(V(tn), zn.data, item<0>(r).data, item<1>(r).data);
  };

  auto s = ASch::template make_state<alayout>();
  for (std::size_t i = 0; i < M; ++i) s[i] = V(0);
  out.dtimes[k - 1] = jump(ctx, s, 0, N + P, Zm, g, times, k - 1);
  double t = double(times[k - 1]);
  bool first = true;
  auto x = FSch::template make_state<flayout>();
  const bool reuse = !kept.empty();
  if (reuse) {
    // One interpolant over the whole solve, its nodes the forward pass's own steps from z0: every
    // node is a state the stepper reached (an interpolated observation is not one, and mixing the
    // two would make the interpolant's defect test split pieces for nothing).
    for (std::size_t i = 0; i < N; ++i) x[i] = cps[0].z.data[i];
    add_node(cps[0].t, x);
    for (const auto& n : kept) {
      for (std::size_t i = 0; i < N; ++i) x[i] = n.z.data[i];
      add_node(n.t, x);
    }
    if constexpr (fmode != stepping::fixed) refine(traj, ctx, fdrv, fsys, x, opt);
  }
  for (std::size_t c = cps.size() - 1; c > 0; --c) {
    if (!reuse) {
      // Re-integrate z over [cps[c-1], cps[c]] from its checkpoint, recording the nodes.
      traj.clear();
      for (std::size_t i = 0; i < N; ++i) x[i] = cps[c - 1].z.data[i];
      double tt = cps[c - 1].t;
      add_node(tt, x);
      fdrv.restart(x, tt, cps[c - 1].dt);
      fdrv.advance(fsys, x, N, tt, cps[c].t, add_node);
      if constexpr (fmode != stepping::fixed) refine(traj, ctx, fdrv, fsys, x, opt);
    }
    // The adjoint backward over the same segment.
    const double dt0 = (first || !opt.carry_step)
                           ? (opt.dt > 0 ? -opt.dt
                                         : initial_step(rhs_of(asys), s, opt.seminorm ? N : M, t,
                                                        cps[c - 1].t, atol, rtol))
                           : adrv.step();
    first = false;
    adrv.restart(s, t, dt0);
    adrv.advance(asys, s, M, t, cps[c - 1].t,
                 [&](double tn, const auto& sn) { notify<V, N>(on_backward, sn, 0, tn); });
    const std::size_t j = cps[c - 1].obs;
    if (j != static_cast<std::size_t>(-1) && j > 0)
      out.dtimes[j] = jump(ctx, s, 0, N + P, Zm, g, times, j);
  }
  ctx.trajectory = nullptr;
  for (std::size_t n = 0; n < N; ++n) out.dz0.data[n] = s[n] + g(0, n);
  for (std::size_t p = 0; p < P; ++p) out.theta[p] = s[N + p];
  out.dtimes[0] = s[N + P];
}

// The gradient parts that are not per-parameter maps yet, all as large as the model or the data.
template <class V, std::size_t N, std::size_t P>
struct adjoint_parts {
  explicit adjoint_parts(std::size_t k) : dtimes(k) {}
  tensor<V, N> dz0{};
  std::vector<V> theta = std::vector<V>(P + 1);  // dL/dtheta through the dynamics, flat (one
                                                 // spare element)
  std::vector<V> dtimes;
};

// K states of N elements, K known at run time: z(t_i) and dL/dz(t_i), row i, m(i, n).
template <class V, std::size_t N>
class row_matrix {
 public:
  explicit row_matrix(std::size_t k) : v_(k * N) {}
  V& operator()(std::size_t i, std::size_t n) { return v_[i * N + n]; }
  const V& operator()(std::size_t i, std::size_t n) const { return v_[i * N + n]; }
  std::size_t rows() const { return v_.size() / N; }

 private:
  std::vector<V> v_;
};

template <class A, class B>
void add_value(A& a, const B& b) {
  for (std::size_t i = 0; i < size_of_value_v<A>; ++i) elem(a, i) += elem(b, i);
}
template <class A, class V>
void scale_value(A& a, V w) {
  for (std::size_t i = 0; i < size_of_value_v<A>; ++i) elem(a, i) *= w;
}

// A per-observation loss: (L, dL/dtheta_k...) in the layout of one observation's sweep (its
// item 1, dl/dz, unused), and dL/dz(t_i) into the rows of g. The observations are summed in
// their order, so the result does not depend on anything but the inputs.
template <class V, class Model, class Loss, class Refs, class States>
auto observation_loss_and_grad(const Loss& loss, const Refs& refs, const States& Zm,
                               std::size_t k, row_matrix<V, Model::state_size>& g) {
  constexpr std::size_t N = Model::state_size;
  using Zs = typename Loss::states_symbol;
  using roots = typename loss_types<typename Loss::expression_type, Model, Zs>::roots;
  const auto pool = tapeless::detail::constant_pool(loss.expression);
  const auto shared = tapeless::detail::merge_bindings(loss.data, refs);
  tensor<V, N> zi;
  auto one = [&](std::size_t i) {
    for (std::size_t n = 0; n < N; ++n) zi.data[n] = Zm(i, n);
    const auto b = with(shared, Zs{}, std::cref(zi));
    if constexpr (std::is_void_v<typename Loss::data_symbol>)
      return detail::sweep<V>(roots{}, b, pool);
    else
      return detail::sweep<V>(roots{}, with(b, typename Loss::data_symbol{}, std::cref((*loss.rows)[i])),
                              pool);
  };
  const V w = loss.how == reduction::mean ? V(1) / V(k) : V(1);
  auto acc = one(0);
  constexpr std::size_t items = decltype(boost::hana::size(acc))::value;
  for (std::size_t n = 0; n < N; ++n) g(0, n) = w * boost::hana::at_c<1>(acc).data[n];
  for (std::size_t i = 1; i < k; ++i) {
    const auto r = one(i);
    for (std::size_t n = 0; n < N; ++n) g(i, n) = w * boost::hana::at_c<1>(r).data[n];
    [&]<std::size_t... j>(std::index_sequence<j...>) {
      (add_value(boost::hana::at_c<j>(acc), boost::hana::at_c<j>(r)), ...);
    }(std::make_index_sequence<items>{});
  }
  [&]<std::size_t... j>(std::index_sequence<j...>) {
    (scale_value(boost::hana::at_c<j>(acc), w), ...);
  }(std::make_index_sequence<items>{});
  return acc;
}

template <class Tab>
void check_discrete(const Tab& tab, const options& opt) {
  if (tab.stages == 0)
    throw std::invalid_argument(
        "tapeless::odeint: discretize_then_optimize needs an explicit Runge-Kutta stepper with a "
        "known "
        "tableau: euler, runge_kutta4, runge_kutta_dopri5 or runge_kutta_cash_karp54");
  if (!(opt.dt > 0) || !std::isfinite(opt.dt))
    throw std::invalid_argument(
        "tapeless::odeint: discretize_then_optimize needs options::dt > 0 (finite), not " +
        detail::num(opt.dt));
}

}  // namespace detail

// odeint_adjoint(model, loss, z0, times, params, options, stepper [, adjoint_stepper]):
// the loss and its gradient with respect to z0, every parameter of the model and every observation
// time. `times` (strictly increasing; times[0] is the initial time of z0) are a std::array or
// tapeless::vector of K for a whole-trajectory loss (loss(L, Z, ...), one row of Z per time), or
// any std::array, std::vector or std::span for a per-observation loss (observation_loss(...)).
// `params` binds every parameter of the model (and any other symbol f or the loss needs) as
// `tl::at(W = w, ...)`, values or std::cref; they are read in place, never copied or written. The
// steppers name the schemes (see detail/stepping.hpp); the adjoint stepper defaults to the forward
// one. A last argument tlo::observe(on_forward[, on_backward]) sees every accepted step
// (odeint/observer.hpp). Throws solver_error on failure, std::invalid_argument on inconsistent
// input.
template <class Model, class Loss, class Z0, class Times, class Params, class Stepper,
          class AdjointStepper, class OnForward, class OnBackward>
auto odeint_adjoint(const Model& model, const Loss& loss, const Z0& z0, const Times& times,
                    const Params& params, const options& opt, const Stepper&,
                    const AdjointStepper&, const observers<OnForward, OnBackward>& obs) {
  static_assert(is_ode_model_v<Model>,
                "tapeless::odeint::odeint_adjoint: the first argument must be a model made by "
                "ode(f, z, t, wrt(...))");
  static_assert(is_loss_spec_v<Loss> || is_observation_loss_v<Loss>,
                "tapeless::odeint::odeint_adjoint: the second argument must be a loss made by "
                "loss(L, Z, data...) or observation_loss(l, z, ...)");
  constexpr int bad_stepper = detail::failed_stepper_check<Stepper>() != 0
                                  ? detail::failed_stepper_check<Stepper>()
                                  : detail::failed_stepper_check<AdjointStepper>();
  if constexpr (bad_stepper != 0) {
    detail::report_stepper_check<bad_stepper>();
    return tapeless::detail::rejected{};
  } else {
    constexpr bool per_observation = is_observation_loss_v<Loss>;
    constexpr std::size_t N = Model::state_size, P = Model::param_size;
    static_assert(Loss::state_size == N,
                  "tapeless::odeint::odeint_adjoint: the loss's states symbol must have one column "
                  "(one element, for a per-observation loss) per state element");
    if constexpr (!per_observation)
      static_assert(StaticState<Times> && detail::static_times_v<Times, Loss::observations>,
                    "tapeless::odeint::odeint_adjoint: with loss(L, Z, ...), times must be a "
                    "std::array or tapeless::vector with one time per row of Z; for a number of "
                    "observations known only at run time use observation_loss(...)");
    else
      static_assert(detail::TimeSequence<Times>, TAPELESS_ODEINT_TIMES_TYPE);
    static_assert(StateOf<Z0, N>,
                  "tapeless::odeint::odeint_adjoint: z0 must be a std::array<T, N> or "
                  "tapeless::vector<T, N> of the state's size, or a std::vector<T> (its size checked "
                  "at run time)");
    using FU = typename detail::user_stepper<Stepper>::type;
    using AU = typename detail::user_stepper<AdjointStepper>::type;
    using FSch = detail::scheme<FU>;
    using V = detail::stepper_value_t<Stepper>;
    static_assert(std::is_same_v<V, detail::stepper_value_t<AdjointStepper>>,
                  "tapeless::odeint::odeint_adjoint: the forward and adjoint steppers must use the "
                  "same value type");

    // ---- check everything before any work ----
    const std::size_t k = detail::times_size(times);
    detail::check_times(times, k);
    if constexpr (per_observation) {
      if constexpr (!std::is_void_v<typename Loss::data_symbol>)
        if (loss.rows->size() != k)
          throw std::invalid_argument(
              "tapeless::odeint::odeint_adjoint: the loss's data (each(...)) has " +
              std::to_string(loss.rows->size()) + " rows, but there are " + std::to_string(k) +
              " observation times: one row per time is needed");
    }
    const double t0 = double(times[0]);
    const bool discrete = opt.method == adjoint_method::discretize_then_optimize;
    if (!discrete) {
      detail::check_options<Stepper>(opt, "forward");
      detail::check_options<AdjointStepper>(opt, "adjoint");
      if (opt.seminorm && !detail::scheme<AU>::seminorm)
        throw std::invalid_argument(
            "tapeless::odeint: options::seminorm needs an explicit Runge-Kutta error stepper "
            "(dopri5, "
            "cash_karp54, fehlberg78) for the adjoint: the norm is tapeless's error checker");
    } else {
      detail::check_discrete(detail::tableau_of<FU>(), opt);
    }
    const auto& values = detail::params_map(params);
    static_assert(detail::check_params<Model, decltype(values)>::value);
    static_assert(detail::check_value_types<V, decltype(values)>::value &&
                  detail::check_value_types<V, decltype(loss.data)>::value);
    detail::check_finite_bindings(values, t0);
    const auto refs = detail::reference_values(values);
    const auto z = detail::initial_state<V, N>(z0, t0);

    solve_stats stats;
    using Ctx = detail::solve_context<Model, V, std::remove_cvref_t<decltype(refs)>>;
    Ctx ctx{&model, &refs, &stats};
    auto Zm = [&] {
      if constexpr (per_observation)
        return detail::row_matrix<V, N>(k);
      else
        return tensor<V, Loss::observations, N>{};
    }();
    for (std::size_t i = 0; i < N; ++i) Zm(0, i) = z.data[i];
    detail::adjoint_parts<V, N, P> parts(k);

    // (L, dL/dZ, dL/dtheta_k...) in one sweep, or summed over the observations; dL/dz(t_i) is row
    // i of g.
    auto loss_and_grad = [&] {
      if constexpr (per_observation) {
        detail::row_matrix<V, N> g(k);
        auto r = detail::observation_loss_and_grad<V, Model>(loss, refs, Zm, k, g);
        return std::make_pair(std::move(r), std::move(g));
      } else {
        using Zs = typename Loss::states_symbol;
        const auto loss_pool = tapeless::detail::constant_pool(loss.expression);
        const auto b =
            detail::with(tapeless::detail::merge_bindings(loss.data, refs), Zs{}, std::cref(Zm));
        auto r = detail::sweep<V>(
            typename detail::loss_types<typename Loss::expression_type, Model, Zs>::roots{}, b,
            loss_pool);
        auto g = boost::hana::at_c<1>(r);
        return std::make_pair(std::move(r), std::move(g));
      }
    };
    using LG = decltype(loss_and_grad());
    std::optional<LG> lg;

    if (discrete) {
      constexpr detail::tableau tab = detail::tableau_of<FU>();
      detail::discrete_adjoint<Ctx> da(ctx, tab, opt);
      std::size_t total = 0;
      for (std::size_t i = 0; i + 1 < k; ++i) {
        total += da.steps_in(double(times[i + 1]) - double(times[i]));
        if (total > opt.max_steps)
          throw solver_error(
              failure::too_many_steps, double(times[i]),
              "tapeless::odeint: too many steps: discretize_then_optimize with options::dt = " +
                  detail::num(opt.dt) +
                  " needs more than options::max_steps = " + std::to_string(opt.max_steps) +
                  " steps by t = " + detail::num(double(times[i + 1])));
      }
      detail::notify<V, N>(obs.forward, z.data, 0, t0);
      da.forward(times, k, Zm,
                 [&](const auto& y, double tn) { detail::notify<V, N>(obs.forward, y.data, 0, tn); });
      lg.emplace(loss_and_grad());
      const auto& g = lg->second;
      std::vector<V> tbar(k, V(0));
      da.backward(times, k, Zm, g, parts.dz0, parts.theta, tbar, [&](const auto& a, double tn) {
        detail::notify<V, N>(obs.backward, a.data, 0, tn);
      });
      for (std::size_t i = 0; i < N; ++i) parts.dz0.data[i] += g(0, i);
      for (std::size_t i = 0; i < k; ++i) parts.dtimes[i] = tbar[i];
    } else {
      const bool checkpointed = opt.method == adjoint_method::checkpointed;
      detail::forward_record_lease<V, N> record;
      auto& cps = record.get().cps;
      auto& kept = record.get().kept;
      if (checkpointed) cps.reserve(k + 16);
      const bool keep = checkpointed && opt.reuse_forward_steps;
      using flayout = detail::buffer<V, N>;
      auto sys = detail::make_system<FSch::implicit>(
          detail::forward_rhs<Ctx>{&ctx, &stats.forward_rhs}, detail::forward_jacobian<Ctx>{&ctx});
      auto x = FSch::template make_state<flayout>();
      for (std::size_t i = 0; i < N; ++i) x[i] = z.data[i];
      std::size_t accepted = 0;
      constexpr auto npos = static_cast<std::size_t>(-1);
      detail::with_forward_driver<flayout, Stepper>(opt, stats, N, [&](auto& drv) {
        detail::forward_pass(
            drv, sys, x, N, times, k, opt,
            [&](std::size_t i, const auto& xi, auto& d) {
              tensor<V, N> zi;
              detail::load(zi, xi, 0);
              for (std::size_t n = 0; n < N; ++n) Zm(i, n) = zi.data[n];
              if (checkpointed) cps.push_back({double(times[i]), zi, d.step(), i});
              if (i == 0) detail::notify<V, N>(obs.forward, xi, 0, t0);
            },
            [&](double tn, const auto& xn, double target) {
              detail::notify<V, N>(obs.forward, xn, 0, tn);
              ++accepted;
              if (keep) {
                kept.push_back({tn, {}});
                detail::load(kept.back().z, xn, 0);
              }
              if (checkpointed && opt.checkpoint_every > 0 &&
                  accepted % opt.checkpoint_every == 0 && tn < target) {
                tensor<V, N> zn;
                detail::load(zn, xn, 0);
                cps.push_back({tn, zn, drv.step(), npos});
              }
            });
      });
      lg.emplace(loss_and_grad());
      const auto& g = lg->second;
      if (checkpointed)
        detail::run_checkpointed<Stepper, AdjointStepper>(ctx, opt, cps, kept, Zm, g, times, k, parts,
                                                           accepted, obs.backward);
      else
        detail::run_backsolve<AdjointStepper>(ctx, opt, Zm, g, times, k, parts, obs.backward);
    }

    const auto& lr = lg->first;
    auto dparams = detail::param_list<Model>::apply([&](auto... ps) {
      auto entry = [&](auto p) {
        using Pp = decltype(p);
        constexpr std::size_t idx =
            tapeless::detail::index_of_v<Pp, tapeless::detail::type_list<decltype(ps)...>>;
        constexpr std::size_t off = Model::param_offsets[idx];
        auto v = boost::hana::at_c<2 + idx>(lr);
        for (std::size_t i = 0; i < size_of_value_v<decltype(v)>; ++i)
          elem(v, i) += parts.theta[off + i];
        return boost::hana::make_pair(p, std::move(v));
      };
      return boost::hana::make_map(entry(ps)...);
    });
    if constexpr (per_observation) {
      std::vector<tensor<V, N>> states(k);
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t n = 0; n < N; ++n) states[i].data[n] = Zm(i, n);
      return adjoint_result<V, N, decltype(dparams), std::vector<V>, std::vector<tensor<V, N>>>{
          boost::hana::at_c<0>(lr), parts.dz0, std::move(dparams), std::move(parts.dtimes),
          std::move(states), stats};
    } else {
      constexpr std::size_t K = Loss::observations;
      std::array<V, K> dtimes{};
      for (std::size_t i = 0; i < K; ++i) dtimes[i] = parts.dtimes[i];
      return adjoint_result<V, N, decltype(dparams), std::array<V, K>, tensor<V, K, N>>{
          boost::hana::at_c<0>(lr), parts.dz0, std::move(dparams), dtimes, std::move(Zm), stats};
    }
  }
}

// Without observers; with the forward stepper for both directions.
template <class Model, class Loss, class Z0, class Times, class Params, class Stepper,
          class AdjointStepper>
auto odeint_adjoint(const Model& model, const Loss& loss, const Z0& z0, const Times& times,
                    const Params& params, const options& opt, const Stepper& stepper,
                    const AdjointStepper& adjoint_stepper) {
  return odeint_adjoint(model, loss, z0, times, params, opt, stepper, adjoint_stepper,
                        observers<no_observer>{});
}
template <class Model, class Loss, class Z0, class Times, class Params, class Stepper>
auto odeint_adjoint(const Model& model, const Loss& loss, const Z0& z0, const Times& times,
                    const Params& params, const options& opt, const Stepper& stepper) {
  return odeint_adjoint(model, loss, z0, times, params, opt, stepper, stepper,
                        observers<no_observer>{});
}
template <class Model, class Loss, class Z0, class Times, class Params, class Stepper,
          class OnForward, class OnBackward>
auto odeint_adjoint(const Model& model, const Loss& loss, const Z0& z0, const Times& times,
                    const Params& params, const options& opt, const Stepper& stepper,
                    const observers<OnForward, OnBackward>& obs) {
  return odeint_adjoint(model, loss, z0, times, params, opt, stepper, stepper, obs);
}

}  // namespace tapeless::odeint
