#pragma once
// Discretize-then-optimize: the exact gradient of the fixed-step explicit Runge-Kutta solution.
//
// One step of a tableau (a, b, c) with s stages is
//     Y_j = y_n + h sum_l a_jl k_l,   k_j = f(Y_j, t_n + c_j h),   y_{n+1} = y_n + h sum_j b_j k_j.
// Its reverse, given lambda = dL/dy_{n+1}, runs the stages backward:
//     kbar_j = h b_j lambda + h sum_{l>j} a_lj Ybar_l,   Ybar_j = kbar_j^T df/dz (Y_j),
//     dL/dy_n = lambda + sum_j Ybar_j,   dL/dtheta += sum_j kbar_j^T df/dtheta (Y_j),
// and the step size and stage times carry dL/dt_i: with h = (t_{i+1} - t_i) / m and
// stage time t_i + (n + c_j) h, every kbar_j^T df/dt and the h-derivatives of y_{n+1} and Y_j are
// gathered into dL/dt_i and dL/dt_{i+1}. Each Ybar_j is the very vector-Jacobian product the
// adjoint ODE uses (one sweep of the derived expressions), so this is also the reference the
// continuous adjoint converges to.
#include <array>
#include <boost/numeric/odeint/stepper/euler.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4_classic.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54_classic.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <cmath>
#include <cstddef>
#include <memory>
#include <vector>

#include "kernels.hpp"
#include "stepping.hpp"

namespace tapeless::odeint::detail {

// An explicit Butcher tableau with at most 6 stages (a is strictly lower triangular).
struct tableau {
  std::size_t stages = 0;  // 0: no tableau known for the stepper
  double a[6][6] = {};
  double b[6] = {};
  double c[6] = {};
};

inline constexpr tableau euler_tableau = {1, {}, {1.0}, {0.0}};

inline constexpr tableau rk4_tableau = {4,
                                        {{0}, {0.5}, {0, 0.5}, {0, 0, 1.0}},
                                        {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
                                        {0, 0.5, 0.5, 1.0}};

// Dormand & Prince 5(4): the fifth-order solution (the seventh, FSAL stage only estimates errors).
inline constexpr tableau dopri5_tableau = {
    6,
    {{0},
     {1.0 / 5},
     {3.0 / 40, 9.0 / 40},
     {44.0 / 45, -56.0 / 15, 32.0 / 9},
     {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
     {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656}},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
    {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1.0}};

// Cash & Karp 5(4): the fifth-order solution.
inline constexpr tableau cash_karp_tableau = {
    6,
    {{0},
     {1.0 / 5},
     {3.0 / 40, 9.0 / 40},
     {3.0 / 10, -9.0 / 10, 6.0 / 5},
     {-11.0 / 54, 5.0 / 2, -70.0 / 27, 35.0 / 27},
     {1631.0 / 55296, 175.0 / 512, 575.0 / 13824, 44275.0 / 110592, 253.0 / 4096}},
    {37.0 / 378, 0, 250.0 / 621, 125.0 / 594, 0, 512.0 / 1771},
    {0, 1.0 / 5, 3.0 / 10, 3.0 / 5, 1.0, 7.0 / 8}};

template <template <class, class, class, class, class, class, class> class Tmpl, class S>
inline constexpr bool is_instance_v = false;
template <template <class, class, class, class, class, class, class> class Tmpl, class St, class V,
          class D, class T, class A, class O, class R>
inline constexpr bool is_instance_v<Tmpl, Tmpl<St, V, D, T, A, O, R>> = true;

// The tableau of the user's stepper (stages == 0 when there is none).
template <class S>
constexpr tableau tableau_of() {
  if constexpr (is_instance_v<bo::euler, S>)
    return euler_tableau;
  else if constexpr (is_instance_v<bo::runge_kutta4, S> ||
                     is_instance_v<bo::runge_kutta4_classic, S>)
    return rk4_tableau;
  else if constexpr (is_instance_v<bo::runge_kutta_dopri5, S>)
    return dopri5_tableau;
  else if constexpr (is_instance_v<bo::runge_kutta_cash_karp54, S> ||
                     is_instance_v<bo::runge_kutta_cash_karp54_classic, S>)
    return cash_karp_tableau;
  else
    return tableau{};
}

template <class Ctx>
class discrete_adjoint {
  using V = typename Ctx::value_type;
  static constexpr std::size_t N = Ctx::N, P = Ctx::P;
  using vec = tensor<V, N>;

 public:
  discrete_adjoint(const Ctx& ctx, const tableau& tab, const options& opt)
      : ctx_(ctx), tab_(tab), opt_(opt) {}

  std::size_t steps_in(double span) const {
    return static_cast<std::size_t>(std::max(1.0, std::ceil(std::abs(span) / opt_.dt - 1e-9)));
  }

  // y <- one step of size h from time t.
  void step(vec& y, double t, double h) {
    vec k[6], Y;
    stages(y, t, h, k, Y, ctx_.stats->forward_rhs);
    for (std::size_t j = 0; j < tab_.stages; ++j)
      for (std::size_t i = 0; i < N; ++i) y.data[i] += V(h * tab_.b[j]) * k[j].data[i];
    ++ctx_.stats->forward_steps;
    check_finite(y, t + h);
  }

  // The forward pass: rows of states at the observation times.
  template <class Times, class States, class OnStep>
  void forward(const Times& times, std::size_t kk, States& states, OnStep&& on_step) {
    vec y;
    for (std::size_t i = 0; i < N; ++i) y.data[i] = states(0, i);
    for (std::size_t s = 0; s + 1 < kk; ++s) {
      const double t0 = double(times[s]), span = double(times[s + 1]) - t0;
      const std::size_t m = steps_in(span);
      const double h = span / double(m);
      for (std::size_t n = 0; n < m; ++n) {
        step(y, t0 + double(n) * h, h);
        on_step(std::as_const(y), n + 1 == m ? double(times[s + 1]) : t0 + double(n + 1) * h);
      }
      for (std::size_t i = 0; i < N; ++i) states(s + 1, i) = y.data[i];
    }
  }

  // The reverse pass: lambda enters as dL/dz(t_{K-1}) and leaves as dL/dz(t_0) without the jump
  // at t_0; theta_bar (flat) and times_bar accumulate.
  // on_step(lambda, t) after every reverse step.
  template <class Times, class States, class G, class OnStep>
  void backward(const Times& times, std::size_t kk, const States& states, const G& g, vec& lambda,
                std::vector<V>& theta_bar, std::vector<V>& times_bar, OnStep&& on_step) {
    for (std::size_t i = 0; i < N; ++i) lambda.data[i] = g(kk - 1, i);
    for (std::size_t s = kk - 1; s-- > 0;) {
      const double t0 = double(times[s]), span = double(times[s + 1]) - t0;
      const std::size_t m = steps_in(span);
      const double h = span / double(m);
      // The step starts of this segment and their stages, recomputed once from its checkpoint
      // (the state at t_s) and kept for the reverse steps: the same values, in the same order,
      // as the forward pass computed them.
      const std::size_t ns = tab_.stages;
      ys_.resize(m);
      ks_.resize(m * ns);
      for (std::size_t i = 0; i < N; ++i) ys_[0].data[i] = states(s, i);
      for (std::size_t n = 0; n < m; ++n) {
        vec Y;
        stages(ys_[n], t0 + double(n) * h, h, &ks_[n * ns], Y, ctx_.stats->reintegration_rhs);
        if (n + 1 == m) break;
        ys_[n + 1] = ys_[n];
        for (std::size_t j = 0; j < ns; ++j)
          for (std::size_t i = 0; i < N; ++i)
            ys_[n + 1].data[i] += V(h * tab_.b[j]) * ks_[n * ns + j].data[i];
      }
      double hbar = 0;
      for (std::size_t n = m; n-- > 0;) {
        hbar += reverse_step(ys_[n], &ks_[n * ns], t0, n, h, lambda, theta_bar, times_bar[s]);
        on_step(std::as_const(lambda), t0 + double(n) * h);
      }
      times_bar[s + 1] += V(hbar / double(m));
      times_bar[s] -= V(hbar / double(m));
      if (s > 0)
        for (std::size_t i = 0; i < N; ++i) lambda.data[i] += g(s, i);
    }
  }

 private:
  // The stages k of one step from y at time t; `evaluations` counts the evaluations of f.
  void stages(const vec& y, double t, double h, vec* k, vec& Y, std::size_t& evaluations) {
    for (std::size_t j = 0; j < tab_.stages; ++j) {
      Y = y;
      for (std::size_t l = 0; l < j; ++l)
        for (std::size_t i = 0; i < N; ++i) Y.data[i] += V(h * tab_.a[j][l]) * k[l].data[i];
      ++evaluations;
      k[j] = ctx_.f(Y, V(t + tab_.c[j] * h));
    }
  }

  // Reverse of one step from y_n with its stages k (segment start t0, step index n): updates
  // lambda, theta_bar and t0_bar; returns dL/dh of this step.
  double reverse_step(const vec& y, const vec* k, double t0, std::size_t n, double h, vec& lambda,
                      std::vector<V>& theta_bar, V& t0_bar) {
    const double t = t0 + double(n) * h;
    vec Y[6], kbar[6];
    for (std::size_t j = 0; j < tab_.stages; ++j) {
      Y[j] = y;  // the stage's state, rebuilt from the kept stages (no evaluation of f)
      for (std::size_t l = 0; l < j; ++l)
        for (std::size_t i = 0; i < N; ++i) Y[j].data[i] += V(h * tab_.a[j][l]) * k[l].data[i];
      for (std::size_t i = 0; i < N; ++i) kbar[j].data[i] = V(h * tab_.b[j]) * lambda.data[i];
    }
    double hbar = 0;
    for (std::size_t j = 0; j < tab_.stages; ++j)
      for (std::size_t i = 0; i < N; ++i)
        hbar += double(lambda.data[i] * V(tab_.b[j]) * k[j].data[i]);
    auto& g = g_;  // [Ybar_j, theta part, t part]
    vec lambda_n = lambda;
    for (std::size_t j = tab_.stages; j-- > 0;) {
      ++ctx_.stats->backward_rhs;
      auto& r = *vjp_;
      ctx_.vjp(Y[j], kbar[j], V(t + tab_.c[j] * h), r);
      write_adjoints<typename Ctx::model_type>(r, g, 0, V(1));
      for (std::size_t i = 0; i < N; ++i) lambda_n.data[i] += g[i];
      for (std::size_t p = 0; p < P; ++p) theta_bar[p] += g[N + p];
      const V tbar = g[N + P];
      t0_bar += tbar;
      hbar += (double(n) + tab_.c[j]) * double(tbar);
      for (std::size_t l = 0; l < j; ++l) {
        const V w = V(h * tab_.a[j][l]);
        for (std::size_t i = 0; i < N; ++i) {
          kbar[l].data[i] += w * g[i];
          hbar += double(g[i] * V(tab_.a[j][l]) * k[l].data[i]);
        }
      }
    }
    ++ctx_.stats->backward_steps;
    lambda = lambda_n;
    return hbar;
  }

  void check_finite(const vec& y, double t) const {
    for (std::size_t i = 0; i < N; ++i)
      if (!std::isfinite(double(y.data[i])))
        throw solver_error(failure::non_finite_state, t,
                           "tapeless::odeint: non-finite state at t = " + num(t) +
                               " in the forward solve (discretize-then-optimize): element " +
                               std::to_string(i) + " is " + num(double(y.data[i])));
  }

  const Ctx& ctx_;
  tableau tab_;
  const options& opt_;
  std::vector<vec> ys_;
  std::vector<vec> ks_;  // the stages of ys_, tableau stages per step
  // Per-solve buffers as large as the model, made once (the per-step work allocates nothing).
  std::vector<V> g_ = std::vector<V>(N + P + 1);
  std::unique_ptr<typename Ctx::vjp_values> vjp_ = std::make_unique<typename Ctx::vjp_values>();
};

}  // namespace tapeless::odeint::detail
