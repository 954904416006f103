#pragma once
// to_string(e): an expression, or a derivative, as readable infix. This is tapeless's answer to
// PyTorch's grad_fn: the backward rule of every node is known, so the derivative can be shown.
//
// The printer writes what a node means, as a person would write it (docs/printing.md has the
// table of every form): a product's numeric factors multiplied into one coefficient written
// first (`2 * (3.0 * x)` -> `6 * x`), signs moved out to the sum (`a + -2 * b` -> `a - 2 * b`),
// a broadcast scalar as `s * ones(2, 3)`, padded and stacked pieces as one block vector
// (`[a, 0, b]`). This only changes the text: the expression, its type and its evaluation stay as
// they are. A runtime constant is a value held by its node; folding `100.0 * (4 * e)` into one
// constant in the type would change what is computed, so the printer multiplies the numbers
// instead. The rewrites that are exact, or within an ulp or two, are made in the type by the
// simplifying constructors (each op's `rewrite` in ops/).
//
// The expression is first turned into a tree of plain values (`describe`, the only part that is
// a template per node type); the rest is ordinary code.
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>
#include <utility>
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

// Printing is never hot: its functions are compiled for size, which keeps what they add to the
// compile time of every translation unit that prints small.
#if defined(__GNUC__) || defined(__clang__)
#define TAPELESS_PRINTING [[gnu::cold]] inline
#else
#define TAPELESS_PRINTING inline
#endif

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

TAPELESS_PRINTING std::string paren(const text& t, bool p) { return p ? cat("(", t.s, ")") : t.s; }

TAPELESS_PRINTING text render(const signed_text& t) {
  if (!t.negative) return t.mag;
  if (t.mag.k == kind::product) return {cat("-", t.mag.s), kind::product};
  return {cat("-", paren(t.mag, t.mag.k != kind::atom)), kind::prefix};
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
inline constexpr bool is_slice_v = false;
template <std::size_t Off, std::size_t Len, class A>
inline constexpr bool is_slice_v<unary<slice_op<Off, Len>, A>> = true;

// The expression as a tree of plain values: the one part of printing that depends on the
// expression's type (one small function per node type). Everything else below is ordinary code,
// compiled once, so printing adds little to a translation unit's compile time.
enum class op { symbol, rational, number, value, param, add, sub, mul, div, neg, broadcast, pad,
                concat, matmul, slice, ipow, pow_log, call, axis_call, infix };

struct node {
  op o = op::symbol;
  std::string name;                  // symbol, function, infix operator, or a formatted value
  std::intmax_t num = 0, den = 1;    // a rational constant; the exponent of pow<N>; an axis
  double value = 0;                  // a scalar runtime constant
  std::string dims;                  // the shape of a constant tensor or a broadcast: "2, 3"
  std::size_t size = 1;              // elements of the node's value
  std::size_t offset = 0, length = 0;  // slice [offset, offset + length) (0: one element); pad
  std::vector<node> children;
};

template <class S>
std::string dims() {
  std::string out;
  [&]<std::size_t... D>(shape<D...>) {
    ((out += cat(out.empty() ? "" : ", ", std::to_string(D))), ...);
  }(S{});
  return out;
}

template <class E>
node describe(const E& e) {
  using S = typename E::shape_type;
  node n;
  n.size = S::size;
  if constexpr (is_symbol_v<E>) {
    n.name = std::string(E::name);
  } else if constexpr (is_cconst_v<E>) {
    n.o = op::rational;
    n.num = E::num;
    n.den = E::den;
    if constexpr (S::rank > 0) n.dims = dims<S>();
  } else if constexpr (is_rconst_v<E>) {
    if constexpr (std::is_arithmetic_v<typename E::value_type>) {
      n.o = op::number;
      n.value = static_cast<double>(e.value);
    } else {
      n.o = op::value;
      n.name = format_value(e.value);
    }
  } else if constexpr (is_cparam_v<E>) {
    n.o = op::param;
    n.name = cat("c", std::to_string(E::index));
  } else if constexpr (is_unary_v<E>) {
    using Op = typename E::op;
    n.children.push_back(describe(e.a));
    if constexpr (is_op_v<E, neg_op>) {
      n.o = op::neg;
    } else if constexpr (is_broadcast_v<E>) {
      n.o = op::broadcast;
      n.dims = dims<S>();
    } else if constexpr (is_pad_v<E>) {
      n.o = op::pad;
      n.offset = Op::offset;
    } else if constexpr (is_slice_v<E>) {
      n.o = op::slice;
      n.offset = Op::offset;
      n.length = Op::length;
    } else if constexpr (requires { Op::exponent; }) {
      n.o = op::ipow;
      n.num = Op::exponent;
    } else if constexpr (requires { Op::axis; }) {  // sum<D>(X) and the like: sum(X, dim=D)
      n.o = op::axis_call;
      n.name = std::string(Op::name);
      n.num = std::intmax_t(Op::axis);
    } else {
      n.o = op::call;
      n.name = std::string(Op::name);
    }
  } else if constexpr (is_op_v<E, clamp_max_op> && is_op_v<typename E::left_type, clamp_min_op>) {
    // clamp_max(clamp_min(x, lo), hi) is clamp(x, lo, hi)
    n.o = op::call;
    n.name = "clamp";
    n.children.push_back(describe(e.l.l));
    n.children.push_back(describe(e.l.r));
    n.children.push_back(describe(e.r));
  } else {
    using Op = typename E::op;
    n.children.push_back(describe(e.l));
    n.children.push_back(describe(e.r));
    if constexpr (is_op_v<E, add_op>) n.o = op::add;
    else if constexpr (is_op_v<E, sub_op>) n.o = op::sub;
    else if constexpr (is_op_v<E, mul_op>) n.o = op::mul;
    else if constexpr (is_op_v<E, div_op> || is_op_v<E, div_or_zero_op>) n.o = op::div;
    else if constexpr (is_op_v<E, matmul_op>) n.o = op::matmul;
    else if constexpr (is_op_v<E, concat_op>) n.o = op::concat;
    else if constexpr (is_op_v<E, pow_log_op>) n.o = op::pow_log;
    else {
      n.o = Op::precedence == 0 ? op::call : op::infix;  // a function, or an infix not above
      n.name = std::string(Op::name);
    }
  }
  return n;
}

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

TAPELESS_PRINTING signed_text print(const node& e);
TAPELESS_PRINTING std::string infix(const node& e);  // `a op b`, without parentheses

TAPELESS_PRINTING signed_text from_product(const product& p) {
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
  return {p.c.negative(), {s, parts > 1 ? kind::product : kind::atom}};
}

TAPELESS_PRINTING void collect_factors(const node& e, product& p) {
  switch (e.o) {
    case op::mul:
      collect_factors(e.children[0], p);
      collect_factors(e.children[1], p);
      return;
    case op::div: {
      collect_factors(e.children[0], p);
      const signed_text d = print(e.children[1]);
      if (d.negative) p.c.times(-1, 1);
      p.den.push_back(d.mag);
      return;
    }
    case op::neg:
      p.c.times(-1, 1);
      collect_factors(e.children[0], p);
      return;
    case op::rational:  // a constant tensor is c * ones(dims)
      if (e.dims.empty()) {
        p.c.times(e.num, e.den);
      } else if (e.num == 0) {
        p.num.push_back({cat("zeros(", e.dims, ")")});
      } else {
        p.c.times(e.num, e.den);
        p.num.push_back({cat("ones(", e.dims, ")")});
      }
      return;
    case op::number:
      p.c.times(e.value);
      return;
    case op::broadcast:  // broadcast(a) is a * ones(dims)
      collect_factors(e.children[0], p);
      p.num.push_back({cat("ones(", e.dims, ")")});
      return;
    default: {
      const signed_text f = print(e);
      if (f.negative) p.c.times(-1, 1);
      p.num.push_back(f.mag);
    }
  }
}

// A block vector: pieces (scalars or vectors) at offsets of a vector of n elements, the rest zero.
struct piece {
  std::size_t offset, length;
  signed_text t;
};
// Few pieces: an insertion sort (stable).
TAPELESS_PRINTING void sort_by_offset(std::vector<piece>& pieces) {
  for (std::size_t i = 1; i < pieces.size(); ++i)
    for (std::size_t j = i; j > 0 && pieces[j].offset < pieces[j - 1].offset; --j)
      std::swap(pieces[j], pieces[j - 1]);
}
TAPELESS_PRINTING text block(std::vector<piece> pieces, std::size_t n) {
  sort_by_offset(pieces);
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

TAPELESS_PRINTING void collect_pieces(const node& e, std::size_t at, std::vector<piece>& out) {
  if (e.o == op::concat) {
    collect_pieces(e.children[0], at, out);
    collect_pieces(e.children[1], at + e.children[0].size, out);
  } else if (e.o == op::pad) {
    collect_pieces(e.children[0], at + e.offset, out);
  } else {
    out.push_back({at, e.size, print(e)});
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

TAPELESS_PRINTING term make_term(const node& e, bool negated) {
  term t;
  if (e.o == op::pad) {
    t.padded = true;
    t.n = e.size;
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
TAPELESS_PRINTING void collect_terms(const node& e, bool negated, std::vector<term>& out) {
  if (e.o == op::add) {
    collect_terms(e.children[0], negated, out);
    collect_terms(e.children[1], negated, out);
  } else if (e.o == op::sub) {
    collect_terms(e.children[0], negated, out);
    out.push_back(make_term(e.children[1], !negated));
  } else {
    out.push_back(make_term(e, negated));
  }
}

TAPELESS_PRINTING signed_text from_terms(std::vector<term> terms) {
  // Pads into distinct places: one block vector.
  bool disjoint = true;
  std::vector<piece> all;
  for (const term& t : terms) {
    disjoint = disjoint && t.padded && t.n == terms[0].n;
    all.insert(all.end(), t.pieces.begin(), t.pieces.end());
  }
  if (disjoint) {
    sort_by_offset(all);
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

TAPELESS_PRINTING signed_text print(const node& e) {
  switch (e.o) {
    case op::symbol:
    case op::value:
    case op::param:
      return {false, {e.name}};
    case op::rational:
    case op::number:
    case op::mul:
    case op::div:
    case op::neg:
    case op::broadcast: {
      product p;
      collect_factors(e, p);
      return from_product(p);
    }
    case op::add:
    case op::sub:
    case op::pad: {
      std::vector<term> terms;
      collect_terms(e, false, terms);
      return from_terms(std::move(terms));
    }
    case op::concat: {
      std::vector<piece> pieces;
      collect_pieces(e, 0, pieces);
      return {false, block(std::move(pieces), e.size)};
    }
    case op::matmul: {
      // Linear in each operand: signs move out. The operands are parenthesised unless they are
      // atoms (or, on the left, a product of matrices: A @ B @ x).
      const signed_text l = print(e.children[0]), r = print(e.children[1]);
      const bool lp = l.mag.k != kind::atom && l.mag.k != kind::matmul;
      return {l.negative != r.negative,
              {cat(paren(l.mag, lp), " @ ", paren(r.mag, r.mag.k != kind::atom)), kind::matmul}};
    }
    case op::pow_log: {
      // p log a with 0 where p is 0 (the exponent's derivative of p = pow(a, b)).
      const text p = render(print(e.children[0]));
      return {false,
              {cat(paren(p, p.k != kind::atom && p.k != kind::product), " * log(",
                   render(print(e.children[1])).s, ")"),
               kind::product}};
    }
    case op::slice: {
      const text a = render(print(e.children[0]));
      const std::string base = paren(a, a.k != kind::atom);
      if (e.length == 0) return {false, {cat(base, "[", std::to_string(e.offset), "]")}};
      return {false, {cat(base, "[", std::to_string(e.offset), ":",
                          std::to_string(e.offset + e.length), "]")}};
    }
    case op::ipow:
      return {false,
              {cat("pow(", render(print(e.children[0])).s, ", ", std::to_string(e.num), ")")}};
    case op::call: {
      // A comparison as a whole argument needs no parentheses of its own: sum(x == m).
      std::string s = cat(e.name, "(");
      for (std::size_t i = 0; i < e.children.size(); ++i)
        s += cat(i ? ", " : "",
                 e.children[i].o == op::infix ? infix(e.children[i]) : render(print(e.children[i])).s);
      return {false, {s + ")"}};
    }
    case op::axis_call:
      return {false, {cat(e.name, "(", render(print(e.children[0])).s, ", dim=",
                          std::to_string(e.num), ")")}};
    case op::infix:
      break;
  }
  return {false, {cat("(", infix(e), ")")}};
}

TAPELESS_PRINTING std::string infix(const node& e) {
  return cat(render(print(e.children[0])).s, " ", e.name, " ", render(print(e.children[1])).s);
}

#undef TAPELESS_PRINTING
}  // namespace printing
}  // namespace detail

// The expression as readable infix: to_string(tanh(W @ z + b)) == "tanh(W @ z + b)". Every printed
// form is listed in docs/printing.md.
template <Expression E>
std::string to_string(const E& e) {
  return detail::printing::render(detail::printing::print(detail::printing::describe(e))).s;
}

// A value as the printer shows constants: a vector [0.3, -0.7], a matrix row by row [1, 2; 3, 4].
template <class T, std::size_t... D>
std::string to_string(const tensor<T, D...>& v) {
  return detail::format_value(v);
}

}  // namespace tapeless
