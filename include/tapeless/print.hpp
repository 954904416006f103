#pragma once
// to_string(e): an expression, or a derivative, as readable infix. This is tapeless's answer to
// PyTorch's grad_fn: the backward rule of every node is known, so the derivative can be shown.
#include <cstdio>
#include <string>

#include "expr/node.hpp"

namespace tapeless {
namespace detail {

template <class T>
std::string format_number(T v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

template <class C>
std::string format_rational() {
  if constexpr (C::den == 1) return std::to_string(C::num);
  // Finite decimals print as decimals (1/4 -> 0.25), others as fractions (1/3).
  std::intmax_t d = C::den;
  while (d % 2 == 0) d /= 2;
  while (d % 5 == 0) d /= 5;
  if (d == 1) return format_number(double(C::num) / double(C::den));
  return std::to_string(C::num) + "/" + std::to_string(C::den);
}

template <class V>
std::string format_value(const V& v) {
  if constexpr (std::is_arithmetic_v<V>)
    return format_number(v);
  else {
    std::string out = "[";
    for (std::size_t i = 0; i < V::size; ++i) {
      if (i) out += (V::shape_type::rank == 2 && i % V::cols == 0) ? "; " : ", ";
      out += format_number(v.data[i]);
    }
    return out + "]";
  }
}

template <class E>
constexpr int precedence_of() {
  if constexpr (is_unary_v<E> || is_binary_v<E>)
    return E::op::precedence == 0 ? 10 : E::op::precedence;
  else if constexpr (is_cconst_v<E>)
    return E::shape_type::rank == 0 && (E::num < 0 || E::den != 1) ? 2 : 10;
  else
    return 10;
}

template <class E>
std::string print(const E& e);

template <class E>
std::string print_child(const E& e, int parent, bool strict) {
  int p = precedence_of<E>();
  std::string s = print(e);
  return (p < parent || (strict && p == parent)) ? "(" + s + ")" : s;
}

template <class E>
std::string print(const E& e) {
  if constexpr (is_symbol_v<E>)
    return std::string(E::name);
  else if constexpr (is_cconst_v<E>) {
    if constexpr (E::shape_type::rank == 0)
      return format_rational<E>();
    else
      return "broadcast(" + format_rational<E>() + ")";
  }
  else if constexpr (is_rconst_v<E>)
    return format_value(e.value);
  else if constexpr (is_cparam_v<E>)
    return "c" + std::to_string(E::index);
  else if constexpr (is_unary_v<E>) {
    using Op = typename E::op;
    if constexpr (Op::precedence == 3)  // prefix minus
      return std::string(Op::name) + print_child(e.a, 3, false);
    else if constexpr (requires { Op::exponent; })
      return "pow(" + print(e.a) + ", " + std::to_string(Op::exponent) + ")";
    else if constexpr (requires { Op::offset; } && requires { Op::length; } &&
                       std::string_view(Op::name) == "slice") {
      if constexpr (Op::length == 0)
        return print_child(e.a, 10, false) + "[" + std::to_string(Op::offset) + "]";
      else
        return print_child(e.a, 10, false) + "[" + std::to_string(Op::offset) + ":" +
               std::to_string(Op::offset + Op::length) + "]";
    } else
      return std::string(Op::name) + "(" + print(e.a) + ")";
  } else {
    using Op = typename E::op;
    if constexpr (Op::precedence == 0)
      return std::string(Op::name) + "(" + print(e.l) + ", " + print(e.r) + ")";
    else
      return print_child(e.l, Op::precedence, false) + " " + std::string(Op::name) + " " +
             print_child(e.r, Op::precedence, true);
  }
}

}  // namespace detail

// The expression as infix text: to_string(tanh(W @ z + b)) == "tanh(W @ z + b)".
template <Expression E>
std::string to_string(const E& e) {
  return detail::print(e);
}

}  // namespace tapeless
