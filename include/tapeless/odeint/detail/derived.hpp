#pragma once
// The derivative expressions the Odeint bridge evaluates, as types, and the one-sweep evaluation
// it runs them with. Everything here works on the lowered dynamics `LF` (runtime constants moved to
// a pool, see diff/lower.hpp), so equal subexpressions are equal types and every sweep computes the
// primal once, however many derivative roots share it.
#include <boost/hana/at.hpp>
#include <boost/hana/insert.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/tuple.hpp>
#include <type_traits>
#include <utility>

#include "../../diff/derive.hpp"
#include "../../diff/lower.hpp"
#include "../../eval/program.hpp"
#include "raw_tuple.hpp"

namespace tapeless::odeint::detail {

namespace td = tapeless::detail;

// The library's own symbols. Their tags keep them apart from any symbol a user may name alike.
template <class X>
struct direction_tag {};
struct adjoint_tag {};

// The tangent direction of symbol X (same shape): Jacobian columns and df/dt are tangents.
template <class X>
using dir_symbol = symbol<"dir", typename X::shape_type, direction_tag<X>>;
// The adjoint a(t) = dL/dz(t), the cotangent seed of the vector-Jacobian products.
template <class Z>
using adjoint_symbol = symbol<"adj", typename Z::shape_type, adjoint_tag>;

// The roots without repeats (two derivatives may well be the same expression, zero most often).
template <class L, class... Rs>
struct unique_roots {
  using type = L;
};
template <class L, class R, class... Rs>
struct unique_roots<L, R, Rs...> {
  using type = typename unique_roots<
      std::conditional_t<td::contains_v<R, L>, L, typename td::push_back<L, R>::type>, Rs...>::type;
};

// One sweep over several roots with scalar type V: a hana::tuple of their values, in the order
// asked for (repeated roots are computed once).
template <class V, class... Roots, class Bindings, class Pool>
TAPELESS_INLINE constexpr auto sweep(td::type_list<Roots...> roots, const Bindings& b,
                                     const Pool& pool) {
  using U = typename unique_roots<td::type_list<>, Roots...>::type;
  if constexpr (U::size == sizeof...(Roots)) {
    return td::evaluate<V>(roots, b, pool);
  } else {
    const auto u = td::evaluate<V>(U{}, b, pool);
    return boost::hana::make_tuple(boost::hana::at_c<td::index_of_v<Roots, U>>(u)...);
  }
}

// The values of a list of roots with scalar type V.
template <class V, class Roots>
struct values_of;
template <class V, class... Roots>
struct values_of<V, td::type_list<Roots...>> {
  using type = raw_tuple<value_t<V, typename Roots::shape_type>...>;
};
template <class V, class Roots>
using values_of_t = typename values_of<V, Roots>::type;

// One sweep writing root k into item<k>(out): no copy of any result.
template <class V, class... Roots, class Bindings, class Pool, class Out>
TAPELESS_INLINE constexpr void sweep_into(td::type_list<Roots...> roots, const Bindings& b,
                                          const Pool& pool, Out& out) {
  using U = typename unique_roots<td::type_list<>, Roots...>::type;
  [&]<std::size_t... k>(std::index_sequence<k...>) {
    if constexpr (U::size == sizeof...(Roots)) {
      td::evaluate_into<V>(roots, b, pool, item<k>(out)...);
    } else {
      const auto u = td::evaluate<V>(U{}, b, pool);
      ((item<k>(out) = boost::hana::at_c<td::index_of_v<Roots, U>>(u)), ...);
    }
  }
  (std::index_sequence_for<Roots...>{});
}

// Bindings plus one more entry.
template <class Map, class Sym, class V>
TAPELESS_INLINE constexpr auto with(const Map& m, Sym, const V& v) {
  return boost::hana::insert(m, boost::hana::make_pair(Sym{}, v));
}

// ---- forward mode: tangents of the lowered dynamics -----------------------------------------
// d LF along (z -> dir_z, t -> dir_t): columns of df/dz (dir_z = e_j, dir_t = 0) and df/dt
// (dir_z = 0, dir_t = 1).
template <class LF, class Z, class T>
using tangent_zt_t =
    decltype(td::tangent_builder<td::direction<Z, dir_symbol<Z>>,
                                 td::direction<T, dir_symbol<T>>>::template of<LF>());

// The second time derivative along the solution, z'' = df/dz f + df/dt, as one expression: the
// tangent of LF with the direction of z being LF itself, so one sweep computes f and z''.
template <class LF, class Z, class T>
using second_derivative_t =
    decltype(td::tangent_builder<td::direction<Z, LF>,
                                 td::direction<T, constant_t<1>>>::template of<LF>());

// ---- reverse mode: a^T df/dX for each X, one sweep --------------------------------------------
// The adjoint builder of LF seeded with the adjoint symbol, differentiating by Xs.
template <class LF, class Z, class... Xs>
using vjp_builder = td::adjoint_builder<td::nodes_t<LF>, adjoint_symbol<Z>, td::type_list<Xs...>>;

template <class LF, class Z, class X, class... Xs>
using vjp_t = decltype(vjp_builder<LF, Z, Xs...>::template of_symbol<X>());

}  // namespace tapeless::odeint::detail
