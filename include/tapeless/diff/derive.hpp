#pragma once
// Derivatives as types. Both builders work on lowered (stateless) expression types and call the
// tangent and adjoint rules each op states in ops/; the result is again an expression type.
//
// Forward mode, `tangent_of<N>`: the directional derivative of node N, built bottom-up from its
// children's tangents.
//
// Reverse mode, `adjoint_of<J>`: the derivative of the root with respect to node J, the sum of
// what each parent of J passes down (each op's `adjoint<K>` rule) applied to the parent's own
// adjoint. The adjoints of the wrt symbols are then evaluated together with the primal in one
// sweep (eval/program.hpp): shared parts (the primal values, the adjoints of shared nodes) are
// equal types, so they are computed once, which is exactly one forward and one backward sweep.
#include <array>
#include <utility>

#include "../eval/program.hpp"
#include "../ops/fwd.hpp"

namespace tapeless::detail {

// Does expression E contain any of the symbols in the list?
template <class E, class Syms>
struct depends_on : std::bool_constant<contains_v<E, Syms>> {};
template <class Op, class A, class Syms>
struct depends_on<unary<Op, A>, Syms> : depends_on<A, Syms> {};
template <class Op, class L, class R, class Syms>
struct depends_on<binary<Op, L, R>, Syms>
    : std::bool_constant<depends_on<L, Syms>::value || depends_on<R, Syms>::value> {};
template <class E, class Syms>
inline constexpr bool depends_on_v = depends_on<E, Syms>::value;

// A direction for forward mode: symbol Sym moves along expression Dir.
template <class Sym, class Dir>
struct direction {
  using symbol_type = Sym;
  using dir_type = Dir;
};

template <class... Dirs>
struct tangent_builder {
  using syms = type_list<typename Dirs::symbol_type...>;

  template <class N>
  static constexpr auto of() {
    using S = typename N::shape_type;
    if constexpr (!depends_on_v<N, syms>)
      return zero_t<S>{};
    else if constexpr (is_symbol_v<N>)
      return typename at<index_of_v<N, syms>, type_list<Dirs...>>::type::dir_type{};
    else if constexpr (is_unary_v<N>) {
      using A = typename N::arg_type;
      return N::op::tangent(N{}, A{}, of<A>());
    } else {
      using L = typename N::left_type;
      using R = typename N::right_type;
      return N::op::tangent(N{}, L{}, R{}, of<L>(), of<R>());
    }
  }
};

// child_indices<Nodes, N>::first, ::second: see eval/program.hpp.

template <class Nodes, class Seed, class Wrt>
struct adjoint_builder {
  static constexpr std::size_t n = Nodes::size;

  template <class Seq>
  struct child_table;
  template <std::size_t... Is>
  struct child_table<std::index_sequence<Is...>> {
    static constexpr std::array<std::array<std::size_t, 2>, n + 1> value{
        std::array<std::size_t, 2>{child_indices<Nodes, at_t<Is, Nodes>>::first::value,
                                   child_indices<Nodes, at_t<Is, Nodes>>::second::value}...,
        std::array<std::size_t, 2>{n, n}};
  };
  static constexpr const auto& children = child_table<std::make_index_sequence<n>>::value;

  // The parents of every node, in one table computed once (not one constexpr function per node,
  // each of which g++ would have to name): the parents of node J, in increasing order, are
  // parent_list[parent_begin[J]] ... parent_list[parent_begin[J + 1] - 1]. A parent that uses J
  // twice (x * x) is listed once.
  static constexpr std::size_t edge_count = [] {
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (children[i][0] < n) ++k;
      if (children[i][1] < n && children[i][1] != children[i][0]) ++k;
    }
    return k;
  }();
  static constexpr std::array<std::size_t, n + 1> parent_begin = [] {
    std::array<std::size_t, n + 1> begin{};
    for (std::size_t i = 0; i < n; ++i) {
      if (children[i][0] < n) ++begin[children[i][0] + 1];
      if (children[i][1] < n && children[i][1] != children[i][0]) ++begin[children[i][1] + 1];
    }
    for (std::size_t j = 0; j < n; ++j) begin[j + 1] += begin[j];
    return begin;
  }();
  static constexpr std::array<std::size_t, edge_count + 1> parent_list = [] {
    std::array<std::size_t, edge_count + 1> list{};
    std::array<std::size_t, n + 1> next = parent_begin;
    for (std::size_t i = 0; i < n; ++i) {
      if (children[i][0] < n) list[next[children[i][0]]++] = i;
      if (children[i][1] < n && children[i][1] != children[i][0]) list[next[children[i][1]]++] = i;
    }
    return list;
  }();

  // What parent I passes to child J (both slots when J is both children, as in x * x).
  template <std::size_t J, std::size_t I>
  static constexpr auto contribution() {
    using P = at_t<I, Nodes>;
    auto g = of<I>();
    if constexpr (is_unary_v<P>) {
      return P::op::template adjoint<0>(P{}, typename P::arg_type{}, g);
    } else {
      using L = typename P::left_type;
      using R = typename P::right_type;
      if constexpr (children[I][0] == J && children[I][1] == J)
        return s::add(P::op::template adjoint<0>(P{}, L{}, R{}, g),
                      P::op::template adjoint<1>(P{}, L{}, R{}, g));
      else if constexpr (children[I][0] == J)
        return P::op::template adjoint<0>(P{}, L{}, R{}, g);
      else
        return P::op::template adjoint<1>(P{}, L{}, R{}, g);
    }
  }

  template <std::size_t J, std::size_t... K>
  static constexpr auto sum_parents(std::index_sequence<K...>) {
    using S = typename at_t<J, Nodes>::shape_type;
    if constexpr (sizeof...(K) == 0)
      return zero_t<S>{};
    else
      return sum_terms(contribution<J, parent_list[parent_begin[J] + K]>()...);
  }
  template <class A>
  static constexpr auto sum_terms(const A& a) {
    return a;
  }
  template <class A, class... Rest>
  static constexpr auto sum_terms(const A& a, const Rest&... rest) {
    return s::add(a, sum_terms(rest...));
  }

  // The adjoint of node J: d root / d node J, as an expression type.
  template <std::size_t J>
  static constexpr auto of() {
    using N = at_t<J, Nodes>;
    if constexpr (J == n - 1)
      return Seed{};
    else if constexpr (!depends_on_v<N, Wrt>)
      return zero_t<typename N::shape_type>{};
    else
      return sum_parents<J>(std::make_index_sequence<parent_begin[J + 1] - parent_begin[J]>{});
  }

  // Naming decltype(of<J>()) for J = n-1 down to 0, in that order, makes the compiler work out
  // each adjoint after its parents': the adjoint of a leaf then no longer instantiates the
  // adjoints of all its ancestors inside one another (a nesting as deep as the model, which
  // reaches the compilers' template depth limits on long chains).
  template <std::size_t... Is>
  static type_list<decltype(of<n - 1 - Is>())...> in_reverse_order(std::index_sequence<Is...>);

  // The adjoint of symbol X (zero when the root does not depend on it).
  template <class X>
  static constexpr auto of_symbol() {
    if constexpr (contains_v<X, Nodes>) {
      static_assert(sizeof(decltype(in_reverse_order(std::make_index_sequence<n>{}))) > 0);
      return of<node_index_v<X, Nodes>>();
    } else {
      return zero_t<typename X::shape_type>{};
    }
  }
};

}  // namespace tapeless::detail
