#pragma once
// The forward solve alone: z(t_i) at observation times, with the same steppers, options and
// failure handling as the adjoint.
//
//   auto zs = tapeless::odeint::solve(model, z0, times, tl::at(W = w), opts,
//   runge_kutta_dopri5<S>{});
//
// times[0] is the initial time of z0 (row 0 of the result is z0). With times in a std::array or
// tapeless::vector of K the result is a tapeless::matrix<V, K, N> (row i = z(t_i)), ready to bind
// to a loss's states symbol; with any other indexable range (std::vector) a std::vector of states.
// A last argument tlo::observe(on_step) sees every accepted step (odeint/observer.hpp).
#include <cstddef>
#include <vector>

#include "detail/forward.hpp"
#include "detail/implicit_stepping.hpp"
#include "observer.hpp"

namespace tapeless::odeint {

template <class Model, class Z0, class Times, class Params, class Stepper, class OnForward,
          class OnBackward>
auto solve(const Model& model, const Z0& z0, const Times& times, const Params& params,
           const options& opt, const Stepper& /*stepper: names the scheme*/,
           const observers<OnForward, OnBackward>& obs) {
  static_assert(
      is_ode_model_v<Model>,
      "tapeless::odeint::solve: the first argument must be a model made by ode(f, z, t, wrt(...))");
  constexpr int bad_stepper = detail::failed_stepper_check<Stepper>();
  if constexpr (bad_stepper != 0) {
    detail::report_stepper_check<bad_stepper>();
    return tapeless::detail::rejected{};
  } else {
    static_assert(detail::TimeSequence<Times>, TAPELESS_ODEINT_TIMES_TYPE);
    constexpr std::size_t N = Model::state_size;
    using Sch = detail::scheme<typename detail::user_stepper<Stepper>::type>;
    using V = detail::stepper_value_t<Stepper>;
    static_assert(
        StateOf<Z0, N> || std::is_same_v<Z0, tensor<V, N>>,
        "tapeless::odeint::solve: z0 must be a std::array<T, N> or tapeless::vector<T, N> of the "
        "state's size, or a std::vector<T> (its size checked at run time)");

    const std::size_t k = detail::times_size(times);
    detail::check_times(times, k);
    detail::check_options<Stepper>(opt, "forward");
    const auto& values = detail::params_map(params);
    static_assert(detail::check_params<Model, decltype(values)>::value);
    static_assert(detail::check_value_types<V, decltype(values)>::value);
    detail::check_finite_bindings(values, double(times[0]));
    const auto refs = detail::reference_values(values);
    const auto z = detail::initial_state<V, N>(z0, double(times[0]));

    solve_stats stats;
    using Ctx = detail::solve_context<Model, V, std::remove_cvref_t<decltype(refs)>>;
    const Ctx ctx{&model, &refs, &stats};
    auto sys = detail::make_system<Sch::implicit>(detail::forward_rhs<Ctx>{&ctx, &stats.forward_rhs},
                                                  detail::forward_jacobian<Ctx>{&ctx});
    using layout = detail::buffer<V, N>;
    auto x = Sch::template make_state<layout>();
    for (std::size_t i = 0; i < N; ++i) x[i] = z.data[i];

    using row_t = tensor<V, N>;
    auto store = [](auto& out, std::size_t i, const auto& xi) {
      for (std::size_t j = 0; j < N; ++j) {
        if constexpr (StaticState<Times>)
          out(i, j) = xi[j];
        else
          out[i].data[j] = xi[j];
      }
    };
    auto run = [&](auto& out) {
      detail::with_forward_driver<layout, Stepper>(opt, stats, N, [&](auto& drv) {
        detail::forward_pass(
            drv, sys, x, N, times, k, opt,
            [&](std::size_t i, const auto& xi, auto&) {
              store(out, i, xi);
              if (i == 0) detail::notify<V, N>(obs.forward, xi, 0, double(times[0]));
            },
            [&](double tn, const auto& xn, double) {
              detail::notify<V, N>(obs.forward, xn, 0, tn);
            });
      });
    };
    if constexpr (StaticState<Times>) {
      tensor<V, static_size_v<Times>, N> out{};
      run(out);
      return out;
    } else {
      std::vector<row_t> out(k);
      run(out);
      return out;
    }
  }
}

template <class Model, class Z0, class Times, class Params, class Stepper>
auto solve(const Model& model, const Z0& z0, const Times& times, const Params& params,
           const options& opt, const Stepper& stepper) {
  return solve(model, z0, times, params, opt, stepper, observers<no_observer>{});
}

}  // namespace tapeless::odeint
