#pragma once
#include <cstddef>
#include <string_view>

namespace tapeless::detail {

// A string usable as a template argument, so that a symbol's name is part of its type.
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  constexpr fixed_string() = default;
  constexpr std::string_view view() const { return {chars, N - 1}; }
};

// "fc1" + ".weight": names made from names (a layer's parameters).
template <std::size_t N, std::size_t M>
constexpr fixed_string<N + M - 1> operator+(const fixed_string<N>& a, const char (&b)[M]) {
  fixed_string<N + M - 1> out;
  for (std::size_t i = 0; i + 1 < N; ++i) out.chars[i] = a.chars[i];
  for (std::size_t i = 0; i < M; ++i) out.chars[N - 1 + i] = b[i];
  return out;
}

}  // namespace tapeless::detail
