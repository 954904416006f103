#pragma once
// How the solver drives the user's Odeint stepper, on any state size.
//
// A user passes a plain Odeint stepper object for the *scheme* (runge_kutta_dopri5<S>{},
// runge_kutta4<S>{}, bulirsch_stoer<S>{}, rosenbrock4<double>{}, ...), optionally wrapped in
// dense_output(...). The forward pass steps states of N values, the adjoint augmented states of
// 2N + P + 1 (or N + P + 1), so the stepper type is rebound to each state size with
// tapeless's static_algebra; tolerances come from the options. The drivers below then integrate
// from t to t_end, stopping exactly there (dense output: interpolating there), and turn every
// failure into a solver_error that says what and at what time.
#include <algorithm>
#include <array>
#include <boost/numeric/odeint/stepper/controlled_runge_kutta.hpp>
#include <boost/numeric/odeint/stepper/controlled_step_result.hpp>
#include <boost/numeric/odeint/stepper/dense_output_runge_kutta.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/numeric/odeint/stepper/stepper_categories.hpp>
#include <boost/numeric/odeint/util/odeint_error.hpp>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "../../eval/checks.hpp"
#include "../errors.hpp"
#include "../options.hpp"
#include "../state.hpp"

namespace tapeless::odeint {

// dense_output(stepper): step with the dense-output form of the stepper (runge_kutta_dopri5,
// rosenbrock4). The forward pass then steps over the observation times and interpolates them, as
// Odeint's integrate_times does; tolerances still come from the options.
template <class Stepper>
struct dense_output_t {
  Stepper stepper;
};
template <class Stepper>
constexpr dense_output_t<Stepper> dense_output(const Stepper& s) {
  return {s};
}

namespace detail {
namespace bo = boost::numeric::odeint;

enum class stepping { fixed, controlled, dense };
enum class phase { forward, backward, reintegration };

inline const char* phase_name(phase p) {
  switch (p) {
    case phase::forward:
      return "the forward solve";
    case phase::backward:
      return "the adjoint (backward) solve";
    case phase::reintegration:
      return "the re-integration of z from a checkpoint";
  }
  return "";
}

// ---- the error norm, with the seminorm option ---------------------------------------------------
// Odeint's ErrorChecker concept: error(algebra, x_old, dxdt_old, x_err, dt) is the largest scaled
// error. Only the first `norm_count` elements enter it: with the seminorm the adjoint solve leaves
// a_theta and a_t out (Kidger et al. 2021), otherwise norm_count is the state size.
template <class V>
struct error_checker {
  V atol = V(1e-6), rtol = V(1e-6);
  std::size_t norm_count = std::numeric_limits<std::size_t>::max();
  // Where a dense-output stepper's rejected steps are counted (the total and its phase's): it
  // retries inside its own do_step, where the driver cannot see it (null: the driver counts).
  std::size_t* rejections = nullptr;
  std::size_t* phase_rejections = nullptr;

  // The lanes of error() for doubles over n elements (a multiple of 4), two per register. The
  // optimisers do not vectorise a compare-and-select from scalar code, so it is written with the
  // vector extension of g++ and clang (SSE2 on x86-64, NEON on arm64, plain code elsewhere).
  // Every element gets the operations of the scalar formula, in its order.
  void scaled_max_pairs(const double* err, const double* x, const double* dxdt, std::size_t n,
                        double adt, double* lanes, double* bad) const {
    using pair = double __attribute__((vector_size(16)));
    using mask = long long __attribute__((vector_size(16)));
    const mask magnitude = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
    const auto load = [](const double* p) {
      pair v;
      std::memcpy(&v, p, sizeof v);
      return v;
    };
    const auto abs2 = [&](pair v) { return pair(mask(v) & magnitude); };
    const pair at = {atol, atol}, rt = {rtol, rtol}, h = {adt, adt};
    pair m[2] = {{lanes[0], lanes[1]}, {lanes[2], lanes[3]}};
    pair b[2] = {{bad[0], bad[1]}, {bad[2], bad[3]}};
    for (std::size_t i = 0; i < n; i += 4)
      for (std::size_t k = 0; k < 2; ++k) {
        const std::size_t j = i + 2 * k;
        const pair e = abs2(load(err + j)) / (at + rt * (abs2(load(x + j)) + h * abs2(load(dxdt + j))));
        const mask take = e > m[k];
        m[k] = pair((take & mask(e)) | (~take & mask(m[k])));
        b[k] += e - e;
      }
    for (std::size_t l = 0; l < 4; ++l) {
      lanes[l] = m[l / 2][l % 2];
      bad[l] = b[l / 2][l % 2];
    }
  }

  template <class Algebra, class State, class Deriv, class Err, class Time>
  V error(Algebra&, const State& x_old, const Deriv& dxdt_old, Err& x_err, Time dt) const {
    using std::abs;
    const V adt = abs(V(dt));
    const auto scaled = [&](V err, V x, V dxdt) {
      return abs(err) / (atol + rtol * (abs(x) + adt * abs(dxdt)));
    };
    // The largest scaled error, in four lanes (a maximum is exact in any order). A NaN must
    // win, and a plain maximum drops it: each lane also sums e - e, which stays 0 unless some e
    // is NaN or infinite, and then the exact loop below decides.
    V lanes[4] = {}, bad[4] = {};
    detail::for_each_leading_run(
        norm_count,
        [&]<class E1, class E2, class E3>(const E1* err, const E2* x, const E3* dxdt,
                                          std::size_t len) {
          const std::size_t blocked = len - len % 4;
          if constexpr (std::is_same_v<V, double> && std::is_same_v<E1, double> &&
                        std::is_same_v<E2, double> && std::is_same_v<E3, double>)
            scaled_max_pairs(err, x, dxdt, blocked, adt, lanes, bad);
          else
            for (std::size_t i = 0; i < blocked; i += 4)
              for (std::size_t l = 0; l < 4; ++l) {
                const V e = scaled(err[i + l], x[i + l], dxdt[i + l]);
                lanes[l] = e > lanes[l] ? e : lanes[l];
                bad[l] += e - e;
              }
          for (std::size_t i = blocked; i < len; ++i) {
            const V e = scaled(err[i], x[i], dxdt[i]);
            lanes[0] = e > lanes[0] ? e : lanes[0];
            bad[0] += e - e;
          }
        },
        x_err, x_old, dxdt_old);
    V worst = std::max(std::max(lanes[0], lanes[1]), std::max(lanes[2], lanes[3]));
    if (!((bad[0] + bad[1]) + (bad[2] + bad[3]) == V(0))) {
      worst = V(0);
      detail::for_each_leading_run(
          norm_count,
          [&](const auto* err, const auto* x, const auto* dxdt, std::size_t len) {
            for (std::size_t i = 0; i < len; ++i) {
              const V e = scaled(err[i], x[i], dxdt[i]);
              if (e > worst || e != e) worst = e;
            }
          },
          x_err, x_old, dxdt_old);
    }
    const V m = worst;
    if (rejections && m > V(1)) {  // what Odeint rejects (it accepts NaN: check_finite stops it)
      ++*rejections;
      ++*phase_rejections;
    }
    return m;
  }
};

// The element type of a state type (Fallback when it has no operator[]).
template <class St, class Fallback>
struct element_of {
  using type = Fallback;
};
template <class St, class Fallback>
requires requires(const St& s) { s[0]; }
struct element_of<St, Fallback> {
  using type = std::remove_cvref_t<decltype(std::declval<const St&>()[0])>;
};

// ---- what kind of stepper the user passed
// ---------------------------------------------------------- Explicit steppers of Odeint are
// templates of seven types <State, Value, Deriv, Time, Algebra, Operations, Resizer>: euler,
// runge_kutta4, runge_kutta_dopri5, runge_kutta_cash_karp54, runge_kutta_fehlberg78,
// bulirsch_stoer, modified_midpoint. Implicit ones are added by detail/implicit_stepping.hpp.
template <class S>
struct scheme {
  static constexpr bool supported = false;
};

template <template <class, class, class, class, class, class, class> class Tmpl, class St, class V,
          class D, class T, class A, class O, class R>
requires requires { typename Tmpl<St, V, D, T, A, O, R>::stepper_category; }
struct scheme<Tmpl<St, V, D, T, A, O, R>> {
  using user_type = Tmpl<St, V, D, T, A, O, R>;
  using category = typename user_type::stepper_category;
  using value_type = V;
  using time_type = T;
  // The element type of the user's own state type, which must be V (see stepper_types_ok).
  using state_element = typename element_of<St, V>::type;
  static constexpr bool implicit = false;
  static constexpr bool error_stepper = std::is_base_of_v<bo::error_stepper_tag, category>;
  static constexpr bool self_controlled = std::is_base_of_v<bo::controlled_stepper_tag, category>;
  static constexpr bool fixed =
      !error_stepper && !self_controlled && std::is_same_v<category, bo::stepper_tag>;
  static constexpr bool supported = error_stepper || self_controlled || fixed;
  static constexpr bool has_dense = std::is_same_v<category, bo::explicit_error_stepper_fsal_tag>;
  static constexpr bool seminorm = error_stepper;  // the norm is in our error checker

  // The solver's states (a `Layout`: buffer<V, N>, parted_state<...>) are stepped as they are.
  template <class Layout>
  using state = Layout;
  static constexpr bool dopri5 = std::is_same_v<user_type, bo::runge_kutta_dopri5<St, V, D, T, A, O, R>>;
  using algebra = std::conditional_t<dopri5, dopri5_algebra, static_algebra>;
  template <class Layout>
  using rebound = Tmpl<Layout, V, Layout, T, algebra, O, R>;
  template <class Layout>
  using controlled =
      std::conditional_t<self_controlled, rebound<Layout>,
                         bo::controlled_runge_kutta<rebound<Layout>, error_checker<V>,
                                                    bo::default_step_adjuster<V, T>>>;

  template <class Layout>
  static state<Layout> make_state() {
    return Layout{};
  }
  template <class Layout>
  static rebound<Layout> make_fixed() {
    return rebound<Layout>();
  }
  template <class Layout>
  static controlled<Layout> make_controlled(V atol, V rtol, std::size_t norm_count,
                                            std::size_t* rejections = nullptr,
                                            std::size_t* phase_rejections = nullptr) {
    if constexpr (self_controlled)
      return controlled<Layout>(atol, rtol);
    else
      return controlled<Layout>(
          error_checker<V>{atol, rtol, norm_count, rejections, phase_rejections});
  }
  template <class Layout>
  static auto make_dense(V atol, V rtol, std::size_t norm_count, std::size_t* rejections,
                         std::size_t* phase_rejections) {
    return bo::dense_output_runge_kutta<controlled<Layout>>(
        make_controlled<Layout>(atol, rtol, norm_count, rejections, phase_rejections));
  }
};

// The user's object, with or without the dense_output wrapper.
template <class S>
struct user_stepper {
  using type = S;
  static constexpr bool dense = false;
};
template <class S>
struct user_stepper<dense_output_t<S>> {
  using type = S;
  static constexpr bool dense = true;
};

#define TAPELESS_ODEINT_UNSUPPORTED_STEPPER                                                      \
  "tapeless::odeint: unsupported stepper. Pass a plain Odeint stepper object for the scheme, "   \
  "such as runge_kutta_dopri5<state>{}, runge_kutta4<state>{}, "                                 \
  "runge_kutta_cash_karp54<state>{}, runge_kutta_fehlberg78<state>{}, euler<state>{}, "          \
  "bulirsch_stoer<state>{}, rosenbrock4<double>{} or implicit_euler<double>{}, optionally "      \
  "wrapped in tapeless::odeint::dense_output(...); tolerances go in tapeless::odeint::options, " \
  "not in make_controlled/make_dense_output"
#define TAPELESS_ODEINT_NO_DENSE_OUTPUT                                                   \
  "tapeless::odeint::dense_output: only runge_kutta_dopri5 and rosenbrock4 have a dense " \
  "output form in Odeint"

template <class S>
inline constexpr bool supported_stepper_v = scheme<typename user_stepper<S>::type>::supported;
template <class S>
constexpr bool dense_ok() {
  using U = typename user_stepper<S>::type;
  if constexpr (scheme<U>::supported && user_stepper<S>::dense)
    return scheme<U>::has_dense;
  else
    return true;
}

// The scalar type of a stepper (double for an unsupported one, so that only the static_assert
// above its use reports it).
template <class S, bool = supported_stepper_v<S>>
struct stepper_value {
  using type = double;
};
template <class S>
struct stepper_value<S, true> {
  using type = typename scheme<typename user_stepper<S>::type>::value_type;
};
template <class S>
using stepper_value_t = typename stepper_value<S>::type;

// The time type of a stepper, Odeint's time_type (its Time parameter, by default its value type):
// every time handed to Odeint has this type.
template <class S, bool = supported_stepper_v<S>>
struct stepper_time {
  using type = double;
};
template <class S>
struct stepper_time<S, true> {
  using type = typename scheme<typename user_stepper<S>::type>::time_type;
};
template <class S>
using stepper_time_t = typename stepper_time<S>::type;

// A stepper whose own state holds its value type: runge_kutta_dopri5<std::array<float, 2>> has
// the value type double (Odeint's default) and would compute in double on float states.
template <class S>
constexpr bool stepper_types_ok() {
  using U = typename user_stepper<S>::type;
  if constexpr (supported_stepper_v<S>)
    return std::is_same_v<typename scheme<U>::state_element, typename scheme<U>::value_type>;
  else
    return true;
}
#define TAPELESS_ODEINT_STEPPER_VALUE_TYPE                                                  \
  "tapeless::odeint: the stepper's value type differs from the element type of its state: " \
  "Odeint's value type defaults to double, so a float stepper is written with it, "         \
  "runge_kutta_dopri5<std::array<float, N>, float>{} (the value type is what the solver "   \
  "computes in)"

// The first stepper check S fails (0: none), and its error. A solver reports it and returns
// tapeless::detail::rejected without instantiating the solve, so that the sentence is the only
// error (Odeint's own errors about a wrong stepper type used to follow it by the dozen).
template <class S>
constexpr int failed_stepper_check() {
  if constexpr (!supported_stepper_v<S>)
    return 1;
  else if constexpr (!dense_ok<S>())
    return 2;
  else if constexpr (!stepper_types_ok<S>())
    return 3;
  else
    return 0;
}
template <int Failed>
constexpr void report_stepper_check() {
  static_assert(Failed != 1, TAPELESS_ODEINT_UNSUPPORTED_STEPPER);
  static_assert(Failed != 2, TAPELESS_ODEINT_NO_DENSE_OUTPUT);
  static_assert(Failed != 3, TAPELESS_ODEINT_STEPPER_VALUE_TYPE);
}

template <class S>
constexpr stepping mode_of() {
  using U = typename user_stepper<S>::type;
  if constexpr (scheme<U>::fixed)
    return stepping::fixed;
  else if constexpr (user_stepper<S>::dense)
    return stepping::dense;
  else
    return stepping::controlled;
}

// ---- the drivers
// ------------------------------------------------------------------------------------ Each
// integrates from t to t_end (either direction) and stops exactly at t_end, calling on_step(t, x)
// after every accepted step; restart(x, t, dt) starts again from a state the caller changed (an
// adjoint jump, a new segment). The callers keep times in double; every time handed to Odeint is
// converted to the stepper's time type Time here, and what Odeint hands back converted to double
// (exactly, for float), so a float stepper steps float times.
template <class Time>
struct driver_base {
  phase ph;
  const options* opt;
  solve_stats* stats;
  std::size_t attempts = 0;
  double rtol = 0, atol = 0;  // this solve's tolerances, for the messages
  double epsilon = 0;         // of the value type

  // 64 ulp of t in the time type: below that, t + dt no longer moves t by dt.
  double min_dt(double t) const {
    return opt->min_dt > 0
               ? opt->min_dt
               : 64 * double(std::numeric_limits<Time>::epsilon()) * std::max(1.0, std::abs(t));
  }
  void count_step(bool accepted) {
    if (accepted) {
      if (ph == phase::backward)
        ++stats->backward_steps;
      else if (ph == phase::forward)
        ++stats->forward_steps;
    } else {
      ++stats->rejected_steps;
      ++(ph == phase::forward ? stats->forward_rejected_steps : stats->backward_rejected_steps);
    }
  }
  void check_attempts(double t) {
    if (++attempts > opt->max_steps)
      throw solver_error(
          failure::too_many_steps, t,
          std::string("tapeless::odeint: too many steps: more than options::max_steps = ") +
              std::to_string(opt->max_steps) + " steps in " + phase_name(ph) +
              ", stopped at t = " + num(t));
  }
  [[noreturn]] void underflow(double t, double dt) const {
    throw solver_error(failure::step_size_underflow, t,
                       std::string("tapeless::odeint: step size underflow at t = ") + num(t) +
                           " in " + phase_name(ph) + ": the step size fell to " +
                           fmt("%.3g", std::abs(dt)) + " (minimum " + fmt("%.3g", min_dt(t)) +
                           ")" + underflow_cause());
  }
  // Tolerances the arithmetic cannot meet are the likelier cause than the problem itself.
  std::string underflow_cause() const {
    if (rtol < 4 * epsilon)
      return "; the tolerance rtol = " + fmt("%.3g", rtol) +
             " is below what the value type resolves (epsilon " + fmt("%.3g", epsilon) +
             "): loosen options::rtol (or adjoint_rtol)";
    return "; the problem may be stiff or singular there (tolerances rtol = " + fmt("%.3g", rtol) +
           ", atol = " + fmt("%.3g", atol) + ")";
  }
  template <class State>
  void check_finite(const State& x, std::size_t n, double t) const {
    bool finite = true;
    if constexpr (StaticState<State>) {
      // v - v is 0 for a finite v and NaN otherwise: four lane sums that the optimiser
      // vectorises, where a test per element stays a branch per element.
      using E = std::remove_cvref_t<decltype(x[0])>;
      E bad[4] = {};
      detail::for_each_leading_run(
          static_size_v<State>,
          [&](const E* v, std::size_t len) {
            const std::size_t blocked = len - len % 4;
            for (std::size_t i = 0; i < blocked; i += 4)
              for (std::size_t l = 0; l < 4; ++l) bad[l] += v[i + l] - v[i + l];
            for (std::size_t i = blocked; i < len; ++i) bad[0] += v[i] - v[i];
          },
          x);
      finite = (bad[0] + bad[1]) + (bad[2] + bad[3]) == E(0);
    } else
      for (std::size_t i = 0; i < n; ++i)
        finite = finite && std::isfinite(static_cast<double>(x[i]));
    if (finite) return;
    std::size_t i = 0;
    while (i < n && std::isfinite(static_cast<double>(x[i]))) ++i;
    throw solver_error(failure::non_finite_state, t,
                       std::string("tapeless::odeint: non-finite state at t = ") + num(t) + " in " +
                           phase_name(ph) + ": element " + std::to_string(i) + " is " +
                           num(static_cast<double>(x[i])));
  }
};

template <class Stepper, class Time>
struct fixed_driver : driver_base<Time> {
  Stepper stepper;
  double h = 0;

  double step() const { return h; }
  template <class State>
  void restart(const State&, double, double) {}
  template <class Sys, class State, class OnStep>
  void advance(Sys sys, State& x, std::size_t n, double& t, double t_end, OnStep&& on_step) {
    const double span = t_end - t;
    if (span == 0) return;
    const auto m = static_cast<std::size_t>(std::max(1.0, std::ceil(std::abs(span) / h - 1e-9)));
    const double hh = span / double(m), t0 = t;
    for (std::size_t k = 0; k < m; ++k) {
      this->check_attempts(t);
      stepper.do_step(sys, x, Time(t), Time(hh));
      t = (k + 1 == m) ? t_end : t0 + double(k + 1) * hh;
      this->count_step(true);
      this->check_finite(x, n, t);
      on_step(t, x);
    }
  }
};

template <class Controlled, class Time>
struct controlled_driver : driver_base<Time> {
  Controlled stepper;
  double dt = 0;

  double step() const { return dt; }
  template <class State>
  void restart(const State&, double, double dt_new) {
    if constexpr (requires { stepper.reset(); }) stepper.reset();  // FSAL derivative, BS tables
    dt = dt_new;
  }
  template <class Sys, class State, class OnStep>
  void advance(Sys sys, State& x, std::size_t n, double& t, double t_end, OnStep&& on_step) {
    const double dir = t_end > t ? 1.0 : -1.0;
    if (dt * dir <= 0) dt = dir * std::abs(dt);
    while (dir * (t_end - t) > 0) {
      this->check_attempts(t);
      double h = dt;
      // Stop exactly at t_end; a leftover shorter than a millionth of the step is folded in.
      const bool last = dir * (t + h * (1 + 1e-6) - t_end) >= 0;
      if (last) h = t_end - t;
      Time tt = Time(t), hh = Time(h);
      const auto res = stepper.try_step(sys, x, tt, hh);
      h = double(hh);
      if (res == bo::success) {
        t = last ? t_end : double(tt);
        // After a step cut short to hit t_end, keep the natural step size for the next interval.
        dt = (last && std::abs(h) < std::abs(dt)) ? dt : h;
        this->count_step(true);
        this->check_finite(x, n, t);
        on_step(t, x);
      } else {
        this->count_step(false);
        dt = h;
        if (std::abs(dt) < this->min_dt(t)) this->underflow(t, dt);
      }
    }
  }
};

template <class Dense, class Time>
struct dense_driver : driver_base<Time> {
  Dense stepper;
  double dt = 0;

  double step() const { return double(stepper.current_time_step()); }
  template <class State>
  void restart(const State& x, double t, double dt_new) {
    stepper.initialize(x, Time(t), Time(dt_new));
  }
  template <class Sys, class State, class OnStep>
  void advance(Sys sys, State& x, std::size_t n, double& t, double t_end, OnStep&& on_step) {
    const double dir = t_end > t ? 1.0 : -1.0;
    const auto now = [&] { return double(stepper.current_time()); };
    while (dir * (now() - t_end) < 0) {
      this->check_attempts(now());
      try {
        stepper.do_step(sys);
      } catch (const bo::step_adjustment_error&) {
        this->underflow(now(), step());
      }
      this->count_step(true);
      this->check_finite(stepper.current_state(), n, now());
      on_step(now(), stepper.current_state());
      if (std::abs(step()) < this->min_dt(now())) this->underflow(now(), step());
    }
    stepper.calc_state(Time(t_end), x);
    t = t_end;
  }
};

// The driver for a user stepper of type S on states laid out as Layout (implicit steppers: a ublas
// vector of as many values), in the given mode. `norm_count`: how many leading elements enter
// the error norm.
template <stepping Mode, class Layout, class S>
auto make_driver(phase ph, const options& opt, solve_stats& stats, double atol, double rtol,
                 std::size_t norm_count) {
  using U = typename user_stepper<S>::type;
  using Sch = scheme<U>;
  using V = typename Sch::value_type;
  using Time = typename Sch::time_type;
  // Built in place (every return a prvalue): the steppers are not copied.
  const driver_base<Time> base{ph,   &opt, &stats, 0, rtol, atol,
                               double(std::numeric_limits<V>::epsilon())};
  if constexpr (Mode == stepping::fixed) {
    return fixed_driver<typename Sch::template rebound<Layout>, Time>{
        base, Sch::template make_fixed<Layout>(), opt.dt};
  } else if constexpr (Mode == stepping::controlled) {
    using C = std::remove_cvref_t<decltype(Sch::template make_controlled<Layout>(V(atol), V(rtol),
                                                                                 norm_count))>;
    return controlled_driver<C, Time>{
        base, Sch::template make_controlled<Layout>(V(atol), V(rtol), norm_count), 0.0};
  } else {
    std::size_t* phase_rejections = ph == phase::forward ? &stats.forward_rejected_steps
                                                          : &stats.backward_rejected_steps;
    using D = std::remove_cvref_t<decltype(Sch::template make_dense<Layout>(
        V(atol), V(rtol), norm_count, &stats.rejected_steps, phase_rejections))>;
    return dense_driver<D, Time>{base,
                                 Sch::template make_dense<Layout>(V(atol), V(rtol), norm_count,
                                                                  &stats.rejected_steps,
                                                                  phase_rejections),
                                 0.0};
  }
}

// The adjoint's right-hand side reads only the first `parts` parts of its state, and its error
// norm the first `error_parts`: dopri5 may leave the others out of its stages and its error
// estimate (see dopri5_algebra). Other steppers, and dense output, whose controlled stepper
// Odeint does not expose, compute every part.
template <class Driver>
void set_stage_parts(Driver& drv, std::size_t parts, std::size_t error_parts) {
  const auto set = [&](auto& algebra) {
    algebra.stage_parts = parts;
    algebra.error_parts = error_parts;
  };
  if constexpr (requires { drv.stepper.stepper().algebra().stage_parts; })
    set(drv.stepper.stepper().algebra());
  else if constexpr (requires { drv.stepper.algebra().stage_parts; })
    set(drv.stepper.algebra());
}

// A first step size from the state and its derivative (Hairer, Norsett & Wanner, the simple
// form): 1% of |x| / |f| in the scaled norm, at most the span. One evaluation of the system.
template <class Sys, class State>
double initial_step(Sys& rhs, const State& x, std::size_t n, double t, double t_end, double atol,
                    double rtol) {
  State dx = x;
  rhs(x, dx, t);
  double d0 = 0, d1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double sc = atol + rtol * std::abs(static_cast<double>(x[i]));
    d0 = std::max(d0, std::abs(static_cast<double>(x[i])) / sc);
    d1 = std::max(d1, std::abs(static_cast<double>(dx[i])) / sc);
  }
  const double span = std::abs(t_end - t);
  double h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 * std::max(1.0, span) : 0.01 * d0 / d1;
  if (!std::isfinite(h) || h <= 0) h = 1e-6 * std::max(1.0, span);
  h = std::min(h, span);
  return t_end >= t ? h : -h;
}

}  // namespace detail
}  // namespace tapeless::odeint
