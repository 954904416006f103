#pragma once
// Implicit steppers (rosenbrock4, implicit_euler) need the Jacobian df/dz, and rosenbrock4 also
// df/dt. Both are derived exactly from the same expression f (forward mode: one tangent sweep per
// column) and handed over in the types Odeint requires (ublas::matrix, ublas::vector):
//
//   auto sys = tapeless::odeint::implicit_system(f, z, t, tl::at(mu = 1000.0));  // std::pair
//   integrate_adaptive(make_dense_output(1e-8, 1e-8, rosenbrock4<double>()), sys, x, 0.0, 1.0,
//   1e-4);
#include <utility>

#include "system.hpp"

namespace tapeless::odeint {

// The Jacobian of dz/dt = f(z, t) for Odeint's implicit steppers:
// jac(x, J, t, dfdt) (rosenbrock4) and jac(x, J, t) (implicit_euler).
template <class F, class Z, class T, class Bindings>
class jacobian_function {
 public:
  using lowered_type = tapeless::detail::lowered_t<F>;
  using tangent_type = detail::tangent_zt_t<lowered_type, Z, T>;
  static constexpr std::size_t size = Z::shape_type::size;

  constexpr jacobian_function(const F& f, const Bindings& b)
      : pool_(tapeless::detail::constant_pool(f)), bindings_(b) {}

  template <class State, class Matrix, class Time, class Deriv>
  void operator()(const State& x, Matrix& J, Time t, Deriv& dfdt) const {
    columns(x, J, t);
    using V = detail::state_value_t<State>;
    tensor<V, size> scratch;
    const auto& z = detail::as_tensor<V, size>(x, scratch);
    const auto col = tangent(z, static_cast<V>(t), tensor<V, size>{}, V(1));
    for (std::size_t i = 0; i < size; ++i) dfdt[i] = col.data[i];
  }

  template <class State, class Matrix, class Time>
  void operator()(const State& x, Matrix& J, Time t) const {
    columns(x, J, t);
  }

 private:
  template <class V>
  auto tangent(const tensor<V, size>& z, V t, const tensor<V, size>& dz, V dt) const {
    const auto b =
        detail::with(detail::with(detail::with(detail::with(bindings_, Z{}, std::cref(z)), T{}, t),
                                  detail::dir_symbol<Z>{}, std::cref(dz)),
                     detail::dir_symbol<T>{}, dt);
    detail::raw_tuple<tensor<V, size>> out;
    detail::sweep_into<V>(tapeless::detail::type_list<tangent_type>{}, b, pool_, out);
    return detail::item<0>(out);
  }

  template <class State, class Matrix, class Time>
  void columns(const State& x, Matrix& J, Time t) const {
    detail::check_state<State, size>();
    using V = detail::state_value_t<State>;
    tensor<V, size> scratch;
    const auto& z = detail::as_tensor<V, size>(x, scratch);
    tensor<V, size> unit{};
    for (std::size_t j = 0; j < size; ++j) {
      unit.data[j] = V(1);
      const auto col = tangent(z, static_cast<V>(t), unit, V(0));
      for (std::size_t i = 0; i < size; ++i) J(i, j) = col.data[i];
      unit.data[j] = V(0);
    }
  }

  using pool_type = decltype(tapeless::detail::constant_pool(std::declval<const F&>()));
  pool_type pool_;
  Bindings bindings_;
};

// implicit_system(f, z, t, bindings...): the (system, Jacobian) pair Odeint's implicit steppers
// take, both from the one expression f.
template <class F, class Z, class T, class... B>
constexpr auto implicit_system(const F& f, const Z&, const T&, const B&... bindings) {
  const auto b = tapeless::detail::merge_bindings(bindings...);
  detail::check_dynamics<F, Z, T, decltype(b)>();
  using Map = std::remove_cvref_t<decltype(b)>;
  return std::make_pair(system_function<F, Z, T, Map>(f, b), jacobian_function<F, Z, T, Map>(f, b));
}

}  // namespace tapeless::odeint
