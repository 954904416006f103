#pragma once
// eval(e, bindings...): the value of an expression.
#include "../diff/lower.hpp"
#include "bindings.hpp"
#include "checks.hpp"
#include "program.hpp"

namespace tapeless {
namespace detail {

// The scalar type of an evaluation: T if given, else the one scalar type of the bound values.
template <class T, class Bindings>
struct evaluation_scalar {
  using bound = bound_scalars_t<Bindings>;
  static_assert(bound::uniform,
                "tapeless: all bound values must have the same scalar type (all double or all "
                "float)");
  using type = std::conditional_t<std::is_void_v<T>, typename bound::type, T>;
};
template <class T, class Bindings>
using evaluation_scalar_t = typename evaluation_scalar<T, Bindings>::type;

template <class E>
constexpr void check_expression() {
  static_assert(Expression<E>, "tapeless: the first argument must be a tapeless expression");
}

}  // namespace detail

// The value of `e` at the bindings: a scalar, or a tapeless::tensor of the expression's shape.
// The scalar type is that of the bound values; eval<float>(...) chooses it explicitly.
template <class T = void, class E, class... B>
constexpr auto eval(const E& e, const B&... bindings) {
  detail::check_expression<E>();
  const auto b = detail::merge_bindings(bindings...);
  using LE = detail::lowered_t<E>;
  if constexpr (!detail::all_bound<E, decltype(b)>) {
    return detail::unbound_error<E, decltype(b)>();
  } else {
    using S = detail::evaluation_scalar_t<T, decltype(b)>;
    const auto pool = detail::constant_pool(e);
    return boost::hana::at_c<0>(detail::evaluate<S>(detail::type_list<LE>{}, b, pool));
  }
}

}  // namespace tapeless
