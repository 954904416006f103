#pragma once
// How a set of expression types becomes straight-line code.
//
// `nodes_t<Roots...>` is the list of distinct node types reachable from the roots, children before
// parents (a post-order walk that skips types already listed). Equal subexpressions are equal
// types, so they appear once. `run` then computes each node once, in that order, into a stack
// store with one slot per node (on the stack, or the thread's workspace for a large model:
// storage.hpp); every call is forced inline, so the optimiser sees one flat
// function, as if the code had been written by hand. Nothing is recorded and nothing is looked
// up at run time: the order, the slots and the rules are all fixed by the types.
//
// Two refinements bring the sweep to the shape of hand-written code (docs/performance.md):
//  - results are written in place: a root's rule writes into the caller's result object;
//  - fusion: an element-wise node (or a matrix-vector product) used only by one element-wise
//    consumer is not stored; the consumer computes it inside its own loop, so tanh(W z + b) or
//    g * (1 - y*y) is one loop, as a person would write it.
// Neither changes a single floating-point operation or its order.
#include <boost/hana/at.hpp>
#include <boost/hana/at_key.hpp>
#include <boost/hana/contains.hpp>
#include <boost/hana/tuple.hpp>
#include <array>
#include <initializer_list>
#include <tuple>
#include <utility>

#include "../detail/simd.hpp"
#include "../detail/type_list.hpp"
#include "../storage.hpp"
#include "../eval/bindings.hpp"
#include "../expr/node.hpp"

namespace tapeless::detail {

// ---- the de-duplicated, topologically ordered node list -------------------------------------
template <class L, class E, bool Seen = contains<E, L>::value>
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

// The symbols among the nodes. (Picked by position, not by a recursion over the list, which
// would nest one instantiation per node and reach the compilers' depth limits on large models.)
template <class Nodes>
struct symbols_of;
template <class... Ns>
struct symbols_of<type_list<Ns...>> {
  static constexpr std::size_t n = sizeof...(Ns);
  static constexpr std::array<bool, n + 1> is_symbol{is_symbol_v<Ns>..., false};
  static constexpr std::size_t count = [] {
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i) k += is_symbol[i];
    return k;
  }();
  static constexpr std::array<std::size_t, count + 1> positions = [] {
    std::array<std::size_t, count + 1> out{};
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (is_symbol[i]) out[k++] = i;
    return out;
  }();
  template <std::size_t... K>
  static type_list<at_t<positions[K], type_list<Ns...>>...> pick(std::index_sequence<K...>);
  using type = decltype(pick(std::make_index_sequence<count>{}));
};
template <class Nodes>
using symbols_of_t = typename symbols_of<Nodes>::type;

// ---- the graph: children, uses, and which nodes are fused into their consumer ---------------
// Compile-time facts about nodes are class and variable templates, not constexpr functions: a
// function instantiated on a node type, or on a node list, needs a mangled name, and g++ spends
// time quadratic in the number of distinct parts of a name on each one. With the derivative types
// of a 200-operation chain that was most of the compilation.

// The position of node N in a node list (whose entries are distinct), found by deducing I from the
// one base indexed<I, N> of the list's indexer: one lookup inside the compiler, where
// index_of_v instantiates a comparison with every entry (quadratic over a whole program).
// Declaration only, used in decltype; qualified at the call, so that no argument-dependent lookup
// walks the node types.
template <class N, std::size_t I>
std::integral_constant<std::size_t, I> position_of(const indexed<I, N>*);
template <class N, class Nodes>
struct node_position;
template <class N, class... Ns>
struct node_position<N, type_list<Ns...>>
    : decltype(detail::position_of<N>(
          static_cast<const indexer<std::index_sequence_for<Ns...>, Ns...>*>(nullptr))) {};
template <class N, class Nodes>
inline constexpr std::size_t node_index_v = node_position<N, Nodes>::value;

// Children of node N as indices into Nodes (unused entries are Nodes::size). Types, not a static
// data member per node: every variable is given a mangled name, which would hold the whole node
// list, and g++ spends time quadratic in the distinct types of a name on each one.
template <class Nodes, class N>
struct child_indices {
  using first = std::integral_constant<std::size_t, Nodes::size>;
  using second = first;
};
template <class Nodes, class Op, class A>
struct child_indices<Nodes, unary<Op, A>> {
  using first = node_position<A, Nodes>;
  using second = std::integral_constant<std::size_t, Nodes::size>;
};
template <class Nodes, class Op, class L, class R>
struct child_indices<Nodes, binary<Op, L, R>> {
  using first = node_position<L, Nodes>;
  using second = node_position<R, Nodes>;
};

// What an operation says about itself (ops/*.hpp), false when it says nothing:
//  - elementwise: its rule reads each operand once per element, through elem(), and states its
//    scalar rule as Op::apply (ops/arithmetic.hpp, ops/elementwise.hpp);
//  - reads_elements_once: its rule reads each element of its operand once, through elem() and
//    size_of_value_v (sum, mean);
//  - has_element<SL, SR>: it offers element(i, l, r) for these operand shapes (matmul).
template <class Op>
inline constexpr bool op_elementwise_v = false;
template <class Op>
  requires requires { Op::elementwise; }
inline constexpr bool op_elementwise_v<Op> = Op::elementwise;
template <class Op>
inline constexpr bool op_reads_once_v = false;
template <class Op>
  requires requires { Op::reads_elements_once; }
inline constexpr bool op_reads_once_v<Op> = Op::reads_elements_once;
template <class Op, class SL, class SR>
inline constexpr bool op_has_element_v = false;
template <class Op, class SL, class SR>
  requires requires { Op::template has_element<SL, SR>; }
inline constexpr bool op_has_element_v<Op, SL, SR> = Op::template has_element<SL, SR>;

// Per node: element-wise; computable element by element from stored operands (element-wise, or
// a matrix-vector product); reads each element of its operands once (element-wise, sum, mean).
template <class N>
struct node_traits {
  static constexpr bool elementwise = false, has_element = false, reads_once = false;
};
template <class Op, class A>
struct node_traits<unary<Op, A>> {
  static constexpr bool elementwise = op_elementwise_v<Op>;
  static constexpr bool has_element = elementwise;
  static constexpr bool reads_once = elementwise || op_reads_once_v<Op>;
};
template <class Op, class L, class R>
struct node_traits<binary<Op, L, R>> {
  static constexpr bool elementwise = op_elementwise_v<Op>;
  static constexpr bool has_element =
      elementwise || op_has_element_v<Op, typename L::shape_type, typename R::shape_type>;
  static constexpr bool reads_once = elementwise || op_reads_once_v<Op>;
};

// A tensor node that can be computed element by element (element-wise, or a matrix-vector
// product), is used exactly once, by a node that reads each element once (element-wise, or
// sum/mean), and is not a result of the sweep, is *fused*: it gets no slot and no loop of its
// own; its consumer computes it element by element inside its own loop (lazy_value below). This
// is what a hand-written pass does with tanh(W z + b) or with (u^T W) * (1 - y*y): one loop, no
// temporaries. The scalar operations and their order are the same as when the node is stored.
// A matrix-vector product reads its operands several times per element; it never reads each
// element once, so its operands are never fused themselves and are always stored.
// With TAPELESS_SIMD, a node whose function has a vector kernel is stored, never fused: computed
// into its slot it runs over the whole array in SIMD (detail/simd.hpp), where inside its
// consumer's loop it would be one scalar call per element.
template <class N>
inline constexpr bool vector_kernel_node_v = false;
#if TAPELESS_SIMD
template <class Op, class A>
inline constexpr bool vector_kernel_node_v<unary<Op, A>> = simd::stored_v<Op>;
#endif

template <class Nodes, class Roots>
struct fusion_plan {
  static constexpr std::size_t n = Nodes::size;

  template <class Seq>
  struct tables;
  template <std::size_t... Is>
  struct tables<std::index_sequence<Is...>> {
    static constexpr std::array<std::array<std::size_t, 2>, n + 1> children{
        std::array<std::size_t, 2>{child_indices<Nodes, at_t<Is, Nodes>>::first::value,
                                   child_indices<Nodes, at_t<Is, Nodes>>::second::value}...,
        std::array<std::size_t, 2>{n, n}};
    // tensor nodes computable element by element that are not roots
    static constexpr std::array<bool, n + 1> candidate{
        (node_traits<at_t<Is, Nodes>>::has_element && at_t<Is, Nodes>::shape_type::rank > 0 &&
         !vector_kernel_node_v<at_t<Is, Nodes>> &&
         !(position_in<at_t<Is, Nodes>, Roots>::value < Roots::size))...,
        false};
    static constexpr std::array<bool, n + 1> consumer{node_traits<at_t<Is, Nodes>>::reads_once...,
                                                      false};
  };
  using table = tables<std::make_index_sequence<n>>;

#ifdef TAPELESS_NO_FUSION  // debugging and measuring knob: store every node
  static constexpr std::array<bool, n> fused{};
#else
  static constexpr std::array<bool, n> fused = [] {
    std::array<std::size_t, n> uses{}, parent{};
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t c : table::children[i])
        if (c < n) ++uses[c], parent[c] = i;
    std::array<bool, n> out{};
    for (std::size_t j = 0; j < n; ++j)
      out[j] = table::candidate[j] && uses[j] == 1 && table::consumer[parent[j]];
    return out;
  }();
#endif
};

// The value of a fused node: computed element by element when its consumer reads it. It looks
// like a tensor to elem() (a `data` member indexable by i); the operands' values are held by
// reference when they are stored (slots, bindings) and by value when they are themselves
// computed on the fly (constants, other fused nodes).
template <class Op, class A>
struct lazy_unary_elements {
  A a;
  TAPELESS_INLINE constexpr auto operator[](std::size_t i) const { return Op::apply(elem(a, i)); }
};
template <class Op, class L, class R>
struct lazy_binary_elements {
  L l;
  R r;
  TAPELESS_INLINE constexpr auto operator[](std::size_t i) const {
    if constexpr (requires { Op::elementwise; })
      return Op::apply(elem(l, i), elem(r, i));
    else
      return Op::element(i, l, r);  // its operands are stored: it reads them several times
  }
};
template <class Elements, class T, class S>
struct lazy_value {
  Elements data;
};

}  // namespace tapeless::detail

namespace tapeless {
// A fused node's value has the scalar type and shape of the node (size_of_value_v and friends).
template <class Elements, class T, class S>
struct value_traits<detail::lazy_value<Elements, T, S>> {
  using scalar = T;
  using shape_type = S;
};
}  // namespace tapeless

namespace tapeless::detail {

// ---- the store: one slot per stored node -----------------------------------------------------
// Leaves (bindings, constants) and fused nodes have no slot. A computed node that is also a
// result of the sweep (a root) has no slot either: its rule writes straight into the caller's
// result object, so nothing is copied afterwards (copying gradients out of the store cost as much
// as computing them for a width-50 MLP).
struct no_value {};
template <std::size_t I, class V>
struct slot {
  V v;
};
template <class Seq, class... Vs>
struct store_base;
template <std::size_t... Is, class... Vs>
struct store_base<std::index_sequence<Is...>, Vs...> : slot<Is, Vs>... {};


// Node N is a result of the sweep in its own right: computed (not a leaf) and among the roots.
template <class N, class Roots>
struct is_output_node
    : std::bool_constant<!is_leaf_v<N> && (position_in<N, Roots>::value < Roots::size)> {};

template <class T, class N, class Roots, bool Fused>
using slot_value_t = std::conditional_t<is_leaf_v<N> || Fused || is_output_node<N, Roots>::value,
                                        no_value, value_t<T, typename N::shape_type>>;

constexpr bool any_of(std::initializer_list<bool> flags) {
  for (const bool f : flags)
    if (f) return true;
  return false;
}

template <class T, class Nodes, class Roots, class Seq = std::make_index_sequence<Nodes::size>>
struct store;
template <class T, class... Ns, class Roots, std::size_t... Is>
struct store<T, type_list<Ns...>, Roots, std::index_sequence<Is...>>
    : store_base<std::index_sequence<Is...>,
                 slot_value_t<T, Ns, Roots, fusion_plan<type_list<Ns...>, Roots>::fused[Is]>...> {
  // (A braced list, not a fold: clang refuses a fold of more than 256 terms.)
  static constexpr bool holds_heap_values = any_of(
      {on_heap_v<slot_value_t<T, Ns, Roots, fusion_plan<type_list<Ns...>, Roots>::fused[Is]>>...});
};

// Whether a sweep's store is the thread's workspace rather than a local (storage.hpp).
template <class Store>
inline constexpr bool store_in_workspace_v =
    Store::holds_heap_values || sizeof(Store) > inline_store_bytes;

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
// Computes Nodes in order; root K of Roots is written to the K-th output. The program object holds
// only references (the store is the caller's local), so once everything is inlined the optimiser
// keeps them in registers and knows what each one points to: the result object, the bindings and
// the store are then visibly distinct, which vectorisation needs.
// A program is keyed by its roots (a type_list), or by a recipe whose roots_type names them: the
// per-node functions carry the key in their mangled names, and a recipe (the model and the
// symbols of a gradient) is a fraction of the size of the derivative types it stands for.
template <class Key>
struct roots_of {
  using type = Key;
};
template <class Key>
  requires requires { typename Key::roots_type; }
struct roots_of<Key> {
  using type = typename Key::roots_type;
};

template <class T, class Key, class Bindings, class Pool, class... Outs>
struct program {
  using Roots = typename roots_of<Key>::type;
  using Nodes = typename collect_children<type_list<>, Roots>::type;
  using store_type = store<T, Nodes, Roots>;
  static constexpr const auto& fused = fusion_plan<Nodes, Roots>::fused;
  const Bindings& bindings;
  const Pool& pool;
  store_type& s;  // left uninitialised on purpose: every slot is written before it is read
  std::tuple<Outs&...> outs;

  TAPELESS_INLINE constexpr program(const Bindings& b, const Pool& p, store_type& st, Outs&... o)
      : bindings(b), pool(p), s(st), outs(o...) {}

  // (Two member functions per node, compute<I> and value<I>, and lazy<I> for a fused node: each
  // function instantiated here carries the whole node list in its mangled name, which g++ builds
  // in time quadratic in the number of distinct types in it. Slots are reached by casts, not by
  // accessor functions.)
  template <std::size_t I>
  using slot_t = slot<I, slot_value_t<T, at_t<I, Nodes>, Roots, fused[I]>>;

  // The value of node J: a binding, a constant, a fused node's operands, its output (when it is a
  // root) or its slot.
  template <std::size_t J>
  TAPELESS_INLINE constexpr decltype(auto) value() const {
    using N = at_t<J, Nodes>;
    if constexpr (is_symbol_v<N>)
      return bound_value(boost::hana::at_key(bindings, N{}));
    else if constexpr (is_cconst_v<N>)
      return filled<T, typename N::shape_type>(N::template value<T>());
    else if constexpr (is_cparam_v<N>)
      return convert_value<T>(boost::hana::at_c<N::index>(pool));
    else if constexpr (fused[J])
      return lazy<J>();
    else if constexpr (is_output_node<N, Roots>::value)
      return static_cast<const value_t<T, typename N::shape_type>&>(
          std::get<position_in<N, Roots>::value>(outs));
    else
      return (static_cast<const slot_t<J>&>(s).v);  // parenthesised: a reference, not a copy
  }

  // A fused node's value: its operands, to be combined element by element by its consumer.
  template <std::size_t J>
  TAPELESS_INLINE constexpr auto lazy() const {
    using N = at_t<J, Nodes>;
    constexpr std::size_t c[] = {child_indices<Nodes, N>::first::value,
                                 child_indices<Nodes, N>::second::value};
    if constexpr (is_unary_v<N>) {
      using A = decltype(value<c[0]>());
      return lazy_value<lazy_unary_elements<typename N::op, A>, T, typename N::shape_type>{
          {value<c[0]>()}};
    } else {
      using L = decltype(value<c[0]>());
      using R = decltype(value<c[1]>());
      return lazy_value<lazy_binary_elements<typename N::op, L, R>, T, typename N::shape_type>{
          {value<c[0]>(), value<c[1]>()}};
    }
  }

  // Computes node I into its output (when it is a root) or its slot.
  template <std::size_t I>
  TAPELESS_INLINE constexpr void compute() const {
    using N = at_t<I, Nodes>;
    constexpr std::size_t c[] = {child_indices<Nodes, N>::first::value,
                                 child_indices<Nodes, N>::second::value};
    if constexpr (fused[I] || is_leaf_v<N>) {
      // a leaf has no rule; a fused node is computed inside its consumer's loop
    } else if constexpr (is_output_node<N, Roots>::value) {
      auto& out = std::get<position_in<N, Roots>::value>(outs);
      if constexpr (is_unary_v<N>)
        N::op::forward(out, value<c[0]>());
      else
        N::op::forward(out, value<c[0]>(), value<c[1]>());
    } else {
      auto& out = static_cast<slot_t<I>&>(s).v;
      if constexpr (is_unary_v<N>)
        N::op::forward(out, value<c[0]>());
      else
        N::op::forward(out, value<c[0]>(), value<c[1]>());
    }
  }

  template <std::size_t... Is>
  TAPELESS_INLINE constexpr void run(std::index_sequence<Is...>) const {
    // A braced list, evaluated in order, rather than a fold expression: clang nests a fold of
    // n terms n deep and refuses more than 256 (-fbracket-depth).
    [[maybe_unused]] const int in_order[] = {0, (compute<Is>(), 0)...};
  }

  // Root K was computed straight into its output when it is a computed node named first at K;
  // a leaf root (a binding, a constant) or a repeated root is copied after the sweep.
  template <std::size_t K>
  TAPELESS_INLINE constexpr void copy_output() const {
    using R = at_t<K, Roots>;
    if constexpr (!is_output_node<R, Roots>::value || position_in<R, Roots>::value != K) {
      auto& out = std::get<K>(outs);
      out = std::remove_cvref_t<decltype(out)>(value<node_index_v<R, Nodes>>());
    }
  }
  template <std::size_t... Ks>
  TAPELESS_INLINE constexpr void copy_outputs(std::index_sequence<Ks...>) const {
    (copy_output<Ks>(), ...);
  }

  TAPELESS_INLINE constexpr void run() const {
    run(std::make_index_sequence<Nodes::size>{});
    copy_outputs(std::make_index_sequence<Roots::size>{});
  }
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

// Evaluate the roots in one sweep with scalar type T, writing root K's value into outs[K]
// (each a value_t<T, shape of root K>).
template <class T, class... Roots, class... Outs>
consteval bool outputs_match(type_list<Roots...>, type_list<Outs...>) {
  if constexpr (sizeof...(Roots) != sizeof...(Outs))
    return false;
  else
    return (std::is_same<Outs, value_t<T, typename Roots::shape_type>>::value && ...);
}

// (Key: a type_list of roots, or a recipe with a roots_type; see program.)
template <class T, class Key, class Bindings, class Pool, class... Outs>
TAPELESS_INLINE constexpr void evaluate_into(Key, const Bindings& b, const Pool& pool,
                                             Outs&... outs) {
  using P = program<T, Key, Bindings, Pool, Outs...>;
  static_assert(outputs_match<T>(typename P::Roots{}, type_list<Outs...>{}));
  static_assert(check_bound<Bindings>(symbols_of_t<typename P::Nodes>{}));
  using S = typename P::store_type;
  if constexpr (store_in_workspace_v<S>) {
    if (!std::is_constant_evaluated()) {
      const P p(b, pool, thread_workspace<S>(), outs...);
      p.run();
      return;
    }
  }
  S s;
  const P p(b, pool, s, outs...);
  p.run();
}

template <class T, class Roots, class Bindings, class Pool, class Tuple, std::size_t... Ks>
TAPELESS_INLINE constexpr void evaluate_into_tuple(Roots roots, const Bindings& b, const Pool& pool,
                                                   Tuple& out, std::index_sequence<Ks...>) {
  detail::evaluate_into<T>(roots, b, pool, boost::hana::at_c<Ks>(out)...);
}

// Evaluate the roots in one sweep with scalar type T; returns a hana::tuple of their values.
template <class T, class... Roots, class Bindings, class Pool>
TAPELESS_INLINE constexpr auto evaluate(type_list<Roots...> roots, const Bindings& b,
                                        const Pool& pool)
    -> boost::hana::tuple<value_t<T, typename Roots::shape_type>...> {  // spelled out for NRVO
  boost::hana::tuple<value_t<T, typename Roots::shape_type>...> out{};
  detail::evaluate_into_tuple<T>(roots, b, pool, out, std::index_sequence_for<Roots...>{});
  return out;
}

}  // namespace tapeless::detail
