#pragma once
// What an expression is. Every node is a small value type; its C++ type *is* the expression.
// Leaves: symbols (named inputs), compile-time rational constants, runtime constants captured by
// value. Inner nodes: unary<Op, A> and binary<Op, L, R>, where Op says everything about the
// operation (forward rule, derivative rules, printing) in one struct under ops/.
#include <concepts>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <type_traits>

#include "../config.hpp"
#include "../detail/fixed_string.hpp"
#include "../detail/type_list.hpp"
#include "../tensor.hpp"

namespace tapeless {

// Every expression node derives from this tag; it is what the Expression concept checks.
struct expression_tag {};

template <class E>
concept Expression = std::derived_from<std::remove_cvref_t<E>, expression_tag>;

template <Expression E>
using shape_of_t = typename std::remove_cvref_t<E>::shape_type;

// ---------------------------------------------------------------------------------------------
// Symbols: named inputs with a static shape. The name is part of the type, so `x` in two places
// of a model is the same node, and a binding finds its symbol by type.
struct symbol_hana_tag {};

// Tag tells apart the library's own helper symbols (a vjp seed, a jvp direction) from a user's.
template <detail::fixed_string Name, class S = scalar_shape, class Tag = void>
struct symbol : expression_tag {
  static_assert(is_shape_v<S>, "tapeless::symbol: the second argument must be a tapeless::shape");
  using hana_tag = symbol_hana_tag;  // symbols are Boost.Hana keys (see eval/bindings.hpp)
  using shape_type = S;
  using tag_type = Tag;
  using children = detail::type_list<>;
  static constexpr std::string_view name = Name.view();

  // `x = value` makes a binding; the shape is checked here, where the mistake is made.
  template <class V>
  constexpr auto operator=(const V& v) const;
};

template <class E>
inline constexpr bool is_symbol_v = false;
template <detail::fixed_string N, class S, class Tag>
inline constexpr bool is_symbol_v<symbol<N, S, Tag>> = true;

template <class E>
concept Symbol = is_symbol_v<std::remove_cvref_t<E>>;

// `var<"x">` is a scalar, `var<"z", 3>` a vector, `var<"W", 2, 3>` a 2x3 matrix.
template <detail::fixed_string Name, std::size_t... D>
inline constexpr symbol<Name, shape<D...>> var{};

// ---------------------------------------------------------------------------------------------
// Compile-time rational constants; they take part in simplification (x*0 -> 0, x*1 -> x,
// constant folding). A shape other than scalar means "this number in every element".
template <std::intmax_t Num, std::intmax_t Den = 1, class S = scalar_shape>
struct cconst : expression_tag {
  static_assert(Den != 0, "tapeless::cconst: zero denominator");
  static constexpr std::intmax_t g = std::gcd(Num, Den) == 0 ? 1 : std::gcd(Num, Den);
  static constexpr std::intmax_t num = (Den < 0 ? -Num : Num) / g;
  static constexpr std::intmax_t den = (Den < 0 ? -Den : Den) / g;
  using shape_type = S;
  using children = detail::type_list<>;
  template <class T>
  static constexpr T value() {
    return T(num) / T(den);
  }
};

template <class E>
inline constexpr bool is_cconst_v = false;
template <std::intmax_t N, std::intmax_t D, class S>
inline constexpr bool is_cconst_v<cconst<N, D, S>> = true;

// Normal form: numerator and denominator reduced, so equal numbers are equal types.
template <std::intmax_t N, std::intmax_t D = 1, class S = scalar_shape>
using constant_t = cconst<cconst<N, D>::num, cconst<N, D>::den, S>;

template <class S = scalar_shape>
using zero_t = cconst<0, 1, S>;

template <class E>
inline constexpr bool is_zero_v = false;
template <class S>
inline constexpr bool is_zero_v<cconst<0, 1, S>> = true;

template <class E>
inline constexpr bool is_one_v = false;
template <class S>
inline constexpr bool is_one_v<cconst<1, 1, S>> = true;

// `c<2>`, `c<1, 4>`: compile-time constants in a model.
template <std::intmax_t Num, std::intmax_t Den = 1>
inline constexpr constant_t<Num, Den> c{};

// ---------------------------------------------------------------------------------------------
// Runtime constants, captured by value (never by reference: `auto e = 2.0 * x;` is always safe).
template <class V>
struct rconst : expression_tag {
  using shape_type = shape_of_value_t<V>;
  using value_type = V;
  using children = detail::type_list<>;
  V value{};
  constexpr rconst() = default;
  constexpr explicit rconst(const V& v) : value(v) {}
};

template <class E>
inline constexpr bool is_rconst_v = false;
template <class V>
inline constexpr bool is_rconst_v<rconst<V>> = true;

template <Value V>
constexpr auto constant(const V& v) {
  return rconst<std::remove_cvref_t<V>>(v);
}

// The I-th runtime constant of an expression after its constants were moved into a pool
// (see diff/lower.hpp). It has no state, so equal subexpressions are equal types again.
template <std::size_t I, class V>
struct cparam : expression_tag {
  using shape_type = shape_of_value_t<V>;
  using value_type = V;
  using children = detail::type_list<>;
  static constexpr std::size_t index = I;
};

template <class E>
inline constexpr bool is_cparam_v = false;
template <std::size_t I, class V>
inline constexpr bool is_cparam_v<cparam<I, V>> = true;

template <class E>
inline constexpr bool is_leaf_v = std::remove_cvref_t<E>::children::size == 0;

// ---------------------------------------------------------------------------------------------
// Inner nodes. A child that holds runtime state (a runtime constant somewhere below it) is held
// by value; a child without state, which is almost every child and every child of a lowered or
// derivative expression, is not stored at all: `e.a`, `e.l`, `e.r` are then static members, and
// the node is an empty class whatever its depth.
//
// (Not [[no_unique_address]] members: the compiler must then prove that no two empty subobjects
// of the same type share an address, and g++ 12 does so by walking every subobject of the member,
// the expanded tree of the type. Derivative types of a chain of n operations expand to trees of
// about n^3 nodes, and g++ spent most of a 200-operation chain's minutes of compilation there.)
namespace detail {
template <class A, bool Stored = !std::is_empty_v<A>>
struct arg_child {
  A a{};
  constexpr arg_child() = default;
  constexpr explicit arg_child(const A& x) : a(x) {}
};
template <class A>
struct arg_child<A, false> {
  static constexpr A a{};
  constexpr arg_child() = default;
  constexpr explicit arg_child(const A&) {}
};
template <class L, bool Stored = !std::is_empty_v<L>>
struct left_child {
  L l{};
  constexpr left_child() = default;
  constexpr explicit left_child(const L& x) : l(x) {}
};
template <class L>
struct left_child<L, false> {
  static constexpr L l{};
  constexpr left_child() = default;
  constexpr explicit left_child(const L&) {}
};
template <class R, bool Stored = !std::is_empty_v<R>>
struct right_child {
  R r{};
  constexpr right_child() = default;
  constexpr explicit right_child(const R& x) : r(x) {}
};
template <class R>
struct right_child<R, false> {
  static constexpr R r{};
  constexpr right_child() = default;
  constexpr explicit right_child(const R&) {}
};
}  // namespace detail

template <class Op, class A>
struct unary : expression_tag, detail::arg_child<A> {
  using op = Op;
  using arg_type = A;
  using shape_type = typename Op::template result_shape<typename A::shape_type>;
  using children = detail::type_list<A>;
  constexpr unary() = default;
  constexpr explicit unary(const A& a_) : detail::arg_child<A>(a_) {}
};

template <class Op, class L, class R>
struct binary : expression_tag, detail::left_child<L>, detail::right_child<R> {
  using op = Op;
  using left_type = L;
  using right_type = R;
  using shape_type =
      typename Op::template result_shape<typename L::shape_type, typename R::shape_type>;
  using children = detail::type_list<L, R>;
  constexpr binary() = default;
  constexpr binary(const L& l_, const R& r_)
      : detail::left_child<L>(l_), detail::right_child<R>(r_) {}
};

template <class E>
inline constexpr bool is_unary_v = false;
template <class Op, class A>
inline constexpr bool is_unary_v<unary<Op, A>> = true;
template <class E>
inline constexpr bool is_binary_v = false;
template <class Op, class L, class R>
inline constexpr bool is_binary_v<binary<Op, L, R>> = true;

// `is_op_v<E, Op>`: E is an inner node built with operation Op (false for leaves).
template <class E>
struct op_of {
  using type = void;
};
template <class Op, class A>
struct op_of<unary<Op, A>> {
  using type = Op;
};
template <class Op, class L, class R>
struct op_of<binary<Op, L, R>> {
  using type = Op;
};
template <class E, class Op>
inline constexpr bool is_op_v = std::is_same_v<typename op_of<std::remove_cvref_t<E>>::type, Op>;

// Anything that may stand in an expression: an expression, or a value that becomes a runtime
// constant.
template <class T>
concept Operand = Expression<T> || Value<T>;

template <Operand T>
constexpr auto as_expr(const T& t) {
  if constexpr (Expression<T>)
    return t;
  else if constexpr (std::is_integral_v<T>)
    return rconst<double>(static_cast<double>(t));
  else
    return rconst<T>(t);
}
template <class T>
using as_expr_t = decltype(as_expr(std::declval<const T&>()));

// A node whose type says everything about it (no runtime constant inside): symbolic algorithms
// may then work on default-constructed objects of the type alone.
template <class E>
struct is_stateless : std::bool_constant<!is_rconst_v<E>> {};
template <class Op, class A>
struct is_stateless<unary<Op, A>> : is_stateless<A> {};
template <class Op, class L, class R>
struct is_stateless<binary<Op, L, R>>
    : std::bool_constant<is_stateless<L>::value && is_stateless<R>::value> {};
template <class E>
inline constexpr bool is_stateless_v = is_stateless<std::remove_cvref_t<E>>::value;

}  // namespace tapeless
