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
  // Every entry is the sum over p of l[.., p] r[p, ..]: added in increasing p to 0 in a
  // matrix-matrix product and in a matrix-vector product of four rows or more (whose rows, four at
  // a time, already are independent sums); otherwise a long sum runs in detail::partial_sums
  // (detail/sums.hpp) and a short one (element(), k <= 8) starts from the first product.
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
      if constexpr (blocked_rows<n, k>) {
        // Four rows at a time, each with its own running sum over p in increasing order: four
        // independent additions per step instead of one dependent chain (2-3x on a 256x256
        // product, the hidden layer of a wide Neural ODE). The last rows are summed the same way.
        const T* a = l.data.data();
        const T* x = r.data.data();
        constexpr std::size_t blocked = n - n % 4;
        for (std::size_t i = 0; i < blocked; i += 4) {
          const T *a0 = a + i * k, *a1 = a0 + k, *a2 = a1 + k, *a3 = a2 + k;
          T s0 = T(0), s1 = T(0), s2 = T(0), s3 = T(0);
          for (std::size_t p = 0; p < k; ++p) {
            const T xp = x[p];
            s0 += a0[p] * xp;
            s1 += a1[p] * xp;
            s2 += a2[p] * xp;
            s3 += a3[p] * xp;
          }
          out.data[i] = s0;
          out.data[i + 1] = s1;
          out.data[i + 2] = s2;
          out.data[i + 3] = s3;
        }
        for (std::size_t i = blocked; i < n; ++i) {
          T s0 = T(0);
          for (std::size_t p = 0; p < k; ++p) s0 += a[i * k + p] * x[p];
          out.data[i] = s0;
        }
      } else {
        for (std::size_t i = 0; i < n; ++i) out.data[i] = element(i, l, r);
      }
    } else {  // vector * matrix
      constexpr std::size_t k = dim_v<0, SR>, m = dim_v<1, SR>;
      if constexpr (m <= 8) {
        // Few columns: accumulate in locals. `out` may be the caller's result object, which
        // the optimiser cannot prove distinct from `r`, so it would store `out` at every step.
        // A long sum runs in four interleaved partial sums (detail::partial_sums).
        using acc_t = std::array<T, m>;
        const auto add_row = [&](acc_t& acc, std::size_t p) {
          const T a = l.data[p];
          for (std::size_t j = 0; j < m; ++j) acc[j] += a * r.data[p * m + j];
        };
        acc_t acc{};
        if constexpr (k >= detail::partial_sums_from) {
          acc_t acc1{}, acc2{}, acc3{};
          constexpr std::size_t blocked = k - k % 4;
          for (std::size_t p = 0; p < blocked; p += 4) {
            add_row(acc, p);
            add_row(acc1, p + 1);
            add_row(acc2, p + 2);
            add_row(acc3, p + 3);
          }
          for (std::size_t p = blocked; p < k; ++p) add_row(acc, p);
          for (std::size_t j = 0; j < m; ++j) acc[j] = (acc[j] + acc1[j]) + (acc2[j] + acc3[j]);
        } else {
          for (std::size_t p = 0; p < k; ++p) add_row(acc, p);
        }
        for (std::size_t j = 0; j < m; ++j) out.data[j] = acc[j];
      } else if constexpr (k <= 8) {
        // Few rows (u^T W with u short, as in a vjp through W x): one pass over out, the
        // short sum unrolled.
        for (std::size_t j = 0; j < m; ++j) out.data[j] = element(j, l, r);
      } else {  // row by row, so that r is read in order
        for (std::size_t j = 0; j < m; ++j) out.data[j] = T(0);
        for (std::size_t p = 0; p < k; ++p) {
          const T a = l.data[p];
          for (std::size_t j = 0; j < m; ++j) out.data[j] += a * r.data[p * m + j];
        }
      }
    }
  }
  // Element i of a matrix-vector product, or of a vector-matrix product with few rows: the
  // sweep may compute such a product inside the loop of its only consumer, element by element,
  // instead of storing it (eval/program.hpp). Not offered where it would walk a large matrix by
  // columns.
  // A long matrix-vector product of four rows or more is computed by forward(), rows blocked,
  // and stored: element by element inside a consumer's loop it would be one dependent chain of
  // additions per row.
  template <std::size_t N, std::size_t K>
  static constexpr bool blocked_rows = K > 8 && N >= 4;
  template <class SL, class SR>
  static constexpr bool has_element =
      (SL::rank == 2 && SR::rank == 1 && !blocked_rows<dim_v<0, SL>, dim_v<1, SL>>) ||
      (SL::rank == 1 && SR::rank == 2 && dim_v<0, SR> <= 8);
  //
  // A short sum (k <= 8, unrolled) starts from the first product: 0 + x is not x for x = -0,
  // so the optimiser must keep that addition, and in W z + b with z of 2 it is one more
  // dependent addition per element than the hand-written W0 z0 + W1 z1 + b. A long sum runs in
  // four partial sums (detail::partial_sums).
  template <class L, class R>
  TAPELESS_INLINE static constexpr auto element(std::size_t i, const L& l, const R& r) {
    using SL = shape_of_value_t<L>;
    using SR = shape_of_value_t<R>;
    using T = scalar_of_t<L>;
    constexpr bool row = SL::rank == 2;  // matrix * vector: row i of l times r
    constexpr std::size_t k = row ? dim_v<1, SL> : dim_v<0, SR>;
    constexpr std::size_t m = row ? 1 : dim_v<1, SR>;  // vector * matrix: column i of r
    const T* a = row ? l.data.data() + i * k : l.data.data();
    const T* b = row ? r.data.data() : r.data.data() + i;
    if constexpr (k <= 8) {
      T acc = a[0] * b[0];
      for (std::size_t p = 1; p < k; ++p) acc += a[p] * b[p * m];
      return acc;
    } else if constexpr (k < detail::partial_sums_from) {
      T acc = T(0);
      for (std::size_t p = 0; p < k; ++p) acc += a[p] * b[p * m];
      return acc;
    } else {
      return detail::partial_sums<T, k>([&](std::size_t p) { return a[p] * b[p * m]; });
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
