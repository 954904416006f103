#pragma once
// Derivative values: grad, value_and_grad, vjp, jvp, jacobian, hessian.
//
// Each builds the derivative expression types (diff/derive.hpp) and evaluates them together with
// the model in one sweep (eval/program.hpp). There is no tape: what runs is fixed by the types.
#include <boost/hana/at.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/pair.hpp>

#include "../eval/eval.hpp"
#include "derive.hpp"

namespace tapeless {

// The symbols to differentiate by: wrt(W, b).
template <class... Xs>
struct wrt_t {
  using list = detail::type_list<Xs...>;
};
// (The return type is deduced so that this check runs where wrt is called, before anything
// uses the symbols; after a failed check an empty list keeps further errors away.)
namespace detail {
template <class... Xs>
consteval bool distinct_types() {
  constexpr std::size_t first[] = {index_of_v<Xs, type_list<Xs...>>..., 0};
  for (std::size_t i = 0; i < sizeof...(Xs); ++i)
    if (first[i] != i) return false;
  return true;
}
}  // namespace detail

// wrt(tl::allow_unused, x, y): as wrt(x, y), but a symbol the expression does not contain gets a
// zero gradient instead of a compile error (PyTorch's allow_unused).
struct allow_unused_t {};
inline constexpr allow_unused_t allow_unused{};

// A group of parameter symbols, such as a layer (nn/linear.hpp): wrt(fc1) means
// wrt(fc1.weight, fc1.bias), so a model's symbols are not listed twice.
template <class T>
concept ParameterGroup = requires { typename std::remove_cvref_t<T>::parameter_symbols; };

namespace detail {
template <class X>
struct wrt_items {
  using type = type_list<X>;
};
template <ParameterGroup X>
struct wrt_items<X> {
  using type = typename X::parameter_symbols;
};
template <class... Ls>
struct concat_lists;
template <>
struct concat_lists<> {
  using type = type_list<>;
};
template <class... A>
struct concat_lists<type_list<A...>> {
  using type = type_list<A...>;
};
template <class... A, class... B, class... Rest>
struct concat_lists<type_list<A...>, type_list<B...>, Rest...>
    : concat_lists<type_list<A..., B...>, Rest...> {};
template <class... Xs>
struct checked_symbols {
  static constexpr bool ok = (Symbol<Xs> && ...) && distinct_types<Xs...>();
  using type = std::conditional_t<ok, wrt_t<Xs...>, wrt_t<>>;
  using unused_allowed = std::conditional_t<ok, wrt_t<allow_unused_t, Xs...>, wrt_t<>>;
};
template <class... Xs>
constexpr auto make_wrt(type_list<Xs...>) {
  static_assert((Symbol<Xs> && ...), "tapeless::wrt: every argument must be a symbol "
                                     "(made with var<\"name\", dims...>) or a layer, not an "
                                     "expression");
  static_assert(!(Symbol<Xs> && ...) || distinct_types<Xs...>(),
                "tapeless::wrt: a symbol is listed twice; name each symbol once");
  return checked_symbols<Xs...>{};
}
template <class... Xs>
using wrt_symbols = decltype(make_wrt(
    typename concat_lists<typename wrt_items<std::remove_cvref_t<Xs>>::type...>::type{}));
}  // namespace detail

template <class... Xs>
constexpr auto wrt(const Xs&...) {
  return typename detail::wrt_symbols<Xs...>::type{};
}
template <class... Xs>
constexpr auto wrt(allow_unused_t, const Xs&...) {
  return typename detail::wrt_symbols<Xs...>::unused_allowed{};
}

namespace detail {
template <class... Xs>
struct wrt_info {
  static constexpr bool allow_unused = false;
  using symbols = wrt_t<Xs...>;
};
template <class... Xs>
struct wrt_info<allow_unused_t, Xs...> {
  static constexpr bool allow_unused = true;
  using symbols = wrt_t<Xs...>;
};
template <class E, class... Xs>
consteval bool all_used(wrt_t<Xs...>) {
  using Nodes = nodes_t<lowered_t<E>>;
  return (contains_v<Xs, Nodes> && ...);
}
// The symbols of a wrt(...) for expression E: each must appear in E unless allow_unused was
// given (a derivative that is zero by construction is almost always a misspelt or forgotten
// symbol).
template <class E, class... Xs>
constexpr auto checked_wrt(wrt_t<Xs...>) {
  using W = wrt_info<Xs...>;
  static_assert(W::allow_unused || all_used<E>(typename W::symbols{}),
                "tapeless: a symbol named in wrt(...) does not appear in the expression, so its "
                "derivative is zero by construction; to ask for it anyway write "
                "wrt(tl::allow_unused, ...)");
  return typename W::symbols{};
}
}  // namespace detail

// The value of a scalar expression together with its gradient bundle.
template <class V, class G>
struct value_and_gradient {
  V value;
  G gradient;
};

namespace detail {

template <class S>
using seed_symbol = symbol<"seed", S, struct seed_tag>;
template <class X>
using direction_symbol = symbol<"dir", typename X::shape_type, X>;

// The adjoints of Xs for the given seed expression, as expression types.
template <class E, class Seed, class... Xs>
using adjoint_roots_t = type_list<decltype(adjoint_builder<nodes_t<lowered_t<E>>, Seed,
                                                          type_list<Xs...>>::template of_symbol<Xs>())...>;

// The sweeps' recipes (eval/program.hpp): the roots named by the model and the symbols.
template <class LE, class Seed, class... Xs>
struct value_and_adjoints_recipe {
  using B = adjoint_builder<nodes_t<LE>, Seed, type_list<Xs...>>;
  using roots_type = type_list<LE, decltype(B::template of_symbol<Xs>())...>;
};
template <class E, class Seed, class... Xs>
struct adjoints_recipe {
  using roots_type = adjoint_roots_t<E, Seed, Xs...>;
};

// The gradient bundle: a hana::map from each X to a value of X's shape, scalar type T.
template <class T, class... Xs>
using gradient_map_t = decltype(boost::hana::make_map(
    boost::hana::make_pair(Xs{}, std::declval<value_t<T, typename Xs::shape_type>>())...));

// Evaluate, in one sweep, e and the adjoints of Xs for the given seed expression; returns
// (value of e, gradient map). The sweep writes the value and each gradient straight into the
// returned object (no copies out of the sweep's store). The return types are spelled out because
// clang 14 does not apply the named return value optimisation to a deduced return type in a
// template, and would copy the whole result once more.
template <class T, class E, class Seed, class... Xs, class Bindings>
TAPELESS_INLINE constexpr auto value_and_adjoints(const E& e, Seed, wrt_t<Xs...>, const Bindings& b)
    -> value_and_gradient<value_t<T, typename lowered_t<E>::shape_type>, gradient_map_t<T, Xs...>> {
  using LE = lowered_t<E>;
  const auto pool = constant_pool(e);
  value_and_gradient<value_t<T, typename LE::shape_type>, gradient_map_t<T, Xs...>> r{};
  detail::evaluate_into<T>(value_and_adjoints_recipe<LE, Seed, Xs...>{}, b, pool, r.value,
                           boost::hana::at_key(r.gradient, Xs{})...);
  return r;
}

// The same without the value of e (it is computed only where the adjoints need it).
template <class T, class E, class Seed, class... Xs, class Bindings>
TAPELESS_INLINE constexpr auto adjoints(const E& e, Seed, wrt_t<Xs...>, const Bindings& b)
    -> gradient_map_t<T, Xs...> {
  // Every symbol of e must be bound, as for value_and_adjoints, even those the gradients skip.
  static_assert(check_bound<Bindings>(symbols_of_t<nodes_t<lowered_t<E>>>{}));
  const auto pool = constant_pool(e);
  gradient_map_t<T, Xs...> g{};
  detail::evaluate_into<T>(adjoints_recipe<E, Seed, Xs...>{}, b, pool,
                           boost::hana::at_key(g, Xs{})...);
  return g;
}

template <class E>
constexpr void check_scalar_root(const char*) {
  static_assert(E::shape_type::rank == 0,
                "tapeless::grad: the expression must be a scalar (use vjp or jacobian for a "
                "vector- or matrix-valued expression)");
}

}  // namespace detail

// The value of a scalar expression and its gradient with respect to each symbol in `wrt`.
template <class T = void, class E, class... Xs, class... B>
TAPELESS_INLINE constexpr auto value_and_grad(const E& e, wrt_t<Xs...> w, const B&... bindings) {
  detail::check_expression<E>();
  detail::check_scalar_root<E>("");
  const auto b = detail::merge_bindings(bindings...);
  if constexpr (!detail::all_bound<E, decltype(b)>) {
    return detail::unbound_error<E, decltype(b)>();
  } else {
    using S = detail::evaluation_scalar_t<T, decltype(b)>;
    return detail::value_and_adjoints<S>(e, constant_t<1>{}, detail::checked_wrt<E>(w), b);
  }
}

// The gradient of a scalar expression: a hana::map from each symbol to a value of its shape.
//   auto g = grad(loss, wrt(W, b), at(W = w0, b = b0, x = data));  g[W], g[b]
// One forward and one backward sweep, however many symbols are asked for.
template <class T = void, class E, class... Xs, class... B>
TAPELESS_INLINE constexpr auto grad(const E& e, wrt_t<Xs...> w, const B&... bindings) {
  detail::check_expression<E>();
  detail::check_scalar_root<E>("");
  const auto b = detail::merge_bindings(bindings...);
  if constexpr (!detail::all_bound<E, decltype(b)>) {
    return detail::unbound_error<E, decltype(b)>();
  } else {
    using S = detail::evaluation_scalar_t<T, decltype(b)>;
    return detail::adjoints<S>(e, constant_t<1>{}, detail::checked_wrt<E>(w), b);
  }
}

// Vector-Jacobian product u^T de/dx for each x in wrt, u shaped like e.
template <class T = void, class E, class U, class... Xs, class... B>
TAPELESS_INLINE constexpr auto vjp(const E& e, const U& u, wrt_t<Xs...> w, const B&... bindings);

// vjp together with the value of the expression: {value, gradient}.
template <class T = void, class E, class U, class... Xs, class... B>
TAPELESS_INLINE constexpr auto value_and_vjp(const E& e, const U& u, wrt_t<Xs...> w, const B&... bindings) {
  detail::check_expression<E>();
  using S = typename E::shape_type;
  static_assert(std::is_same_v<shape_of_value_t<detail::unwrap_binding_t<U>>, S>,
                "tapeless::vjp: the cotangent u must have the shape of the expression");
  using seed = detail::seed_symbol<S>;
  const auto b = detail::merge_bindings(bindings..., seed{} = u);
  if constexpr (!detail::all_bound<E, decltype(b)>) {
    return detail::unbound_error<E, decltype(b)>();
  } else {
    using Sc = detail::evaluation_scalar_t<T, decltype(b)>;
    return detail::value_and_adjoints<Sc>(e, seed{}, detail::checked_wrt<E>(w), b);
  }
}

namespace detail {
// The tangent of e when X moves along its direction symbol, with the pool of e.
template <class E, class X>
using tangent_t = decltype(tangent_builder<direction<X, direction_symbol<X>>>::template of<lowered_t<E>>());
}  // namespace detail

template <class T, class E, class U, class... Xs, class... B>
TAPELESS_INLINE constexpr auto vjp(const E& e, const U& u, wrt_t<Xs...> w, const B&... bindings) {
  detail::check_expression<E>();
  using S = typename E::shape_type;
  static_assert(std::is_same_v<shape_of_value_t<detail::unwrap_binding_t<U>>, S>,
                "tapeless::vjp: the cotangent u must have the shape of the expression");
  using seed = detail::seed_symbol<S>;
  const auto b = detail::merge_bindings(bindings..., seed{} = u);
  if constexpr (!detail::all_bound<E, decltype(b)>) {
    return detail::unbound_error<E, decltype(b)>();
  } else {
    using Sc = detail::evaluation_scalar_t<T, decltype(b)>;
    return detail::adjoints<Sc>(e, seed{}, detail::checked_wrt<E>(w), b);
  }
}

// Jacobian-vector product: de/dx v, v shaped like the symbol x.
template <class T = void, class E, class X, class V, class... B>
constexpr auto jvp(const E& e, const X&, const V& v, const B&... bindings) {
  detail::check_expression<E>();
  static_assert(Symbol<X>, "tapeless::jvp: the variable to differentiate by must be a symbol");
  static_assert(std::is_same_v<shape_of_value_t<V>, typename X::shape_type>,
                "tapeless::jvp: the tangent v must have the shape of the symbol x");
  const auto b = detail::merge_bindings(bindings..., detail::direction_symbol<X>{} = v);
  if constexpr (!detail::all_bound<E, decltype(b)>) {
    return detail::unbound_error<E, decltype(b)>();
  } else {
    using S = detail::evaluation_scalar_t<T, decltype(b)>;
    const auto pool = detail::constant_pool(e);
    return boost::hana::at_c<0>(
        detail::evaluate<S>(detail::type_list<detail::tangent_t<E, X>>{}, b, pool));
  }
}

namespace detail {
// Columns of a Jacobian from N evaluations of one tangent expression along the unit vectors.
template <class S, class Tangent, class X, class Bindings, class Pool>
constexpr auto jacobian_columns(const Bindings& b, const Pool& pool) {
  using SE = typename Tangent::shape_type;
  using SX = typename X::shape_type;
  static_assert(SE::rank <= 1 && SX::rank <= 1,
                "tapeless::jacobian: the expression and the symbol must be scalars or vectors");
  constexpr std::size_t m = SE::size, n = SX::size;
  using result_t = std::conditional_t<SE::rank == 0, value_t<S, SX>,
                                      std::conditional_t<SX::rank == 0, value_t<S, SE>, matrix<S, m, n>>>;
  result_t J{};
  for (std::size_t j = 0; j < n; ++j) {
    value_t<S, SX> unit{};
    elem(unit, j) = S(1);
    auto bj = boost::hana::insert(b, boost::hana::make_pair(direction_symbol<X>{}, unit));
    const auto col = boost::hana::at_c<0>(detail::evaluate<S>(type_list<Tangent>{}, bj, pool));
    for (std::size_t i = 0; i < m; ++i) elem(J, i * n + j) = elem(col, i);
  }
  return J;
}
}  // namespace detail

// The Jacobian de/dx: m x n for e a vector of m and x a vector of n (a vector when either is a
// scalar), computed in forward mode, one column per element of x.
template <class T = void, class E, class X, class... B>
constexpr auto jacobian(const E& e, const X&, const B&... bindings) {
  detail::check_expression<E>();
  static_assert(Symbol<X>, "tapeless::jacobian: the variable to differentiate by must be a symbol");
  const auto b = detail::merge_bindings(bindings...);
  if constexpr (!detail::all_bound<E, decltype(b)>) {
    return detail::unbound_error<E, decltype(b)>();
  } else {
    using S = detail::evaluation_scalar_t<T, decltype(b)>;
    const auto pool = detail::constant_pool(e);
    return detail::jacobian_columns<S, detail::tangent_t<E, X>, X>(b, pool);
  }
}

// The Hessian of a scalar expression with respect to a vector (or scalar) symbol x: the Jacobian
// of the gradient expression, forward over reverse.
template <class T = void, class E, class X, class... B>
constexpr auto hessian(const E& e, const X&, const B&... bindings) {
  detail::check_expression<E>();
  static_assert(Symbol<X>, "tapeless::hessian: the variable to differentiate by must be a symbol");
  static_assert(E::shape_type::rank == 0, "tapeless::hessian: the expression must be a scalar");
  const auto b = detail::merge_bindings(bindings...);
  using LE = detail::lowered_t<E>;
  if constexpr (!detail::all_bound<E, decltype(b)>) {
    return detail::unbound_error<E, decltype(b)>();
  } else {
    using S = detail::evaluation_scalar_t<T, decltype(b)>;
    const auto pool = detail::constant_pool(e);
    using G = decltype(detail::adjoint_builder<detail::nodes_t<LE>, constant_t<1>,
                                               detail::type_list<X>>::template of_symbol<X>());
    using H = decltype(detail::tangent_builder<
                       detail::direction<X, detail::direction_symbol<X>>>::template of<G>());
    return detail::jacobian_columns<S, H, X>(b, pool);
  }
}

}  // namespace tapeless
