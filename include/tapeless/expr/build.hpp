#pragma once
// Simplifying constructors. Derivative rules build their results through these, so `x*0`, `x*1`
// and constant arithmetic never reach a derivative's type. Each operator states its own rewrites
// (a static `rewrite` in its op struct); the constructor tries them and otherwise builds the plain
// node. Rewrites only ever shrink an expression, so building terminates, and a rebuilt
// already-simplified expression is the same type (simplify is idempotent).
#include <type_traits>

#include "node.hpp"

namespace tapeless::detail {

struct no_rewrite {};

template <class Op, class A>
constexpr auto make_unary(const A& a) {
  if constexpr (requires { Op::rewrite(a); }) {
    auto r = Op::rewrite(a);
    if constexpr (std::is_same_v<decltype(r), no_rewrite>)
      return unary<Op, A>(a);
    else
      return r;
  } else {
    return unary<Op, A>(a);
  }
}

template <class Op, class L, class R>
constexpr auto make_binary(const L& l, const R& r) {
  if constexpr (requires { Op::rewrite(l, r); }) {
    auto x = Op::rewrite(l, r);
    if constexpr (std::is_same_v<decltype(x), no_rewrite>)
      return binary<Op, L, R>(l, r);
    else
      return x;
  } else {
    return binary<Op, L, R>(l, r);
  }
}

// Shape rule of element-wise binary operations: equal shapes, or a scalar broadcast to the
// other side. A mismatch yields `shape_mismatch`, which the public operators turn into a
// readable static_assert before any node is formed.
struct shape_mismatch {};
template <class SL, class SR>
struct elementwise_shape {
  using type = shape_mismatch;
};
template <class S>
struct elementwise_shape<S, S> {
  using type = S;
};
template <std::size_t... D>
struct elementwise_shape<shape<>, shape<D...>> {
  using type = shape<D...>;
};
template <std::size_t... D>
struct elementwise_shape<shape<D...>, shape<>> {
  using type = shape<D...>;
};
template <>
struct elementwise_shape<shape<>, shape<>> {
  using type = shape<>;
};
template <class SL, class SR>
using elementwise_shape_t = typename elementwise_shape<SL, SR>::type;

}  // namespace tapeless::detail
