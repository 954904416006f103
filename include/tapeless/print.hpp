#pragma once
// to_string(e): an expression, or a derivative, as readable infix. This is tapeless's answer to
// PyTorch's grad_fn: the backward rule of every node is known, so the derivative can be shown.
//
// The printer writes what a node means, as a person would write it (docs/printing.md has the
// table of every form): a product's numeric factors multiplied into one coefficient written
// first (`2 * (3.0 * x)` -> `6 * x`), signs moved out to the sum (`a + -2 * b` -> `a - 2 * b`),
// a broadcast scalar as `s * ones(2, 3)`, padded and stacked pieces as one block vector
// (`[a, 0, b]`). This only changes the text: the expression, its type and its evaluation stay as
// they are (the numbers of runtime constants are values, folding them in the type would change
// what is computed; the exact rewrites live in the simplifying constructors, ops/ and
// expr/build.hpp).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "expr/node.hpp"
#include "ops/fwd.hpp"

namespace tapeless {
namespace detail {

template <class T>
std::string format_number(T v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

// A rational num/den (den > 0): finite decimals print as decimals (1/4 -> 0.25), others as
// fractions (1/3).
inline std::string format_rational(std::intmax_t num, std::intmax_t den) {
  if (den == 1) return std::to_string(num);
  std::intmax_t d = den;
  while (d % 2 == 0) d /= 2;
  while (d % 5 == 0) d /= 5;
  if (d == 1) return format_number(double(num) / double(den));
  return std::to_string(num).append("/").append(std::to_string(den));
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

namespace printing {

// What kind of text a piece is, for the parentheses it needs where it is used.
enum class kind { atom, prefix, product, matmul, sum };

struct text {
  std::string s;
  kind k = kind::atom;
};
// A text with its sign taken out: `-2 * x` is {true, "2 * x"}.
struct signed_text {
  bool negative = false;
  text mag;
};

// Strings are joined by appending (g++ 12 -O2 warns falsely on `"literal" + std::string&&`).
template <class... P>
std::string cat(const P&... p) {
  std::string s;
  ((s += p), ...);
  return s;
}

inline std::string paren(const text& t, bool p) { return p ? cat("(", t.s, ")") : t.s; }

inline text render(const signed_text& t) {
  if (!t.negative) return t.mag;
  if (t.mag.k == kind::product) return {cat("-", t.mag.s), kind::product};
  return {cat("-", paren(t.mag, t.mag.k != kind::atom)), kind::prefix};
}

template <class S>
std::string dims() {
  std::string out;
  [&]<std::size_t... D>(shape<D...>) {
    ((out += cat(out.empty() ? "" : ", ", std::to_string(D))), ...);
  }(S{});
  return out;
}

template <class E>
inline constexpr bool is_pad_v = false;
template <std::size_t Off, std::size_t N, class A>
inline constexpr bool is_pad_v<unary<pad_op<Off, N>, A>> = true;
template <class E>
inline constexpr bool is_broadcast_v = false;
template <class S, class A>
inline constexpr bool is_broadcast_v<unary<broadcast_op<S>, A>> = true;
template <class E>
inline constexpr bool is_scalar_rconst_v = false;
template <class V>
inline constexpr bool is_scalar_rconst_v<rconst<V>> = std::is_arithmetic_v<V>;
template <class E>
inline constexpr bool is_slice_v = false;
template <std::size_t Off, std::size_t Len, class A>
inline constexpr bool is_slice_v<unary<slice_op<Off, Len>, A>> = true;

// The numeric coefficient of a product: a rational part (compile-time constants) times the
// runtime constants' values.
struct coefficient {
  std::intmax_t num = 1, den = 1;
  bool has_value = false;
  double value = 1;
  void times(std::intmax_t n, std::intmax_t d) {
    const std::intmax_t g1 = std::gcd(n, den), g2 = std::gcd(num, d);
    num = (num / (g2 ? g2 : 1)) * (n / (g1 ? g1 : 1));
    den = (den / (g1 ? g1 : 1)) * (d / (g2 ? g2 : 1));
  }
  void times(double v) {
    has_value = true;
    value *= v;
  }
  bool negative() const { return (num < 0) != (has_value && value < 0); }
  bool unit() const { return !has_value && (num == 1 || num == -1) && den == 1; }
  std::string magnitude() const {
    const std::intmax_t n = num < 0 ? -num : num;
    if (!has_value) return format_rational(n, den);
    const double v = value < 0 ? -value : value;
    return format_number(double(n) / double(den) * v);
  }
};

// A product chain: coefficient * numerator factors / denominator factors.
struct product {
  coefficient c;
  std::vector<text> num, den;
};

template <class E>
signed_text print(const E& e);

inline signed_text from_product(const product& p) {
  const bool show_c = !p.c.unit() || p.num.empty();
  if (!show_c && p.num.size() == 1 && p.den.empty()) return {p.c.negative(), p.num[0]};
  std::string s = show_c ? p.c.magnitude() : "";
  for (const text& f : p.num)
    s += cat(s.empty() ? "" : " * ",
             paren(f, f.k == kind::sum || f.k == kind::matmul || f.k == kind::prefix));
  if (p.den.size() == 1)
    s += cat(" / ", paren(p.den[0], p.den[0].k != kind::atom));
  else if (!p.den.empty()) {
    std::string d;
    for (const text& f : p.den)
      d += cat(d.empty() ? "" : " * ", paren(f, f.k != kind::atom && f.k != kind::product));
    s += cat(" / (", d, ")");
  }
  const std::size_t parts = (show_c ? 1 : 0) + p.num.size() + p.den.size();
  const kind k = parts > 1 ? kind::product : kind::atom;
  return {p.c.negative(), {s, k}};
}

template <class E>
void collect_factors(const E& e, product& p) {
  using S = typename E::shape_type;
  if constexpr (is_op_v<E, mul_op>) {
    collect_factors(e.l, p);
    collect_factors(e.r, p);
  } else if constexpr (is_op_v<E, div_op>) {
    collect_factors(e.l, p);
    const signed_text d = print(e.r);
    if (d.negative) p.c.times(-1, 1);
    p.den.push_back(d.mag);
  } else if constexpr (is_op_v<E, neg_op>) {
    p.c.times(-1, 1);
    collect_factors(e.a, p);
  } else if constexpr (is_cconst_v<E>) {
    if constexpr (S::rank == 0)
      p.c.times(E::num, E::den);
    else if constexpr (E::num == 0)
      p.num.push_back({cat("zeros(", dims<S>(), ")")});
    else {
      p.c.times(E::num, E::den);
      p.num.push_back({cat("ones(", dims<S>(), ")")});
    }
  } else if constexpr (is_scalar_rconst_v<E>) {
    p.c.times(static_cast<double>(e.value));
  } else if constexpr (is_broadcast_v<E>) {
    collect_factors(e.a, p);  // broadcast(a) is a * ones(shape)
    p.num.push_back({cat("ones(", dims<S>(), ")")});
  } else {
    const signed_text f = print(e);
    if (f.negative) p.c.times(-1, 1);
    p.num.push_back(f.mag);
  }
}

// A block vector: pieces (scalars or vectors) at offsets of a vector of n elements, the rest zero.
struct piece {
  std::size_t offset, length;
  signed_text t;
};
inline text block(std::vector<piece> pieces, std::size_t n) {
  std::stable_sort(pieces.begin(), pieces.end(),
                   [](const piece& a, const piece& b) { return a.offset < b.offset; });
  std::string s = "[";
  std::size_t at = 0;
  auto add = [&](const std::string& x) { s += cat(s.size() > 1 ? ", " : "", x); };
  auto zeros = [&](std::size_t k) {
    if (k == 1) add("0");
    if (k > 1) add(cat("zeros(", std::to_string(k), ")"));
  };
  for (const piece& p : pieces) {
    zeros(p.offset - at);
    add(render(p.t).s);
    at = p.offset + p.length;
  }
  zeros(n - at);
  return {s + "]", kind::atom};
}


template <class E>
void collect_pieces(const E& e, std::size_t at, std::vector<piece>& out) {
  if constexpr (is_op_v<E, concat_op>) {
    collect_pieces(e.l, at, out);
    collect_pieces(e.r, at + E::left_type::shape_type::size, out);
  } else if constexpr (is_pad_v<E>) {
    collect_pieces(e.a, at + E::op::offset, out);
  } else {
    out.push_back({at, E::shape_type::size, print(e)});
  }
}

// A term of a sum; a padded term keeps its place in the vector so that a sum of pads into
// distinct places can be written as one block vector.
struct term {
  signed_text t;
  bool padded = false;
  std::vector<piece> pieces;
  std::size_t n = 0;
};

template <class E>
term make_term(const E& e, bool negated) {
  term t;
  if constexpr (is_pad_v<E>) {
    t.padded = true;
    t.n = E::shape_type::size;
    collect_pieces(e, 0, t.pieces);
    for (piece& p : t.pieces) p.t.negative = p.t.negative != negated;
  } else {
    t.t = print(e);
    t.t.negative = t.t.negative != negated;
  }
  return t;
}

// The terms of a sum: the children of + and the left child of - flatten; the right child of - is
// one term (so `x - (y - x)` prints as written).
template <class E>
void collect_terms(const E& e, bool negated, std::vector<term>& out) {
  if constexpr (is_op_v<E, add_op>) {
    collect_terms(e.l, negated, out);
    collect_terms(e.r, negated, out);
  } else if constexpr (is_op_v<E, sub_op>) {
    collect_terms(e.l, negated, out);
    out.push_back(make_term(e.r, !negated));
  } else {
    out.push_back(make_term(e, negated));
  }
}

inline signed_text from_terms(std::vector<term> terms) {
  // Pads into distinct places: one block vector.
  bool disjoint = true;
  std::vector<piece> all;
  for (const term& t : terms) {
    disjoint = disjoint && t.padded && t.n == terms[0].n;
    all.insert(all.end(), t.pieces.begin(), t.pieces.end());
  }
  if (disjoint) {
    std::stable_sort(all.begin(), all.end(),
                     [](const piece& a, const piece& b) { return a.offset < b.offset; });
    for (std::size_t i = 1; i < all.size(); ++i)
      disjoint = disjoint && all[i - 1].offset + all[i - 1].length <= all[i].offset;
  }
  if (disjoint) return {false, block(all, terms[0].n)};
  for (term& t : terms)
    if (t.padded) t.t = {false, block(t.pieces, t.n)};
  if (terms.size() == 1) return terms[0].t;
  std::string s;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const signed_text& t = terms[i].t;
    if (i == 0)
      s = render(t).s;
    else
      s += cat(t.negative ? " - " : " + ", paren(t.mag, t.mag.k == kind::sum));
  }
  return {false, {s, kind::sum}};
}

template <class E>
signed_text print(const E& e) {
  using S = typename E::shape_type;
  if constexpr (is_symbol_v<E>) {
    return {false, {std::string(E::name)}};
  } else if constexpr (is_cparam_v<E>) {
    return {false, {cat("c", std::to_string(E::index))}};
  } else if constexpr (is_rconst_v<E> && !is_scalar_rconst_v<E>) {
    return {false, {format_value(e.value)}};
  } else if constexpr (is_cconst_v<E> || is_rconst_v<E> || is_op_v<E, mul_op> ||
                       is_op_v<E, div_op> || is_op_v<E, neg_op> ||
                       is_broadcast_v<E>) {
    product p;
    collect_factors(e, p);
    return from_product(p);
  } else if constexpr (is_op_v<E, add_op> || is_op_v<E, sub_op> || is_pad_v<E>) {
    std::vector<term> terms;
    collect_terms(e, false, terms);
    return from_terms(std::move(terms));
  } else if constexpr (is_op_v<E, concat_op>) {
    std::vector<piece> pieces;
    collect_pieces(e, 0, pieces);
    return {false, block(std::move(pieces), S::size)};
  } else if constexpr (is_op_v<E, matmul_op>) {
    // Linear in each operand: signs move out. The operands are parenthesised unless they are
    // atoms (or, on the left, a product of matrices: A @ B @ x).
    const signed_text l = print(e.l), r = print(e.r);
    const bool lp = l.mag.k != kind::atom && l.mag.k != kind::matmul;
    return {l.negative != r.negative,
            {cat(paren(l.mag, lp), " @ ", paren(r.mag, r.mag.k != kind::atom)), kind::matmul}};
  } else if constexpr (is_op_v<E, pow_log_op>) {
    // p log a with 0 where p is 0 (the exponent's derivative of p = pow(a, b)).
    const text p = render(print(e.l));
    return {false,
            {cat(paren(p, p.k != kind::atom && p.k != kind::product), " * log(",
                 render(print(e.r)).s, ")"),
             kind::product}};
  } else if constexpr (is_unary_v<E>) {
    using Op = typename E::op;
    const text a = render(print(e.a));
    if constexpr (requires { Op::exponent; })
      return {false, {cat("pow(", a.s, ", ", std::to_string(Op::exponent), ")")}};
    else if constexpr (is_slice_v<E>) {
      const std::string base = paren(a, a.k != kind::atom);
      if constexpr (Op::length == 0)
        return {false, {cat(base, "[", std::to_string(Op::offset), "]")}};
      else
        return {false, {cat(base, "[", std::to_string(Op::offset), ":",
                            std::to_string(Op::offset + Op::length), "]")}};
    } else
      return {false, {cat(Op::name, "(", a.s, ")")}};
  } else {
    using Op = typename E::op;
    const text l = render(print(e.l)), r = render(print(e.r));
    if constexpr (Op::precedence == 0)
      return {false, {cat(Op::name, "(", l.s, ", ", r.s, ")")}};
    else  // an infix operation not known above
      return {false, {cat("(", l.s, " ", Op::name, " ", r.s, ")")}};
  }
}

}  // namespace printing
}  // namespace detail

// The expression as readable infix: to_string(tanh(W @ z + b)) == "tanh(W @ z + b)". Every printed
// form is listed in docs/printing.md.
template <Expression E>
std::string to_string(const E& e) {
  return detail::printing::render(detail::printing::print(e)).s;
}

}  // namespace tapeless
