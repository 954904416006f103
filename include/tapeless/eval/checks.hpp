#pragma once
// The compile-time checks of a call's bindings, made at the public boundary so that a mistake is
// one error in plain words, naming the symbols, and nothing after it:
//  - every symbol of the expression must be bound; when one is not and a binding names a symbol
//    the expression does not use, the error names both (a misspelt name, `w` for `W`);
//  - a symbol's name is shown as symbol_named<'W', '1'>: g++ and clang both print characters
//    that way, where clang prints the fixed_string inside a symbol type as character codes.
// A public function whose check fails returns `rejected` instead of doing the work, so the
// compiler does not go on to instantiate the sweep and report the same mistake again from deep
// inside it (clang printed some 300 lines for an unbound symbol before).
#include <boost/hana/keys.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../detail/type_list.hpp"
#include "../expr/node.hpp"
#include "../diff/lower.hpp"
#include "program.hpp"

namespace tapeless {

// A symbol's name as characters, for error messages.
template <char... C>
struct symbol_named {};
// The symbols an error is about.
template <class... Named>
struct unbound_symbols {};
template <class... Named>
struct bound_but_unused {};

namespace detail {

template <class Sym, std::size_t... I>
symbol_named<Sym::name[I]...> named_impl(std::index_sequence<I...>);
template <class Sym>
using named_t = decltype(named_impl<Sym>(std::make_index_sequence<Sym::name.size()>{}));

// What a call that failed a compile-time check returns: the error has been reported, and this
// value converts to anything and indexes to itself, so that using it adds no second error.
struct rejected {
  template <class T>
  operator T() const;  // never defined: the program does not compile
  template <class K>
  rejected operator[](const K&) const;
  template <class... A>
  rejected operator()(const A&...) const;
};

template <class... T>
inline constexpr bool always_false = false;

// The error itself: a static_assert whose condition names the symbols (both compilers print the
// template arguments of the condition, or of the function it sits in, with the message).
template <class Unbound, class Unused>
constexpr void report_unbound() {
  if constexpr (std::is_same_v<Unused, bound_but_unused<>>)
    static_assert(always_false<Unbound>,
                  "tapeless: a symbol of the expression has no binding (unbound_symbols<...> in "
                  "this error names it)");
  else
    static_assert(always_false<Unbound, Unused>,
                  "tapeless: a symbol of the expression has no binding, and a binding is for a "
                  "symbol the expression does not use: a misspelt name? (unbound_symbols<...> and "
                  "bound_but_unused<...> in this error name them)");
}

// The symbols a bindings map binds. (A class template, not a lambda in decltype: g++ 12 does not
// evaluate the latter inside a class template.)
template <class Keys>
struct key_list;
template <template <class...> class Tuple, class... K>
struct key_list<Tuple<K...>> {
  using type = type_list<std::remove_cvref_t<K>...>;
};
template <class Bindings>
using bound_keys_t = typename key_list<
    std::remove_cvref_t<decltype(boost::hana::keys(std::declval<const Bindings&>()))>>::type;

template <class S, class L>
using named_if_absent_t = std::conditional_t<contains_v<S, L>, type_list<>, type_list<named_t<S>>>;

template <template <class...> class Out, class... Lists>
struct flatten_named;
template <template <class...> class Out>
struct flatten_named<Out> {
  using type = Out<>;
};
template <template <class...> class Out, class... A, class... Rest>
struct flatten_named<Out, type_list<A...>, Rest...> {
  template <class... B>
  static Out<A..., B...> add(Out<B...>);
  using type = decltype(add(typename flatten_named<Out, Rest...>::type{}));
};

template <class Symbols, class Keys>
struct binding_report;
template <class... Ss, class... Ks>
struct binding_report<type_list<Ss...>, type_list<Ks...>> {
  static constexpr bool complete = (contains_v<Ss, type_list<Ks...>> && ...);
  using unbound = typename flatten_named<unbound_symbols,
                                         named_if_absent_t<Ss, type_list<Ks...>>...>::type;
  // A user's binding the expression does not use (the library's own seed and direction
  // symbols, which carry a tag, are always used).
  template <class K>
  using unused_one = std::conditional_t<std::is_void_v<typename K::tag_type>,
                                        named_if_absent_t<K, type_list<Ss...>>, type_list<>>;
  using unused = typename flatten_named<bound_but_unused, unused_one<Ks>...>::type;
};

// Whether every symbol among Nodes is bound (complete), and the error when one is not (report).
// A public function writes
//   if constexpr (!all_bound<E, decltype(b)>) return unbound_error<E, decltype(b)>(); else ...
template <class Nodes, class Bindings>
struct binding_check {
  using R = binding_report<symbols_of_t<Nodes>, bound_keys_t<Bindings>>;
  static constexpr bool complete = R::complete;
  static constexpr void report() { report_unbound<typename R::unbound, typename R::unused>(); }
};

// The same for expression E (its lowered nodes, as the sweep sees them).
template <class E, class Bindings>
inline constexpr bool all_bound = binding_check<nodes_t<lowered_t<E>>, Bindings>::complete;
template <class E, class Bindings>
constexpr rejected unbound_error() {
  binding_check<nodes_t<lowered_t<E>>, Bindings>::report();
  return {};
}

}  // namespace detail
}  // namespace tapeless
