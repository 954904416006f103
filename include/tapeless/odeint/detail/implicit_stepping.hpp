#pragma once
// The implicit schemes for the solver: rosenbrock4 (adaptive through rosenbrock4_controller,
// dense output through rosenbrock4_dense_output) and implicit_euler (fixed step). Their states are
// ublas vectors sized at run time, and their systems are (f, Jacobian) pairs, which the solver
// derives from the model (see detail/kernels.hpp).
#include <boost/numeric/odeint/stepper/implicit_euler.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_controller.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_dense_output.hpp>

#include "stepping.hpp"

namespace tapeless::odeint::detail {

template <class V, class C, class R>
struct scheme<bo::rosenbrock4<V, C, R>> {
  using user_type = bo::rosenbrock4<V, C, R>;
  using value_type = V;
  using time_type = typename user_type::time_type;
  using state_element = V;
  static constexpr bool implicit = true;
  static constexpr bool supported = true;
  static constexpr bool fixed = false;
  static constexpr bool has_dense = true;
  static constexpr bool seminorm = false;  // rosenbrock4_controller computes its own norm

  // Whatever the layout, a ublas vector of as many values.
  template <class Layout>
  using state = typename user_type::state_type;
  template <class Layout>
  using controlled = bo::rosenbrock4_controller<user_type>;

  template <class Layout>
  static state<Layout> make_state() {
    return state<Layout>(static_size_v<Layout>);
  }
  template <class Layout>
  static controlled<Layout> make_controlled(V atol, V rtol, std::size_t) {
    return controlled<Layout>(atol, rtol);
  }
  // (rosenbrock4's controller retries inside itself with no hook: its dense output's rejected
  // steps are not counted.)
  template <class Layout>
  static auto make_dense(V atol, V rtol, std::size_t, std::size_t*, std::size_t*) {
    return bo::rosenbrock4_dense_output<controlled<Layout>>(controlled<Layout>(atol, rtol));
  }
};

template <class V, class R>
struct scheme<bo::implicit_euler<V, R>> {
  using user_type = bo::implicit_euler<V, R>;
  using value_type = V;
  using time_type = typename user_type::time_type;
  using state_element = V;
  static constexpr bool implicit = true;
  static constexpr bool supported = true;
  static constexpr bool fixed = true;
  static constexpr bool has_dense = false;
  static constexpr bool seminorm = false;

  template <class Layout>
  using state = typename user_type::state_type;
  template <class Layout>
  using rebound = user_type;

  template <class Layout>
  static state<Layout> make_state() {
    return state<Layout>(static_size_v<Layout>);
  }
  template <class Layout>
  static rebound<Layout> make_fixed() {
    return rebound<Layout>();
  }
};

}  // namespace tapeless::odeint::detail
