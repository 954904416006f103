#pragma once
// A Neural ODE model: the dynamics dz/dt = f(z, t, theta) with the state symbol z, the time
// symbol t and the parameter symbols theta the gradient is taken with respect to.
//
//   auto model = tapeless::odeint::ode(f, z, t, tl::wrt(W1, b1, W2, b2));
//
// The parameter values are not part of the model; each solve takes them as bindings, so one model
// serves every training step.
#include <array>
#include <boost/hana/at_key.hpp>
#include <boost/hana/contains.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/second.hpp>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>

#include "../diff/grad.hpp"
#include "errors.hpp"
#include "system.hpp"

namespace tapeless::odeint {

template <class F, class Z, class T, class... Ps>
class ode_model {
 public:
  using expression_type = F;
  using state_symbol = Z;
  using time_symbol = T;
  using lowered_type = tapeless::detail::lowered_t<F>;
  using pool_type = decltype(tapeless::detail::constant_pool(std::declval<const F&>()));

  static constexpr std::size_t state_size = Z::shape_type::size;
  static constexpr std::size_t param_count = sizeof...(Ps);
  // All parameters flattened, in the order of wrt(...): a_theta's layout.
  static constexpr std::size_t param_size = (std::size_t{0} + ... + Ps::shape_type::size);
  static constexpr std::array<std::size_t, sizeof...(Ps) + 1> param_offsets = [] {
    std::array<std::size_t, sizeof...(Ps) + 1> o{};
    const std::size_t sizes[] = {Ps::shape_type::size..., 0};
    for (std::size_t i = 0; i < sizeof...(Ps); ++i) o[i + 1] = o[i] + sizes[i];
    return o;
  }();

  constexpr explicit ode_model(const F& f) : f_(f), pool_(tapeless::detail::constant_pool(f)) {}

  const F& expression() const { return f_; }
  const pool_type& pool() const { return pool_; }

 private:
  F f_;
  pool_type pool_;
};

template <class M>
inline constexpr bool is_ode_model_v = false;
template <class F, class Z, class T, class... Ps>
inline constexpr bool is_ode_model_v<ode_model<F, Z, T, Ps...>> = true;

// ode(f, z, t, wrt(theta...)): the model dz/dt = f(z, t, theta).
template <class F, class Z, class T, class... Ps>
constexpr auto ode(const F& f, const Z&, const T&, wrt_t<Ps...> = {}) {
  detail::check_dynamics<F, Z, T, decltype(boost::hana::make_map())>();
  static_assert(((!std::is_same_v<Ps, Z> && !std::is_same_v<Ps, T>)&&...),
                "tapeless::odeint::ode: the state and time symbols cannot also be parameters "
                "(dL/dz0 and dL/dt_i are always part of the result)");
  return ode_model<F, Z, T, Ps...>(f);
}

namespace detail {

// The parameter bindings as one map: the caller's own map when it is one (nothing is copied),
// merged otherwise.
template <class Params>
decltype(auto) params_map(const Params& p) {
  if constexpr (tapeless::is_hana_map_v<Params>)
    return (p);
  else
    return tapeless::detail::merge_bindings(p);
}

// The same bindings with every value held by reference: a value bound with std::cref is read in
// place, never copied (a solver only ever reads its parameters, so the caller's data are
// untouched whatever happens).
template <class Map>
auto reference_values(const Map& m) {
  return boost::hana::fold_left(m, boost::hana::make_map(), [](auto acc, const auto& p) {
    return boost::hana::insert(
        acc, boost::hana::make_pair(boost::hana::first(p),
                                    std::cref(tapeless::detail::bound_value(boost::hana::second(p)))));
  });
}

template <class Model, class Map>
struct check_params;
template <class F, class Z, class T, class... Ps, class Map>
struct check_params<ode_model<F, Z, T, Ps...>, Map> {
  static constexpr bool value =
      (decltype(boost::hana::contains(std::declval<Map>(), Ps{}))::value && ...);
  static_assert(
      value,
      "tapeless::odeint: every parameter of the model (the symbols in ode(f, z, t, wrt(...))) "
      "needs a value in the parameter bindings");
};

// Every bound value (parameters, data of the model and of the loss) must have the stepper's value
// type V: the solver converts nothing, as tl::eval mixes no scalar types, so a float stepper takes
// float parameters and returns a float gradient for exactly those values.
template <class V, class Values>
struct scalars_are;
template <class V, template <class...> class Tuple, class... Vs>
struct scalars_are<V, Tuple<Vs...>>
    : std::bool_constant<(std::is_same_v<scalar_of_t<tapeless::detail::unwrap_binding_t<Vs>>, V> &&
                          ...)> {};
template <class V, class Map>
struct check_value_types {
  static constexpr bool value = scalars_are<
      V, std::remove_cvref_t<decltype(boost::hana::values(std::declval<const Map&>()))>>::value;
  static_assert(value,
                "tapeless::odeint: every bound value (parameters and data) must have the "
                "stepper's value type: with a float stepper such as "
                "runge_kutta_dopri5<std::array<float, N>, float>{} bind float values "
                "(tl::matrix<float, ...>, 0.5f); nothing is converted");
};

template <class V>
void check_finite_value(const V& v, std::string_view name, double t0) {
  for (std::size_t i = 0; i < size_of_value_v<V>; ++i) {
    const double x = static_cast<double>(elem(v, i));
    if (!std::isfinite(x))
      throw solver_error(failure::non_finite_parameter, t0,
                         "tapeless::odeint: non-finite value " + num(x) + " in '" +
                             std::string(name) + "' (element " + std::to_string(i) +
                             "), found before the solve started at t = " + num(t0));
  }
}

// Every bound value must be finite before a solve starts.
template <class Map>
void check_finite_bindings(const Map& m, double t0) {
  boost::hana::for_each(m, [&](const auto& p) {
    check_finite_value(tapeless::detail::bound_value(boost::hana::second(p)),
                       std::remove_cvref_t<decltype(boost::hana::first(p))>::name, t0);
  });
}

}  // namespace detail
}  // namespace tapeless::odeint
