#pragma once
// How a set of expression types becomes straight-line code.
//
// `nodes_t<Roots...>` is the list of distinct node types reachable from the roots, children before
// parents (a post-order walk that skips types already listed). Equal subexpressions are equal
// types, so they appear once. `run` then computes each node once, in that order, into a stack
// store with one slot per node; every call is forced inline, so the optimiser sees one flat
// function, as if the code had been written by hand. Nothing is recorded and nothing is looked
// up at run time: the order, the slots and the rules are all fixed by the types.
#include <boost/hana/at.hpp>
#include <boost/hana/at_key.hpp>
#include <boost/hana/contains.hpp>
#include <boost/hana/tuple.hpp>
#include <utility>

#include "../detail/type_list.hpp"
#include "../eval/bindings.hpp"
#include "../expr/node.hpp"

namespace tapeless::detail {

// ---- the de-duplicated, topologically ordered node list -------------------------------------
template <class L, class E, bool Seen = contains_v<E, L>>
struct collect {
  using type = L;
};
template <class L, class Children>
struct collect_children;
template <class L>
struct collect_children<L, type_list<>> {
  using type = L;
};
template <class L, class C, class... Cs>
struct collect_children<L, type_list<C, Cs...>> {
  using type = typename collect_children<typename collect<L, C>::type, type_list<Cs...>>::type;
};
template <class L, class E>
struct collect<L, E, false> {
  using type = typename push_back<typename collect_children<L, typename E::children>::type, E>::type;
};

template <class... Roots>
using nodes_t = typename collect_children<type_list<>, type_list<Roots...>>::type;

// The symbols among the nodes.
template <class Nodes>
struct symbols_of;
template <class... Ns>
struct symbols_of<type_list<Ns...>> {
  template <class Acc, class N>
  using step = std::conditional_t<is_symbol_v<N>, typename push_back<Acc, N>::type, Acc>;
  template <class Acc, class... Rest>
  struct fold {
    using type = Acc;
  };
  template <class Acc, class N, class... Rest>
  struct fold<Acc, N, Rest...> {
    using type = typename fold<step<Acc, N>, Rest...>::type;
  };
  using type = typename fold<type_list<>, Ns...>::type;
};
template <class Nodes>
using symbols_of_t = typename symbols_of<Nodes>::type;

// ---- the store: one slot per computed node, nothing for leaves --------------------------------
struct no_value {};
template <std::size_t I, class V>
struct slot {
  V v;
};
template <class Seq, class... Vs>
struct store_base;
template <std::size_t... Is, class... Vs>
struct store_base<std::index_sequence<Is...>, Vs...> : slot<Is, Vs>... {};

template <std::size_t I, class V>
TAPELESS_INLINE constexpr V& get_slot(slot<I, V>& s) {
  return s.v;
}
template <std::size_t I, class V>
TAPELESS_INLINE constexpr const V& get_slot(const slot<I, V>& s) {
  return s.v;
}

template <class T, class N>
using slot_value_t = std::conditional_t<is_leaf_v<N>, no_value, value_t<T, typename N::shape_type>>;

template <class T, class Nodes>
struct store;
template <class T, class... Ns>
struct store<T, type_list<Ns...>>
    : store_base<std::index_sequence_for<Ns...>, slot_value_t<T, Ns>...> {};

// A value converted to scalar type T (a no-op when it already is).
template <class T, class V>
TAPELESS_INLINE constexpr decltype(auto) convert_value(const V& v) {
  if constexpr (std::is_same_v<scalar_of_t<V>, T>)
    return (v);
  else if constexpr (std::is_arithmetic_v<V>)
    return static_cast<T>(v);
  else {
    value_t<T, shape_of_value_t<V>> out{};
    for (std::size_t i = 0; i < V::size; ++i) out.data[i] = static_cast<T>(v.data[i]);
    return out;
  }
}

// ---- the sweep ------------------------------------------------------------------------------
template <class T, class Nodes, class Bindings, class Pool>
struct program {
  using store_type = store<T, Nodes>;
  const Bindings& bindings;
  const Pool& pool;
  store_type s;  // left uninitialised on purpose: every slot is written before it is read

  TAPELESS_INLINE constexpr program(const Bindings& b, const Pool& p) : bindings(b), pool(p) {}

  // The value of node N: a binding, a constant, or its slot.
  template <class N>
  TAPELESS_INLINE constexpr decltype(auto) value() const {
    if constexpr (is_symbol_v<N>)
      return bound_value(boost::hana::at_key(bindings, N{}));
    else if constexpr (is_cconst_v<N>)
      return filled<T, typename N::shape_type>(N::template value<T>());
    else if constexpr (is_cparam_v<N>)
      return convert_value<T>(boost::hana::at_c<N::index>(pool));
    else
      return get_slot<index_of_v<N, Nodes>>(s);
  }

  template <std::size_t I>
  TAPELESS_INLINE constexpr void compute() {
    using N = at_t<I, Nodes>;
    if constexpr (is_unary_v<N>)
      N::op::forward(get_slot<I>(s), value<typename N::arg_type>());
    else if constexpr (is_binary_v<N>)
      N::op::forward(get_slot<I>(s), value<typename N::left_type>(),
                     value<typename N::right_type>());
  }

  template <std::size_t... Is>
  TAPELESS_INLINE constexpr void run(std::index_sequence<Is...>) {
    (compute<Is>(), ...);
  }
  TAPELESS_INLINE constexpr void run() { run(std::make_index_sequence<Nodes::size>{}); }
};

template <class Sym>
struct unbound_symbol {
  static_assert(!is_symbol_v<Sym>,
                "tapeless: evaluating an expression: a symbol of the expression has no binding "
                "(the symbol is named in the 'unbound_symbol<...>' line of this error)");
  static constexpr bool value = true;
};

template <class Bindings, class... Syms>
constexpr bool check_bound(type_list<Syms...>) {
  return (std::conditional_t<decltype(boost::hana::contains(std::declval<Bindings>(), Syms{}))::value,
                             std::true_type, unbound_symbol<Syms>>::value &&
          ...);
}

// Evaluate the roots in one sweep with scalar type T; returns a hana::tuple of their values.
template <class T, class... Roots, class Bindings, class Pool>
TAPELESS_INLINE constexpr auto evaluate(type_list<Roots...>, const Bindings& b, const Pool& pool) {
  using Nodes = nodes_t<Roots...>;
  static_assert(check_bound<Bindings>(symbols_of_t<Nodes>{}));
  program<T, Nodes, Bindings, Pool> p(b, pool);
  p.run();
  return boost::hana::make_tuple(value_t<T, typename Roots::shape_type>(p.template value<Roots>())...);
}

}  // namespace tapeless::detail
