#pragma once
// A dynamics expression dz/dt = f(z, t, theta) as an Odeint system: `system(f, z, t, bindings...)`
// is a callable `sys(x, dxdt, t)` for every explicit Odeint stepper (euler, runge_kutta4,
// runge_kutta_dopri5, cash_karp54, fehlberg78, bulirsch_stoer, in any of their controlled or
// dense-output forms). The state may be std::array<T, N>, tapeless::vector<T, N> or
// boost::numeric::ublas::vector<T>; anything else is one static_assert.
//
//   auto sys = tapeless::odeint::system(f, z, t, tl::at(k = 0.5));
//   namespace ode = boost::numeric::odeint;
//   ode::integrate_adaptive(ode::make_controlled(1e-9, 1e-9, dopri5()), sys, x, 0.0, 1.0, 0.01);
//
// The bindings give every other symbol of f (parameters, data). They are copied into the system
// unless passed as std::cref(value), in which case the caller keeps the value alive. Evaluating the
// system is one sweep of straight-line code with all intermediates on the stack: no allocation.
#include <functional>
#include <type_traits>

#include "../eval/bindings.hpp"
#include "../expr/node.hpp"
#include "detail/derived.hpp"
#include "state.hpp"

namespace tapeless::odeint {

namespace detail {

template <class State>
using state_value_t = std::remove_cvref_t<decltype(std::declval<const State&>()[0])>;

template <class State, std::size_t N>
constexpr void check_state() {
  static_assert(StateOf<State, N>,
                "tapeless::odeint: unsupported state type: a state must be std::array<T, N>, "
                "tapeless::vector<T, N> (N = the size of the state symbol), std::vector<T> or "
                "boost::numeric::ublas::vector<T> (for the implicit steppers)");
}

// The state as the value bound to the state symbol: by reference when it already is a
// tapeless::vector of the right type, else copied into one on the stack.
template <class V, std::size_t N, class State>
TAPELESS_INLINE const tensor<V, N>& as_tensor(const State& x, tensor<V, N>& scratch) {
  if constexpr (std::is_same_v<State, tensor<V, N>>) {
    return x;
  } else {
    for (std::size_t i = 0; i < N; ++i) scratch.data[i] = x[i];
    return scratch;
  }
}

template <class F, class Z, class T, class Map>
constexpr void check_dynamics() {
  static_assert(Expression<F>, "tapeless::odeint: the dynamics f must be a tapeless expression");
  static_assert(Symbol<Z> && Z::shape_type::rank == 1,
                "tapeless::odeint: the state symbol z must be a vector symbol, var<\"z\", N>");
  static_assert(Symbol<T> && T::shape_type::rank == 0,
                "tapeless::odeint: the time symbol t must be a scalar symbol, var<\"t\">");
  if constexpr (Expression<F> && Symbol<Z>)
    static_assert(std::is_same_v<typename F::shape_type, typename Z::shape_type>,
                  "tapeless::odeint: the dynamics f(z, t) must have the shape of the state z");
  static_assert(!decltype(boost::hana::contains(std::declval<Map>(), Z{}))::value &&
                    !decltype(boost::hana::contains(std::declval<Map>(), T{}))::value,
                "tapeless::odeint: the state and time symbols are bound by the solver; do not "
                "bind them yourself");
}

}  // namespace detail

// The right-hand side of dz/dt = f(z, t) for Odeint: sys(x, dxdt, t).
template <class F, class Z, class T, class Bindings>
class system_function {
 public:
  using expression_type = F;
  using lowered_type = tapeless::detail::lowered_t<F>;
  static constexpr std::size_t size = Z::shape_type::size;

  constexpr system_function(const F& f, const Bindings& b)
      : pool_(tapeless::detail::constant_pool(f)), bindings_(b) {}

  template <class State, class Deriv, class Time>
  void operator()(const State& x, Deriv& dxdt, Time t) const {
    detail::check_state<State, size>();
    detail::check_state_size(x, size, "system: the state x");
    using V = detail::state_value_t<State>;
    tensor<V, size> scratch;
    const auto& z = detail::as_tensor<V, size>(x, scratch);
    const auto b = detail::with(detail::with(bindings_, Z{}, std::cref(z)), T{}, static_cast<V>(t));
    if constexpr (std::is_same_v<Deriv, tensor<V, size>>) {
      tapeless::detail::evaluate_into<V>(tapeless::detail::type_list<lowered_type>{}, b, pool_,
                                         dxdt);
    } else {
      detail::raw_tuple<tensor<V, size>> out;
      detail::sweep_into<V>(tapeless::detail::type_list<lowered_type>{}, b, pool_, out);
      for (std::size_t i = 0; i < size; ++i) dxdt[i] = detail::item<0>(out).data[i];
    }
  }

  const Bindings& bindings() const { return bindings_; }

 private:
  using pool_type = decltype(tapeless::detail::constant_pool(std::declval<const F&>()));
  pool_type pool_;
  Bindings bindings_;
};

// system(f, z, t, bindings...): the Odeint system of dz/dt = f(z, t, ...).
template <class F, class Z, class T, class... B>
constexpr auto system(const F& f, const Z&, const T&, const B&... bindings) {
  const auto b = tapeless::detail::merge_bindings(bindings...);
  detail::check_dynamics<F, Z, T, decltype(b)>();
  return system_function<F, Z, T, std::remove_cvref_t<decltype(b)>>(f, b);
}

}  // namespace tapeless::odeint
