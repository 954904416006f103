#pragma once
// Matrix products (matrix-matrix, matrix-vector, vector-matrix), transpose, dot and outer.
#include "arithmetic.hpp"

namespace tapeless {
namespace detail {

struct not_a_product {};
template <class SL, class SR>
struct matmul_shape {
  using type = not_a_product;
};
template <std::size_t R, std::size_t K, std::size_t C>
struct matmul_shape<shape<R, K>, shape<K, C>> {
  using type = shape<R, C>;
};
template <std::size_t R, std::size_t K>
struct matmul_shape<shape<R, K>, shape<K>> {
  using type = shape<R>;
};
template <std::size_t K, std::size_t C>
struct matmul_shape<shape<K>, shape<K, C>> {
  using type = shape<C>;
};

template <class S>
struct transposed;
template <std::size_t R, std::size_t C>
struct transposed<shape<R, C>> {
  using type = shape<C, R>;
};

}  // namespace detail

struct matmul_op {
  template <class SL, class SR>
  using result_shape = typename detail::matmul_shape<SL, SR>::type;
  static constexpr std::string_view name = "@";
  static constexpr int precedence = 2;
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    using SL = shape_of_value_t<L>;
    using SR = shape_of_value_t<R>;
    using T = scalar_of_t<Out>;
    if constexpr (SL::rank == 2 && SR::rank == 2) {
      constexpr std::size_t n = dim_v<0, SL>, k = dim_v<1, SL>, m = dim_v<1, SR>;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < m; ++j) out.data[i * m + j] = T(0);
        for (std::size_t p = 0; p < k; ++p) {
          const T a = l.data[i * k + p];
          for (std::size_t j = 0; j < m; ++j) out.data[i * m + j] += a * r.data[p * m + j];
        }
      }
    } else if constexpr (SL::rank == 2) {  // matrix * vector
      constexpr std::size_t n = dim_v<0, SL>, k = dim_v<1, SL>;
      for (std::size_t i = 0; i < n; ++i) {
        T acc = T(0);
        for (std::size_t p = 0; p < k; ++p) acc += l.data[i * k + p] * r.data[p];
        out.data[i] = acc;
      }
    } else {  // vector * matrix
      constexpr std::size_t k = dim_v<0, SR>, m = dim_v<1, SR>;
      for (std::size_t j = 0; j < m; ++j) out.data[j] = T(0);
      for (std::size_t p = 0; p < k; ++p) {
        const T a = l.data[p];
        for (std::size_t j = 0; j < m; ++j) out.data[j] += a * r.data[p * m + j];
      }
    }
  }
  static constexpr auto tangent(auto, auto l, auto r, auto dl, auto dr) {
    return detail::s::add(detail::s::matmul(dl, r), detail::s::matmul(l, dr));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& l, const R& r, const G& g) {
    using namespace detail;
    constexpr std::size_t rl = L::shape_type::rank, rr = R::shape_type::rank;
    if constexpr (rl == 2 && rr == 2) {  // C = A B: dA = G B^T, dB = A^T G
      if constexpr (K == 0)
        return s::matmul(g, s::transpose(r));
      else
        return s::matmul(s::transpose(l), g);
    } else if constexpr (rl == 2) {  // y = A x: dA = g x^T, dx = g^T A (no transpose node)
      if constexpr (K == 0)
        return s::outer(g, r);
      else
        return s::matmul(g, l);
    } else {  // y = x^T A: dx = A g, dA = x g^T
      if constexpr (K == 0)
        return s::matmul(r, g);
      else
        return s::outer(l, g);
    }
  }
  template <class L, class R>
  static constexpr auto rewrite(const L&, const R&) {
    if constexpr (is_zero_v<L> || is_zero_v<R>)
      return zero_t<result_shape<typename L::shape_type, typename R::shape_type>>{};
    else
      return detail::no_rewrite{};
  }
};

struct transpose_op {
  template <class S>
  using result_shape = typename detail::transposed<S>::type;
  static constexpr std::string_view name = "transpose";
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    constexpr std::size_t r = A::rows, c = A::cols;
    for (std::size_t i = 0; i < r; ++i)
      for (std::size_t j = 0; j < c; ++j) out.data[j * r + i] = a.data[i * c + j];
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::transpose(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    return detail::s::transpose(g);
  }
  template <class A>
  static constexpr auto rewrite(const A& a) {
    if constexpr (is_cconst_v<A>)
      return constant_t<A::num, A::den, result_shape<typename A::shape_type>>{};
    else if constexpr (is_op_v<A, transpose_op>)
      return a.a;
    else
      return detail::no_rewrite{};
  }
};

struct dot_op {
  template <class SL, class SR>
  using result_shape = shape<>;
  static constexpr std::string_view name = "dot";
  static constexpr int precedence = 0;
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    Out acc{};
    for (std::size_t i = 0; i < L::size; ++i) acc += l.data[i] * r.data[i];
    out = acc;
  }
  static constexpr auto tangent(auto, auto l, auto r, auto dl, auto dr) {
    return detail::s::add(detail::s::dot(dl, r), detail::s::dot(l, dr));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& l, const R& r, const G& g) {
    if constexpr (K == 0)
      return detail::s::mul(g, r);
    else
      return detail::s::mul(g, l);
  }
  template <class L, class R>
  static constexpr auto rewrite(const L&, const R&) {
    if constexpr (is_zero_v<L> || is_zero_v<R>)
      return zero_t<>{};
    else
      return detail::no_rewrite{};
  }
};

struct outer_op {
  template <class SL, class SR>
  using result_shape = shape<SL::size, SR::size>;
  static constexpr std::string_view name = "outer";
  static constexpr int precedence = 0;
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    for (std::size_t i = 0; i < L::size; ++i)
      for (std::size_t j = 0; j < R::size; ++j) out.data[i * R::size + j] = l.data[i] * r.data[j];
  }
  static constexpr auto tangent(auto, auto l, auto r, auto dl, auto dr) {
    return detail::s::add(detail::s::outer(dl, r), detail::s::outer(l, dr));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& l, const R& r, const G& g) {
    if constexpr (K == 0)
      return detail::s::matmul(g, r);
    else
      return detail::s::matmul(l, g);
  }
  template <class L, class R>
  static constexpr auto rewrite(const L&, const R&) {
    if constexpr (is_zero_v<L> || is_zero_v<R>)
      return zero_t<result_shape<typename L::shape_type, typename R::shape_type>>{};
    else
      return detail::no_rewrite{};
  }
};

// ---------------------------------------------------------------------------------------------
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto matmul(const L& l, const R& r) {
  using EL = as_expr_t<L>;
  using ER = as_expr_t<R>;
  using S = typename detail::matmul_shape<typename EL::shape_type, typename ER::shape_type>::type;
  if constexpr (std::is_same_v<S, detail::not_a_product>) {
    static_assert(!std::is_same_v<S, detail::not_a_product>,
                  "tapeless::matmul: the inner dimensions differ (or an operand is a scalar); "
                  "matmul takes (R x K, K x C), (R x K, K) or (K, K x C)");
    return zero_t<>{};
  } else {
    return binary<matmul_op, EL, ER>(as_expr(l), as_expr(r));
  }
}

template <Expression A>
constexpr auto transpose(const A& a) {
  static_assert(A::shape_type::rank == 2, "tapeless::transpose: the argument must be a matrix");
  return unary<transpose_op, A>(a);
}

template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto dot(const L& l, const R& r) {
  using SL = typename as_expr_t<L>::shape_type;
  using SR = typename as_expr_t<R>::shape_type;
  static_assert(SL::rank == 1 && std::is_same_v<SL, SR>,
                "tapeless::dot: the operands must be vectors of the same length");
  return binary<dot_op, as_expr_t<L>, as_expr_t<R>>(as_expr(l), as_expr(r));
}

template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto outer(const L& l, const R& r) {
  static_assert(as_expr_t<L>::shape_type::rank == 1 && as_expr_t<R>::shape_type::rank == 1,
                "tapeless::outer: the operands must be vectors");
  return binary<outer_op, as_expr_t<L>, as_expr_t<R>>(as_expr(l), as_expr(r));
}

}  // namespace tapeless
