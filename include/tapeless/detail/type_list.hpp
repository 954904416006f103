#pragma once
// Plain C++20 type lists: the node list of an expression is built and searched here. Membership
// uses the inherit-from-all trick so that a lookup is one builtin, not a recursion; that keeps the
// de-duplicated topological sort close to linear in template instantiations.
#include <cstddef>
#include <initializer_list>
#include <type_traits>
#include <utility>

namespace tapeless::detail {

template <class... Ts>
struct type_list {
  static constexpr std::size_t size = sizeof...(Ts);
};

template <class T>
struct type_tag {};
template <class... Ts>
struct inherit_tags : type_tag<Ts>... {};

template <class T, class L>
inline constexpr bool contains_v = false;
template <class T, class... Ts>
inline constexpr bool contains_v<T, type_list<Ts...>> =
    std::is_base_of_v<type_tag<T>, inherit_tags<Ts...>>;
// The same as a type: where it is asked once per node (building a node list), a variable would
// be named with the whole list each time, and g++ spends time quadratic in a name's distinct
// types on each name.
template <class T, class L>
struct contains : std::false_type {};
template <class T, class... Ts>
struct contains<T, type_list<Ts...>>
    : std::bool_constant<__is_base_of(type_tag<T>, inherit_tags<Ts...>)> {};

template <class T, class... Ts>
consteval std::size_t index_of_impl(type_list<Ts...>) {
  constexpr bool hits[] = {std::is_same_v<T, Ts>..., false};
  for (std::size_t i = 0; i < sizeof...(Ts); ++i)
    if (hits[i]) return i;
  return sizeof...(Ts);
}
template <class T, class L>
inline constexpr std::size_t index_of_v = index_of_impl<T>(L{});

// The position of T in a list (its size if absent) as a type. Asked once per node of a sweep
// about the sweep's roots: a variable or function template would be named with both, and g++
// spends time superlinear in a name's length on every name (the sweep's compile time was mostly
// that); integral_constant's value is named by the number alone.
consteval std::size_t first_true(std::initializer_list<bool> hits) {
  std::size_t i = 0;
  for (const bool h : hits) {
    if (h) return i;
    ++i;
  }
  return i;
}
template <class T, class L>
struct position_in;
template <class T, class... Ts>
struct position_in<T, type_list<Ts...>>
    : std::integral_constant<std::size_t, first_true({std::is_same<T, Ts>::value..., false})> {};

// Membership in a list that may hold a type twice (the roots of a sweep: two requested
// derivatives can be the same expression type); contains_v needs distinct entries.
template <class T, class L>
inline constexpr bool among_v = index_of_v<T, L> < L::size;

template <class L, class T>
struct push_back;
template <class... Ts, class T>
struct push_back<type_list<Ts...>, T> {
  using type = type_list<Ts..., T>;
};

template <class L>
struct type_list_front;
template <class T, class... Ts>
struct type_list_front<type_list<T, Ts...>> {
  using type = T;
};

template <std::size_t I, class T>
struct indexed {};
template <class Seq, class... Ts>
struct indexer;
template <std::size_t... Is, class... Ts>
struct indexer<std::index_sequence<Is...>, Ts...> : indexed<Is, Ts>... {};
template <std::size_t I, class T>
T select(const indexed<I, T>*);  // declaration only: used in decltype

// The call is qualified: an unqualified one would look for `select` in the namespaces of every
// template argument of the indexer, that is, of every node of a program, recursively through
// their types (argument-dependent lookup). For the derivative types of large models that walk
// dominated clang's compile time. Through a pointer, so that no indexer object is formed.
template <std::size_t I, class L>
struct at;
template <std::size_t I, class... Ts>
struct at<I, type_list<Ts...>> {
  using type = decltype(tapeless::detail::select<I>(
      static_cast<const indexer<std::index_sequence_for<Ts...>, Ts...>*>(nullptr)));
};
template <std::size_t I, class L>
using at_t = typename at<I, L>::type;

}  // namespace tapeless::detail
