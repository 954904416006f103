#pragma once
// Observers of a solve, Boost.Odeint's way: obs(state, t), for progress bars and logging.
//
//   tlo::solve(model, z0, times, params, opts, stepper, tlo::observe(on_forward));
//   tlo::odeint_adjoint(model, loss, z0, times, params, opts, stepper,
//                       tlo::observe(on_forward, on_backward));
//
// on_forward(const tl::vector<V, N>& z, double t) is called at t0 and after every accepted step
// of the forward pass (with discretize_then_optimize, after every fixed step). on_backward(const
// tl::vector<V, N>& a, double t) is called after every accepted step of the backward pass with
// the adjoint a(t) = dL/dz(t) (before the jump of an observation at t is added). Re-integration
// steps of the checkpointed adjoint are not shown. The observers are plain template parameters:
// a solve without them compiles to what it was, and one with them makes no heap allocation.
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../tensor.hpp"

namespace tapeless::odeint {

struct no_observer {
  template <class Z>
  constexpr void operator()(const Z&, double) const noexcept {}
};

template <class Forward, class Backward = no_observer>
struct observers {
  Forward forward;
  Backward backward;
};

template <class Forward>
constexpr observers<Forward> observe(Forward forward) {
  return {std::move(forward), {}};
}
template <class Forward, class Backward>
constexpr observers<Forward, Backward> observe(Forward forward, Backward backward) {
  return {std::move(forward), std::move(backward)};
}

namespace detail {
template <class O>
inline constexpr bool observes = !std::is_same_v<O, no_observer>;

// Calls obs(z, t) with the first N elements of a stepper state from `offset`, only when there is
// an observer (the copy into a tensor costs nothing otherwise).
template <class V, std::size_t N, class O, class X>
void notify(const O& obs, const X& x, std::size_t offset, double t) {
  if constexpr (observes<O>) {
    tensor<V, N> z;
    for (std::size_t i = 0; i < N; ++i) z.data[i] = static_cast<V>(x[offset + i]);
    obs(std::as_const(z), t);
  }
}
}  // namespace detail

}  // namespace tapeless::odeint
