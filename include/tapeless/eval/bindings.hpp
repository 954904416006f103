#pragma once
// Bindings: values for symbols, as a Boost.Hana map keyed by the symbols themselves, so users can
// build, merge and inspect them with Hana's algorithms. `x = value` makes one entry;
// `at(x = 1.0, W = w)` makes the map. Gradient bundles use the same structure.
#include <boost/hana/at_key.hpp>
#include <boost/hana/contains.hpp>
#include <boost/hana/core/make.hpp>
#include <boost/hana/equal.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/hash.hpp>
#include <boost/hana/insert.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include <functional>

#include "../expr/node.hpp"

// Symbols are Hana keys: equal iff the same symbol type, hashed by their type.
namespace boost::hana {
template <>
struct equal_impl<tapeless::symbol_hana_tag, tapeless::symbol_hana_tag> {
  template <class X, class Y>
  static constexpr auto apply(const X&, const Y&) {
    return hana::bool_c<std::is_same_v<X, Y>>;
  }
};
template <>
struct hash_impl<tapeless::symbol_hana_tag> {
  template <class X>
  static constexpr auto apply(const X&) {
    return hana::type_c<X>;
  }
};
}  // namespace boost::hana

namespace tapeless {

namespace detail {
// A binding may hold its value, or refer to it with std::cref(v) to avoid copying large
// parameters into every call (the caller keeps v alive for the call).
template <class V>
struct unwrap_binding {
  using type = V;
};
template <class V>
struct unwrap_binding<std::reference_wrapper<V>> {
  using type = std::remove_const_t<V>;
};
template <class V>
using unwrap_binding_t = typename unwrap_binding<std::remove_cvref_t<V>>::type;

template <class V>
TAPELESS_INLINE constexpr const unwrap_binding_t<V>& bound_value(const V& v) {
  return v;  // std::reference_wrapper converts implicitly
}

template <class S, class V>
inline constexpr bool binds_shape_v = std::is_same_v<shape_of_value_t<V>, S>;

// What a bound value is stored as: integers become double, everything else is kept.
template <class V>
using bound_value_t = std::conditional_t<std::is_integral_v<V>, double, V>;
}  // namespace detail

// A value of another library that binds to symbols as a tapeless value (<tapeless/eigen.hpp>
// specialises it for Eigen's dense objects): a specialisation has
//   template <class S> static value_t<T, S> to_value(const V& v, std::string_view symbol);
// which converts v for a symbol of shape S, checking at run time what the type leaves open.
template <class V>
struct foreign_value {};
namespace detail {
template <class V>
concept foreign_bindable = requires { foreign_value<V>::is_foreign_value; };
}  // namespace detail

template <detail::fixed_string Name, class S, class Tag>
template <class V>
constexpr auto symbol<Name, S, Tag>::operator=(const V& v) const {
  if constexpr (detail::foreign_bindable<V>) {
    return boost::hana::make_pair(*this, foreign_value<V>::template to_value<S>(v, name));
  } else {
    static_assert(Value<detail::unwrap_binding_t<V>>,
                  "tapeless: a symbol can only be bound to a scalar or a tapeless::tensor");
    static_assert(detail::binds_shape_v<S, detail::unwrap_binding_t<V>>,
                  "tapeless: binding a value to a symbol: the value's shape differs from the "
                  "symbol's shape");
    return boost::hana::make_pair(*this, static_cast<detail::bound_value_t<V>>(v));
  }
}

template <class T>
inline constexpr bool is_hana_map_v = std::is_same_v<boost::hana::tag_of_t<T>, boost::hana::map_tag>;
template <class T>
inline constexpr bool is_hana_pair_v = std::is_same_v<boost::hana::tag_of_t<T>, boost::hana::pair_tag>;

// at(x = 1.0, W = w): the bindings, a hana::map from symbols to values.
template <class... Pairs>
constexpr auto at(const Pairs&... pairs) {
  static_assert((is_hana_pair_v<Pairs> && ...),
                "tapeless::at: each argument must be a binding `symbol = value`");
  return boost::hana::make_map(pairs...);
}

namespace detail {
template <class... Ks>
struct distinct_keys : std::true_type {};
template <class K, class... Ks>
struct distinct_keys<K, Ks...>
    : std::bool_constant<!(std::is_same_v<K, Ks> || ...) && distinct_keys<Ks...>::value> {};
template <class... Ks>
inline constexpr bool distinct_keys_v = distinct_keys<Ks...>::value;
// Every argument a `symbol = value` pair, no symbol twice.
template <class... Args>
constexpr bool distinct_pairs() {
  if constexpr ((is_hana_pair_v<Args> && ...))
    return distinct_keys_v<
        std::remove_cvref_t<decltype(boost::hana::first(std::declval<const Args&>()))>...>;
  else
    return false;
}

// Bindings given as several maps and single `x = v` pairs, merged into one map.
template <class... Args>
constexpr auto merge_bindings(const Args&... args) {
  if constexpr (distinct_pairs<Args...>()) {
    // The common case, `x = v` pairs with distinct symbols: one map, built at once. (The fold
    // below is not inlined by g++, and a binding held by reference then comes back from memory
    // with no known target, so the optimiser must assume it may alias the result being written.)
    return boost::hana::make_map(args...);
  } else {
    auto add_one = [](auto m, const auto& arg) {
      using A = std::remove_cvref_t<decltype(arg)>;
      if constexpr (is_hana_pair_v<A>) {
        return boost::hana::insert(m, arg);
      } else {
        static_assert(is_hana_map_v<A>,
                      "tapeless: bindings must be `symbol = value` pairs or maps made by at(...)");
        return boost::hana::fold_left(arg, m, [](auto acc, const auto& p) {
          return boost::hana::insert(acc, p);
        });
      }
    };
    return boost::hana::fold_left(boost::hana::make_tuple(args...), boost::hana::make_map(),
                                  add_one);
  }
}

// The scalar type of an evaluation: the one scalar type of all bound values (double if none).
template <class Tuple>
struct bound_scalars;
template <template <class...> class Tuple, class... Vs>
struct bound_scalars<Tuple<Vs...>> {
  using type = typename type_list_front<type_list<scalar_of_t<unwrap_binding_t<Vs>>..., double>>::type;
  static constexpr bool uniform = (std::is_same_v<scalar_of_t<unwrap_binding_t<Vs>>, type> && ...);
};
template <class Map>
using bound_scalars_t =
    bound_scalars<std::remove_cvref_t<decltype(boost::hana::values(std::declval<std::remove_cvref_t<Map>>()))>>;
}  // namespace detail

}  // namespace tapeless
