#pragma once
// Building vectors from parts and taking parts of vectors: component<I>(z), stack(a, b, ...),
// slices and their adjoint, padding. ODE right-hand sides are written with these.
#include "arithmetic.hpp"

namespace tapeless {
namespace detail {
template <class S>
inline constexpr std::size_t length_v = S::size;  // a scalar counts as one element
}

// Elements [Off, Off + Len) of a vector; Len == 0 means the single element Off, as a scalar.
template <std::size_t Off, std::size_t Len>
struct slice_op {
  template <class S>
  using result_shape = std::conditional_t<Len == 0, shape<>, shape<(Len == 0 ? 1 : Len)>>;
  static constexpr std::string_view name = "slice";
  static constexpr int precedence = 0;
  static constexpr std::size_t offset = Off, length = Len;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    if constexpr (Len == 0)
      out = a.data[Off];
    else
      for (std::size_t i = 0; i < Len; ++i) out.data[i] = a.data[Off + i];
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::slice<Off, Len>(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    return detail::s::pad<Off, A::shape_type::size>(g);
  }
  template <class A>
  static constexpr auto rewrite(const A&) {
    if constexpr (is_cconst_v<A>)
      return constant_t<A::num, A::den, result_shape<typename A::shape_type>>{};
    else
      return detail::no_rewrite{};
  }
};

// A vector of N zeros with the argument (scalar or vector) written at Off.
template <std::size_t Off, std::size_t N>
struct pad_op {
  template <class S>
  using result_shape = shape<N>;
  static constexpr std::string_view name = "pad";
  static constexpr int precedence = 0;
  static constexpr std::size_t offset = Off, length = N;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    using T = scalar_of_t<Out>;
    for (std::size_t i = 0; i < N; ++i) out.data[i] = T(0);
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) out.data[Off + i] = elem(a, i);
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::pad<Off, N>(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    constexpr std::size_t len = A::shape_type::rank == 0 ? 0 : A::shape_type::size;
    return detail::s::slice<Off, len>(g);
  }
  template <class A>
  static constexpr auto rewrite(const A&) {
    if constexpr (is_zero_v<A>)
      return zero_t<shape<N>>{};
    else
      return detail::no_rewrite{};
  }
};

// [l, r]: scalars and vectors joined into one vector.
struct concat_op {
  template <class SL, class SR>
  using result_shape = shape<SL::size + SR::size>;
  static constexpr std::string_view name = "concat";
  static constexpr int precedence = 0;
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    constexpr std::size_t nl = size_of_value_v<L>;
    for (std::size_t i = 0; i < nl; ++i) out.data[i] = elem(l, i);
    for (std::size_t i = 0; i < size_of_value_v<R>; ++i) out.data[nl + i] = elem(r, i);
  }
  static constexpr auto tangent(auto, auto, auto, auto dl, auto dr) { return detail::s::concat(dl, dr); }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L&, const R&, const G& g) {
    using SL = typename L::shape_type;
    using SR = typename R::shape_type;
    if constexpr (K == 0)
      return detail::s::slice<0, (SL::rank == 0 ? 0 : SL::size)>(g);
    else
      return detail::s::slice<SL::size, (SR::rank == 0 ? 0 : SR::size)>(g);
  }
  template <class L, class R>
  static constexpr auto rewrite(const L&, const R&) {
    if constexpr (is_zero_v<L> && is_zero_v<R>)
      return zero_t<result_shape<typename L::shape_type, typename R::shape_type>>{};
    else
      return detail::no_rewrite{};
  }
};

// ---------------------------------------------------------------------------------------------
// component<I>(z): element I of vector z, as a scalar expression.
template <std::size_t I, Expression A>
constexpr auto component(const A& a) {
  static_assert(A::shape_type::rank == 1, "tapeless::component: the argument must be a vector");
  static_assert(I < A::shape_type::size, "tapeless::component: index out of range");
  return unary<slice_op<I, 0>, A>(a);
}

// slice<Off, Len>(z): elements [Off, Off + Len) of vector z.
template <std::size_t Off, std::size_t Len, Expression A>
constexpr auto slice(const A& a) {
  static_assert(A::shape_type::rank == 1, "tapeless::slice: the argument must be a vector");
  static_assert(Len > 0 && Off + Len <= A::shape_type::size, "tapeless::slice: range out of bounds");
  return unary<slice_op<Off, Len>, A>(a);
}

// stack(a, b, ...): scalars and vectors joined into one vector.
template <Operand A, Operand B>
constexpr auto stack(const A& a, const B& b) {
  static_assert(as_expr_t<A>::shape_type::rank <= 1 && as_expr_t<B>::shape_type::rank <= 1,
                "tapeless::stack: only scalars and vectors can be stacked");
  return binary<concat_op, as_expr_t<A>, as_expr_t<B>>(as_expr(a), as_expr(b));
}
template <Operand A, Operand B, Operand... Rest>
  requires(sizeof...(Rest) > 0)
constexpr auto stack(const A& a, const B& b, const Rest&... rest) {
  return stack(stack(a, b), rest...);
}

}  // namespace tapeless
