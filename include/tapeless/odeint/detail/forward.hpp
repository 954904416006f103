#pragma once
// The pieces every solve shares: checking the input before anything runs, and the forward pass
// over the observation times.
#include <cmath>
#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include "../errors.hpp"
#include "../options.hpp"
#include "kernels.hpp"
#include "stepping.hpp"

namespace tapeless::odeint::detail {

// Observation times: a std::array or tapeless::vector (count fixed at compile time), or any
// random-access range with size() whose elements convert to double (std::vector, std::span):
// the count decided at run time.
template <class Times>
concept TimeSequence =
    StaticState<Times> || requires(const Times& t, std::size_t i) {
                            { t.size() } -> std::convertible_to<std::size_t>;
                            static_cast<double>(t[i]);
                          };
#define TAPELESS_ODEINT_TIMES_TYPE                                                               \
  "tapeless::odeint: times must be a std::array, tapeless::vector, std::vector or std::span of " \
  "observation times (numbers)"

template <class Times, std::size_t K>
inline constexpr bool static_times_v = false;
template <class Times, std::size_t K>
  requires StaticState<Times>
inline constexpr bool static_times_v<Times, K> = static_size_v<Times> == K;

template <class Times>
std::size_t times_size(const Times& times) {
  if constexpr (StaticState<Times>)
    return static_size_v<Times>;
  else
    return times.size();
}

// Observation times: finite and strictly increasing; times[0] is the initial time.
template <class Times>
void check_times(const Times& times, std::size_t k) {
  if (k < 2)
    throw solver_error(
        failure::times_out_of_order, k ? double(times[0]) : 0.0,
        "tapeless::odeint: at least two observation times are needed (times[0] is the "
        "initial time)");
  for (std::size_t i = 0; i < k; ++i) {
    const double ti = static_cast<double>(times[i]);
    if (!std::isfinite(ti))
      throw solver_error(failure::times_out_of_order, ti,
                         "tapeless::odeint: observation time t[" + std::to_string(i) +
                             "] = " + num(ti) + " is not finite");
    if (i > 0 && !(ti > static_cast<double>(times[i - 1])))
      throw solver_error(
          failure::times_out_of_order, ti,
          "tapeless::odeint: observation times out of order: t[" + std::to_string(i) +
              "] = " + num(ti) + " is not after t[" + std::to_string(i - 1) + "] = " +
              num(static_cast<double>(times[i - 1])) + " (they must be strictly increasing)");
  }
}

template <class S>
void check_options(const options& opt, const char* which) {
  using U = typename user_stepper<S>::type;
  const auto bad = [&](const std::string& what) {
    throw std::invalid_argument(std::string("tapeless::odeint: ") + which + " stepper: " + what);
  };
  // Every number must be finite; each is named with the value it has.
  const auto finite_at_least_0 = [&](double v, const char* name) {
    if (!std::isfinite(v) || v < 0)
      bad(std::string("options::") + name + " = " + num(v) + ": it must be finite and >= 0");
  };
  finite_at_least_0(opt.dt, "dt");
  finite_at_least_0(opt.min_dt, "min_dt");
  if constexpr (scheme<U>::fixed) {
    if (!(opt.dt > 0)) bad("a fixed-step stepper needs options::dt > 0");
  } else {
    for (auto [v, name] : {std::pair{opt.rtol, "rtol"}, std::pair{opt.atol, "atol"}})
      if (!std::isfinite(v) || !(v > 0))
        bad(std::string("options::") + name + " = " + num(v) + ": it must be finite and > 0");
    finite_at_least_0(opt.adjoint_rtol, "adjoint_rtol");
    finite_at_least_0(opt.adjoint_atol, "adjoint_atol");
  }
  if (opt.max_steps == 0) bad("options::max_steps must be positive");
}

template <class V, std::size_t N, class Z0>
tensor<V, N> initial_state(const Z0& z0, double t0) {
  check_state_size(z0, N, "the initial state z0");
  tensor<V, N> z{};
  for (std::size_t i = 0; i < N; ++i) {
    z.data[i] = static_cast<V>(z0[i]);
    if (!std::isfinite(static_cast<double>(z.data[i])))
      throw solver_error(failure::non_finite_parameter, t0,
                         "tapeless::odeint: non-finite initial state: z0[" + std::to_string(i) +
                             "] = " + num(static_cast<double>(z.data[i])) + " at t0 = " + num(t0));
  }
  return z;
}

// Calls body(driver) with the forward pass's driver on states laid out as Layout: dense output
// when the stepper is wrapped in dense_output(...), or when its scheme has a dense form and
// options::interpolate_observations is set (with carry_step: restarting at every observation
// time ends a step there anyway); otherwise the stepper's own mode.
template <class Layout, class Stepper, class Body>
void with_forward_driver(const options& opt, solve_stats& stats, std::size_t norm_count,
                         Body&& body) {
  using Sch = scheme<typename user_stepper<Stepper>::type>;
  constexpr stepping mode = mode_of<Stepper>();
  if constexpr (mode == stepping::controlled && Sch::has_dense) {
    if (opt.interpolate_observations && opt.carry_step) {
      auto drv = make_driver<stepping::dense, Layout, Stepper>(phase::forward, opt, stats,
                                                               opt.atol, opt.rtol, norm_count);
      body(drv);
      return;
    }
  }
  auto drv =
      make_driver<mode, Layout, Stepper>(phase::forward, opt, stats, opt.atol, opt.rtol, norm_count);
  body(drv);
}

// Integrate from times[0] over times[1..k-1]: observe(i, x, driver) at each time (x exactly at
// times[i]; i = 0 once the driver has started), on_step(t, x, t_next) after every accepted step.
template <class Driver, class Sys, class X, class Times, class Observe, class OnStep>
void forward_pass(Driver& drv, Sys& sys, X& x, std::size_t n, const Times& times, std::size_t k,
                  const options& opt, Observe&& observe, OnStep&& on_step) {
  double t = static_cast<double>(times[0]);
  auto first_step = [&](double from, double to) {
    return opt.dt > 0 ? (to > from ? opt.dt : -opt.dt)
                      : initial_step(rhs_of(sys), x, n, from, to, opt.atol, opt.rtol);
  };
  drv.restart(x, t, first_step(t, static_cast<double>(times[1])));
  observe(std::size_t{0}, x, drv);
  for (std::size_t i = 1; i < k; ++i) {
    const double target = static_cast<double>(times[i]);
    drv.advance(sys, x, n, t, target, [&](double tn, const auto& xn) { on_step(tn, xn, target); });
    observe(i, x, drv);
    if (!opt.carry_step && i + 1 < k)
      drv.restart(x, t, first_step(t, static_cast<double>(times[i + 1])));
  }
}

}  // namespace tapeless::odeint::detail
