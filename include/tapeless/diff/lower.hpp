#pragma once
// Runtime constants hold values, so two nodes `2.0 * x` and `3.0 * x` have one type. Before any
// type-level work (sharing of equal subexpressions, derivatives) an expression is *lowered*: each
// runtime constant is moved into a pool and replaced by cparam<I>, a stateless leaf naming its
// slot. Then a type determines its value again, and equal types may be computed once. `raise`
// puts the values back, for derivatives handed to the user.
#include <boost/hana/at.hpp>
#include <boost/hana/concat.hpp>
#include <boost/hana/tuple.hpp>

#include "../expr/node.hpp"

namespace tapeless::detail {

template <class E, std::size_t Off>
struct lowering {  // leaves without state
  using type = E;
  static constexpr std::size_t count = 0;
};
template <class V, std::size_t Off>
struct lowering<rconst<V>, Off> {
  using type = cparam<Off, V>;
  static constexpr std::size_t count = 1;
};
template <class Op, class A, std::size_t Off>
struct lowering<unary<Op, A>, Off> {
  using la = lowering<A, Off>;
  using type = unary<Op, typename la::type>;
  static constexpr std::size_t count = la::count;
};
template <class Op, class L, class R, std::size_t Off>
struct lowering<binary<Op, L, R>, Off> {
  using ll = lowering<L, Off>;
  using lr = lowering<R, Off + ll::count>;
  using type = binary<Op, typename ll::type, typename lr::type>;
  static constexpr std::size_t count = ll::count + lr::count;
};
template <class E, std::size_t Off = 0>
using lowered_t = typename lowering<E, Off>::type;

// The runtime constants of `e`, in the order lowering numbers them.
template <class E>
constexpr auto constant_pool(const E& e) {
  if constexpr (is_stateless_v<E>)
    return boost::hana::make_tuple();
  else if constexpr (is_rconst_v<E>)
    return boost::hana::make_tuple(e.value);
  else if constexpr (is_unary_v<E>)
    return constant_pool(e.a);
  else
    return boost::hana::concat(constant_pool(e.l), constant_pool(e.r));
}

// Replace each cparam<I> by the I-th pool value (runtime constant) again.
template <class E, class Pool>
constexpr auto raise(const E& e, const Pool& pool) {
  if constexpr (is_cparam_v<E>)
    return rconst<typename E::value_type>(boost::hana::at_c<E::index>(pool));
  else if constexpr (is_unary_v<E>) {
    auto a = raise(e.a, pool);
    return unary<typename E::op, decltype(a)>(a);
  } else if constexpr (is_binary_v<E>) {
    auto l = raise(e.l, pool);
    auto r = raise(e.r, pool);
    return binary<typename E::op, decltype(l), decltype(r)>(l, r);
  } else
    return e;
}

}  // namespace tapeless::detail
