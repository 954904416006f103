#pragma once
// sum and mean (to a scalar), and broadcast (a scalar to a shape), which is their adjoint.
#include "arithmetic.hpp"

namespace tapeless {

struct sum_op {
  template <class S>
  using result_shape = shape<>;
  // forward reads each element once, through elem(): an element-wise operand may be fused into
  // its loop (eval/program.hpp).
  static constexpr bool reads_elements_once = true;
  static constexpr std::string_view name = "sum";
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    Out acc{};
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) acc += elem(a, i);
    out = acc;
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::sum(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    return detail::s::broadcast<typename A::shape_type>(g);
  }
  template <class A>
  static constexpr auto rewrite(const A& a) {
    if constexpr (A::shape_type::rank == 0)
      return a;
    else if constexpr (is_cconst_v<A>)
      return constant_t<A::num * std::intmax_t(A::shape_type::size), A::den>{};
    else
      return detail::no_rewrite{};
  }
};

struct mean_op {
  template <class S>
  using result_shape = shape<>;
  // forward reads each element once, through elem(): an element-wise operand may be fused into
  // its loop (eval/program.hpp).
  static constexpr bool reads_elements_once = true;
  static constexpr std::string_view name = "mean";
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    Out acc{};
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) acc += elem(a, i);
    out = acc / Out(size_of_value_v<A>);
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::mean(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    using S = typename A::shape_type;
    return detail::s::broadcast<S>(detail::s::mul(constant_t<1, std::intmax_t(S::size)>{}, g));
  }
  template <class A>
  static constexpr auto rewrite(const A& a) {
    if constexpr (A::shape_type::rank == 0)
      return a;
    else if constexpr (is_cconst_v<A>)
      return constant_t<A::num, A::den>{};
    else
      return detail::no_rewrite{};
  }
};

template <class S>
struct broadcast_op {
  template <class>
  using result_shape = S;
  static constexpr std::string_view name = "broadcast";
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    for (std::size_t i = 0; i < S::size; ++i) elem(out, i) = a;
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::broadcast<S>(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    return detail::s::sum(g);
  }
  template <class A>
  static constexpr auto rewrite(const A& a) {
    if constexpr (std::is_same_v<typename A::shape_type, S>)
      return a;
    else if constexpr (is_cconst_v<A>)
      return constant_t<A::num, A::den, S>{};
    else
      return detail::no_rewrite{};
  }
};

template <Expression A>
constexpr auto sum(const A& a) {
  return unary<sum_op, A>(a);
}
template <Expression A>
constexpr auto mean(const A& a) {
  return unary<mean_op, A>(a);
}
// broadcast<shape<2, 2>>(s): the scalar s in every element.
template <class S, Expression A>
constexpr auto broadcast(const A& a) {
  static_assert(A::shape_type::rank == 0, "tapeless::broadcast: only a scalar can be broadcast");
  return unary<broadcast_op<S>, A>(a);
}

}  // namespace tapeless
