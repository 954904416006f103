#pragma once
// Several values side by side: the outputs of one sweep (detail/derived.hpp), and the parts of the
// augmented adjoint state (odeint/state.hpp), which is why both have the same layout.
#include <cstddef>
#include <utility>

#include "../../config.hpp"

namespace tapeless::odeint::detail {

// Left uninitialised on default construction (a sweep writes every one); `raw_tuple<...> x{}`
// zeroes. std::tuple always zeroes, which for a sweep's outputs costs as much as copying them.
template <std::size_t I, class T>
struct raw_leaf {
  T v;
};
template <class Seq, class... Ts>
struct raw_tuple_impl;
template <std::size_t... Is, class... Ts>
struct raw_tuple_impl<std::index_sequence<Is...>, Ts...> : raw_leaf<Is, Ts>... {};
template <class... Ts>
using raw_tuple = raw_tuple_impl<std::index_sequence_for<Ts...>, Ts...>;

template <std::size_t I, class T>
TAPELESS_INLINE constexpr T& item(raw_leaf<I, T>& l) {
  return l.v;
}
template <std::size_t I, class T>
TAPELESS_INLINE constexpr const T& item(const raw_leaf<I, T>& l) {
  return l.v;
}

}  // namespace tapeless::odeint::detail
