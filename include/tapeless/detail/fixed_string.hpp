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
  constexpr std::string_view view() const { return {chars, N - 1}; }
};

}  // namespace tapeless::detail
