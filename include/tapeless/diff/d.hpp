#pragma once
// Symbolic derivatives handed to the user as expressions: d(e, x), d(e, x, v), simplify(e).
// They can be evaluated, printed, simplified and differentiated again.
#include <boost/hana/concat.hpp>

#include "derive.hpp"
#include "lower.hpp"

namespace tapeless {
namespace detail {

// Rebuild an expression through the simplifying constructors (bottom-up, once).
template <class E>
constexpr auto rebuild(const E& e) {
  if constexpr (is_unary_v<E>)
    return make_unary<typename E::op>(rebuild(e.a));
  else if constexpr (is_binary_v<E>)
    return make_binary<typename E::op>(rebuild(e.l), rebuild(e.r));
  else
    return e;
}

}  // namespace detail

// The expression with x*0 -> 0, x*1 -> x, x+0 -> x, constant folding and the like applied.
// simplify(simplify(e)) has the same type as simplify(e).
template <Expression E>
constexpr auto simplify(const E& e) {
  using LE = detail::lowered_t<E>;
  return detail::raise(detail::rebuild(LE{}), detail::constant_pool(e));
}

// d(e, x): the derivative of e with respect to the symbol x, as an expression.
//  - x scalar: same shape as e (forward mode; d(d(e, x), x) is the second derivative);
//  - x vector or matrix, e scalar: the gradient, shaped like x (reverse mode).
template <Expression E, class X>
constexpr auto d(const E& e, const X&) {
  static_assert(Symbol<X>, "tapeless::d: the variable to differentiate by must be a symbol "
                           "(made with var<\"name\", dims...>), not an expression");
  if constexpr (Symbol<X>) {
    using LE = detail::lowered_t<E>;
    const auto pool = detail::constant_pool(e);
    if constexpr (X::shape_type::rank == 0) {
      using B = detail::tangent_builder<detail::direction<X, constant_t<1>>>;
      return detail::raise(B::template of<LE>(), pool);
    } else {
      static_assert(E::shape_type::rank == 0,
                    "tapeless::d: d(e, x) with a vector or matrix x needs a scalar e (it is then "
                    "the gradient); for a tensor-valued e use jacobian, jvp or vjp");
      using B = detail::adjoint_builder<detail::nodes_t<LE>, constant_t<1>, detail::type_list<X>>;
      return detail::raise(B::template of_symbol<X>(), pool);
    }
  }
}

// d(e, x, v): the directional derivative of e when x moves along v (an expression or value of
// x's shape): the Jacobian-vector product as an expression.
template <Expression E, class X, Operand V>
constexpr auto d(const E& e, const X&, const V& v) {
  static_assert(Symbol<X>, "tapeless::d: the variable to differentiate by must be a symbol "
                           "(made with var<\"name\", dims...>), not an expression");
  using EV = as_expr_t<V>;
  static_assert(std::is_same_v<typename EV::shape_type, typename X::shape_type>,
                "tapeless::d: the direction v must have the shape of the symbol x");
  using LE = detail::lowered_t<E>;
  using LV = detail::lowered_t<EV, detail::lowering<E, 0>::count>;
  const auto pool = boost::hana::concat(detail::constant_pool(e), detail::constant_pool(as_expr(v)));
  using B = detail::tangent_builder<detail::direction<X, LV>>;
  return detail::raise(B::template of<LE>(), pool);
}

}  // namespace tapeless
