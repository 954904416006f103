#pragma once
// grad_into, value_and_grad_into, vjp_into, value_and_vjp_into: the numbers of grad and vjp
// written into a bundle the caller keeps, g[W] and g[b] for wrt(W, b), instead of a new bundle.
//
// A returned bundle is a hana::map, and hana value-initialises every value of a map it makes: each
// gradient is zero-filled before the sweep writes it, and a large one (storage.hpp) gets a new
// heap block on every call. Written into an existing bundle, each entry is written once, by the
// sweep itself, so a training loop makes its gradient's storage once:
//   auto g = tl::zeros_like(params);                        // once
//   tl::grad_into(g, loss, tl::wrt(W, b), params, data);    // every step: g[W], g[b]
// The sweep is grad's own (the same recipe, eval/program.hpp): the same bits. The bundle may hold
// other symbols, which are left alone. It must not also be an input of the call: an entry bound by
// reference (std::cref(g[W])) would be overwritten while it is read, so that call throws
// std::invalid_argument naming the symbol, before anything is written.
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/second.hpp>
#include <functional>
#include <stdexcept>
#include <string>

#include "grad.hpp"

namespace tapeless {
namespace detail {

template <class G, class X>
inline constexpr bool bundle_has_v =
    decltype(boost::hana::contains(std::declval<const G&>(), X{}))::value;

template <class S, class G, class X>
consteval bool entry_fits() {
  if constexpr (bundle_has_v<G, X>)
    return std::is_same_v<std::remove_cvref_t<decltype(boost::hana::at_key(std::declval<G&>(), X{}))>,
                          value_t<S, typename X::shape_type>>;
  else
    return true;  // a missing entry is reported on its own
}

// What is wrong with bundle G for the symbols Xs and scalar type S: 0 nothing, 1 not a bundle,
// 2 an entry missing, 3 an entry of another shape or scalar type.
template <class S, class G, class... Xs>
consteval int bundle_problem(wrt_t<Xs...>) {
  if constexpr (!is_hana_map_v<G>)
    return 1;
  else if constexpr (!(bundle_has_v<G, Xs> && ...))
    return 2;
  else
    return (entry_fits<S, G, Xs>() && ...) ? 0 : 3;
}
template <int Problem>
constexpr bool check_bundle() {
  static_assert(Problem != 1,
                "tapeless::grad_into/vjp_into: the first argument must be a bundle that receives "
                "the gradients (a hana::map from symbols to values, such as tl::zeros_like(params))");
  static_assert(Problem != 2,
                "tapeless::grad_into/vjp_into: the bundle has no entry for a symbol named in "
                "wrt(...)");
  static_assert(Problem != 3,
                "tapeless::grad_into/vjp_into: a bundle entry is not a value of its symbol's shape "
                "and of the evaluation's scalar type");
  return Problem == 0;
}

// The elements a value occupies, as [first, last) byte addresses.
template <class V>
std::pair<const void*, const void*> elements_of(const V& v) {
  if constexpr (std::is_arithmetic_v<V>)
    return {&v, &v + 1};
  else
    return {v.begin(), v.end()};
}
// Whether a bound value refers to elements it does not hold (std::cref, or a foreign object's
// tensor_ref, eigen.hpp): only such a binding can share its elements with the bundle.
template <class V>
inline constexpr bool refers_v = false;
template <class V>
inline constexpr bool refers_v<std::reference_wrapper<V>> = true;
template <class T, std::size_t... D>
inline constexpr bool refers_v<tensor_ref<T, D...>> = true;

// Throws when an entry of g for Xs shares elements with a binding held by reference.
template <class Seed, class G, class Bindings, class... Xs>
void check_not_bound(const G& g, const Bindings& b, wrt_t<Xs...>) {
  boost::hana::for_each(b, [&](const auto& binding) {
    using V = std::remove_cvref_t<decltype(boost::hana::second(binding))>;
    if constexpr (refers_v<V>) {
      const auto in = elements_of(bound_value(boost::hana::second(binding)));
      const auto check = [&](auto x) {
        const auto out = elements_of(boost::hana::at_key(g, x));
        const std::less<const void*> before;
        if (before(out.first, in.second) && before(in.first, out.second)) {
          using K = std::remove_cvref_t<decltype(boost::hana::first(binding))>;
          const std::string input = std::is_same_v<K, Seed>
                                        ? std::string("the cotangent u")
                                        : "\"" + std::string(K::name) + "\"";
          throw std::invalid_argument(
              "tapeless::grad_into/vjp_into: the bundle's entry for \"" +
              std::string(decltype(x)::name) + "\" is also an input of the call (" + input +
              ", bound by reference): the gradient would overwrite the values it is computed "
              "from; nothing was written");
        }
      };
      (check(Xs{}), ...);
    }
  });
}

// The adjoints of Xs for the seed written into g's entries, with the value of e into *value when
// it is given: the sweeps of value_and_adjoints and adjoints (diff/grad.hpp).
template <class T, class G, class E, class Seed, class... Xs, class Bindings, class... Value>
TAPELESS_INLINE constexpr void adjoints_into(G& g, const E& e, Seed, wrt_t<Xs...> w,
                                             const Bindings& b, Value&... value) {
  static_assert(check_bound<Bindings>(symbols_of_t<nodes_t<lowered_t<E>>>{}));
  if (!std::is_constant_evaluated()) check_not_bound<Seed>(g, b, w);
  const auto pool = constant_pool(e);
  if constexpr (sizeof...(Value) == 0)
    detail::evaluate_into<T>(adjoints_recipe<E, Seed, Xs...>{}, b, pool,
                             boost::hana::at_key(g, Xs{})...);
  else
    detail::evaluate_into<T>(value_and_adjoints_recipe<lowered_t<E>, Seed, Xs...>{}, b, pool,
                             value..., boost::hana::at_key(g, Xs{})...);
}

// The checks and the sweep shared by the four functions: the seed's bindings already merged in.
template <bool WithValue, class T, class G, class E, class Seed, class W, class Bindings>
TAPELESS_INLINE constexpr auto derivatives_into(G& g, const E& e, Seed seed, W w, const Bindings& b) {
  if constexpr (!all_bound<E, Bindings>) {
    return unbound_error<E, Bindings>();
  } else {
    using S = evaluation_scalar_t<T, Bindings>;
    using Xs = decltype(checked_wrt<E>(w));
    if constexpr (!check_bundle<bundle_problem<S, G>(Xs{})>()) {
      return rejected{};
    } else if constexpr (WithValue) {
      value_t<S, typename lowered_t<E>::shape_type> value{};
      adjoints_into<S>(g, e, seed, Xs{}, b, value);
      return value;
    } else {
      adjoints_into<S>(g, e, seed, Xs{}, b);
    }
  }
}

template <class E, class U>
constexpr void check_cotangent() {
  static_assert(std::is_same_v<shape_of_value_t<unwrap_binding_t<U>>, typename E::shape_type>,
                "tapeless::vjp: the cotangent u must have the shape of the expression");
}

}  // namespace detail

// grad(e, w, bindings...) written into g's entries for the symbols of w.
template <class T = void, class G, class E, class... Xs, class... B>
TAPELESS_INLINE constexpr void grad_into(G& g, const E& e, wrt_t<Xs...> w, const B&... bindings) {
  detail::check_expression<E>();
  detail::check_scalar_root<E>("");
  detail::derivatives_into<false, T>(g, e, constant_t<1>{}, w, detail::merge_bindings(bindings...));
}

// value_and_grad's gradient written into g; returns the value.
template <class T = void, class G, class E, class... Xs, class... B>
TAPELESS_INLINE constexpr auto value_and_grad_into(G& g, const E& e, wrt_t<Xs...> w,
                                                   const B&... bindings) {
  detail::check_expression<E>();
  detail::check_scalar_root<E>("");
  return detail::derivatives_into<true, T>(g, e, constant_t<1>{}, w,
                                           detail::merge_bindings(bindings...));
}

// vjp(e, u, w, bindings...) written into g.
template <class T = void, class G, class E, class U, class... Xs, class... B>
TAPELESS_INLINE constexpr void vjp_into(G& g, const E& e, const U& u, wrt_t<Xs...> w,
                                        const B&... bindings) {
  detail::check_expression<E>();
  detail::check_cotangent<E, U>();
  using seed = detail::seed_symbol<typename E::shape_type>;
  detail::derivatives_into<false, T>(g, e, seed{}, w, detail::merge_bindings(bindings..., seed{} = u));
}

// value_and_vjp's gradient written into g; returns the value of e.
template <class T = void, class G, class E, class U, class... Xs, class... B>
TAPELESS_INLINE constexpr auto value_and_vjp_into(G& g, const E& e, const U& u, wrt_t<Xs...> w,
                                                  const B&... bindings) {
  detail::check_expression<E>();
  detail::check_cotangent<E, U>();
  using seed = detail::seed_symbol<typename E::shape_type>;
  return detail::derivatives_into<true, T>(g, e, seed{}, w,
                                           detail::merge_bindings(bindings..., seed{} = u));
}

}  // namespace tapeless
