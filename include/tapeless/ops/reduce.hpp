#pragma once
// Reductions: sum and mean (to a scalar), and broadcast (a scalar to a shape), which is their
// adjoint; max, min, logsumexp, norm and squared_norm (to a scalar); softmax; and the reductions
// of a matrix over one axis, sum<D>, mean<D>, max<D>, min<D> (PyTorch's `dim`).
#include <limits>

#include "../detail/cmath.hpp"
#include "arithmetic.hpp"
#include "compare.hpp"
#include "elementwise.hpp"
#include "linalg.hpp"

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
    constexpr std::size_t n = size_of_value_v<A>;
    if constexpr (n >= detail::partial_sums_from) {
      out = detail::partial_sums<Out, n>([&](std::size_t i) { return Out(elem(a, i)); });
    } else {
      Out acc{};
      for (std::size_t i = 0; i < n; ++i) acc += elem(a, i);
      out = acc;
    }
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

namespace detail {
// The largest (Smallest = false) or smallest element; NaN if any element is NaN (as torch.max).
template <bool Smallest, class A>
TAPELESS_INLINE constexpr auto extreme_of(const A& a) {
  using T = scalar_of_t<A>;
  T m = elem(a, 0);
  for (std::size_t i = 1; i < size_of_value_v<A>; ++i) {
    const T v = elem(a, i);
    if ((Smallest ? v < m : v > m) || v != v) m = v;
    if (m != m) break;
  }
  return m;
}
}  // namespace detail

// max(x), min(x): the largest or smallest element. The gradient is shared evenly among the
// elements equal to it (PyTorch's full reduction torch.max(x) / torch.amax): the mask
// (x == max(x)) divided by its count.
template <bool Smallest>
struct extreme_op {
  template <class S>
  using result_shape = shape<>;
  static constexpr bool reads_elements_once = true;
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    out = detail::extreme_of<Smallest>(a);
  }
  static constexpr auto tangent(auto self, auto a, auto da) {
    using namespace detail;
    const auto mask = s::eq(a, self);
    return s::div(s::sum(s::mul(da, mask)), s::sum(mask));
  }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto self, const A& a, const G& g) {
    using namespace detail;
    const auto mask = s::eq(a, self);
    return s::mul(g, s::div(mask, s::sum(mask)));
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
struct max_op : extreme_op<false> {
  static constexpr std::string_view name = "max";
};
struct min_op : extreme_op<true> {
  static constexpr std::string_view name = "min";
};

// logsumexp(x) = log(sum(exp(x))), computed as m + log(sum(exp(x - m))) with m = max(x), so that
// it neither overflows nor underflows (logsumexp([1000, 1000]) = 1000 + log 2); +-inf where the
// largest element is +-inf. Its gradient is softmax(x), written exp(x - logsumexp(x)) with the
// node's own value: every exponent is <= 0.
struct logsumexp_op {
  template <class S>
  using result_shape = shape<>;
  static constexpr std::string_view name = "logsumexp";
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    using T = scalar_of_t<A>;
    const T m = detail::extreme_of<false>(a);
    if (m == std::numeric_limits<T>::infinity() || m == -std::numeric_limits<T>::infinity() ||
        m != m) {
      out = m;
      return;
    }
    T acc{};
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) acc += detail::cmath::exp(elem(a, i) - m);
    out = m + detail::cmath::log(acc);
  }
  static constexpr auto tangent(auto self, auto a, auto da) {
    using namespace detail;
    return s::sum(s::mul(da, s::exp(s::sub(a, self))));
  }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto self, const A& a, const G& g) {
    using namespace detail;
    return s::mul(g, s::exp(s::sub(a, self)));
  }
  template <class A>
  static constexpr auto rewrite(const A& a) {
    if constexpr (A::shape_type::rank == 0)
      return a;
    else
      return detail::no_rewrite{};
  }
};

// softmax(x) = exp(x - m) / sum(exp(x - m)), m = max(x): no overflow for large inputs. With
// y = softmax(x), the vjp of g is y (g - sum(g y)) and the tangent y (dx - sum(y dx)).
struct softmax_op {
  template <class S>
  using result_shape = S;
  static constexpr std::string_view name = "softmax";
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    using T = scalar_of_t<A>;
    const T m = detail::extreme_of<false>(a);
    T acc{};
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) {
      const T e = detail::cmath::exp(elem(a, i) - m);
      elem(out, i) = e;
      acc += e;
    }
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) elem(out, i) /= acc;
  }
  static constexpr auto tangent(auto self, auto, auto da) {
    using namespace detail;
    return s::mul(self, s::sub(da, s::sum(s::mul(self, da))));
  }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto self, const A&, const G& g) {
    using namespace detail;
    return s::mul(self, s::sub(g, s::sum(s::mul(g, self))));
  }
};

// squared_norm(x) = sum of the squared elements; gradient 2 x.
struct squared_norm_op {
  template <class S>
  using result_shape = shape<>;
  static constexpr bool reads_elements_once = true;
  static constexpr std::string_view name = "squared_norm";
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    Out acc{};
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) {
      const Out v = elem(a, i);
      acc += v * v;
    }
    out = acc;
  }
  static constexpr auto tangent(auto, auto a, auto da) {
    using namespace detail;
    return s::mul(c<2>, s::sum(s::mul(a, da)));
  }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A& a, const G& g) {
    using namespace detail;
    return s::mul(c<2>, s::mul(g, a));
  }
};

// norm(x): the Euclidean norm sqrt(sum x^2), rescaled by max |x| when the plain sum of squares
// overflows or underflows. Gradient x / norm(x), and 0 at x = 0 (PyTorch's convention), by
// div_or_zero.
struct norm_op {
  template <class S>
  using result_shape = shape<>;
  static constexpr std::string_view name = "norm";
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    using T = scalar_of_t<A>;
    T acc{};
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) acc += elem(a, i) * elem(a, i);
    if (acc != acc) {  // a NaN element
      out = acc;
      return;
    }
    if (acc < std::numeric_limits<T>::infinity() && acc >= std::numeric_limits<T>::min()) {
      out = detail::cmath::sqrt(acc);
      return;
    }
    T m{};
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i)
      m = detail::cmath::abs(elem(a, i)) > m ? detail::cmath::abs(elem(a, i)) : m;
    if (m == T(0) || m == std::numeric_limits<T>::infinity()) {
      out = m;
      return;
    }
    T scaled{};
    for (std::size_t i = 0; i < size_of_value_v<A>; ++i) {
      const T v = elem(a, i) / m;
      scaled += v * v;
    }
    out = m * detail::cmath::sqrt(scaled);
  }
  static constexpr auto tangent(auto self, auto a, auto da) {
    using namespace detail;
    return s::div_or_zero(s::sum(s::mul(a, da)), self);
  }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto self, const A& a, const G& g) {
    using namespace detail;
    return s::mul(a, s::div_or_zero(g, self));
  }
};

// ---- reductions of a matrix over one axis (PyTorch's dim) ------------------------------------
// D = 0 reduces over the rows: an R x C matrix gives the C column results; D = 1 reduces over
// the columns and gives the R row results. Their adjoints spread a vector back over the matrix,
// outer(ones(R), g) for D = 0 and outer(g, ones(C)) for D = 1 (printed so).
namespace detail {
template <std::size_t D, class S>
using axis_result_t = shape<dim_v<1 - D, S>>;
template <std::size_t D, class S>
inline constexpr std::size_t axis_length_v = dim_v<D, S>;
// v (the axis result) spread over the matrix shape S.
template <std::size_t D, class S, class V>
constexpr auto expand(const V& v) {
  if constexpr (D == 0)
    return s::outer(constant_t<1, 1, shape<dim_v<0, S>>>{}, v);
  else
    return s::outer(v, constant_t<1, 1, shape<dim_v<1, S>>>{});
}
// Visits the matrix a (R x C) along axis D: f(k, element) for the element at (i, j) with k the
// index of the result it contributes to, in increasing order along the axis.
template <std::size_t D, class A, class F>
TAPELESS_INLINE constexpr void along_axis(const A& a, F f) {
  using S = shape_of_value_t<A>;
  constexpr std::size_t rows = dim_v<0, S>, cols = dim_v<1, S>;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      f(D == 0 ? j : i, D == 0 ? i == 0 : j == 0, elem(a, i * cols + j));
}
}  // namespace detail

template <std::size_t D>
struct axis_sum_op {
  static_assert(D < 2, "tapeless: a matrix has axes 0 and 1");
  template <class S>
  using result_shape = detail::axis_result_t<D, S>;
  static constexpr std::string_view name = "sum";
  static constexpr std::size_t axis = D;
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    detail::along_axis<D>(a, [&](std::size_t k, bool first, auto v) {
      if (first)
        elem(out, k) = v;
      else
        elem(out, k) += v;
    });
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::axis_sum<D>(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    return detail::expand<D, typename A::shape_type>(g);
  }
  template <class A>
  static constexpr auto rewrite(const A&) {
    using S = typename A::shape_type;
    if constexpr (is_cconst_v<A>)
      return constant_t<A::num * std::intmax_t(detail::axis_length_v<D, S>), A::den,
                        result_shape<S>>{};
    else
      return detail::no_rewrite{};
  }
};

template <std::size_t D>
struct axis_mean_op {
  static_assert(D < 2, "tapeless: a matrix has axes 0 and 1");
  template <class S>
  using result_shape = detail::axis_result_t<D, S>;
  static constexpr std::string_view name = "mean";
  static constexpr std::size_t axis = D;
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    using T = scalar_of_t<Out>;
    detail::along_axis<D>(a, [&](std::size_t k, bool first, auto v) {
      if (first)
        elem(out, k) = v;
      else
        elem(out, k) += v;
    });
    constexpr T n = T(detail::axis_length_v<D, shape_of_value_t<A>>);
    for (std::size_t k = 0; k < size_of_value_v<Out>; ++k) elem(out, k) /= n;
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::axis_mean<D>(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    using S = typename A::shape_type;
    return detail::s::mul(constant_t<1, std::intmax_t(detail::axis_length_v<D, S>)>{},
                          detail::expand<D, S>(g));
  }
  template <class A>
  static constexpr auto rewrite(const A&) {
    if constexpr (is_cconst_v<A>)
      return constant_t<A::num, A::den, result_shape<typename A::shape_type>>{};
    else
      return detail::no_rewrite{};
  }
};

// max<D>(X), min<D>(X): as torch.amax / torch.amin with dim = D. The gradient of each result is
// shared evenly among the elements equal to it (torch.max(X, dim) instead gives it to one).
template <std::size_t D, bool Smallest>
struct axis_extreme_op {
  static_assert(D < 2, "tapeless: a matrix has axes 0 and 1");
  template <class S>
  using result_shape = detail::axis_result_t<D, S>;
  static constexpr std::size_t axis = D;
  static constexpr int precedence = 0;
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    detail::along_axis<D>(a, [&](std::size_t k, bool first, auto v) {
      auto& m = elem(out, k);
      if (first || (m == m && ((Smallest ? v < m : v > m) || v != v))) m = v;
    });
  }
  static constexpr auto tangent(auto self, auto a, auto da) {
    using namespace detail;
    using S = typename decltype(a)::shape_type;
    const auto mask = s::eq(a, expand<D, S>(self));
    return s::div(s::axis_sum<D>(s::mul(da, mask)), s::axis_sum<D>(mask));
  }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto self, const A& a, const G& g) {
    using namespace detail;
    using S = typename A::shape_type;
    const auto mask = s::eq(a, expand<D, S>(self));
    return s::mul(expand<D, S>(s::div(g, s::axis_sum<D>(mask))), mask);
  }
};
template <std::size_t D>
struct axis_max_op : axis_extreme_op<D, false> {
  static constexpr std::string_view name = "max";
};
template <std::size_t D>
struct axis_min_op : axis_extreme_op<D, true> {
  static constexpr std::string_view name = "min";
};

template <Expression A>
constexpr auto sum(const A& a) {
  return unary<sum_op, A>(a);
}
template <Expression A>
constexpr auto mean(const A& a) {
  return unary<mean_op, A>(a);
}
// sum<D>(X), mean<D>(X), max<D>(X), min<D>(X): a matrix reduced over axis D (PyTorch's dim):
// sum<0> of an R x C matrix is the vector of its C column sums, sum<1> the R row sums.
template <std::size_t D, Expression A>
constexpr auto sum(const A& a) {
  static_assert(A::shape_type::rank == 2 && D < 2,
                "tapeless::sum<D>: reduces a matrix over axis 0 (its rows) or 1 (its columns)");
  return unary<axis_sum_op<D>, A>(a);
}
template <std::size_t D, Expression A>
constexpr auto mean(const A& a) {
  static_assert(A::shape_type::rank == 2 && D < 2,
                "tapeless::mean<D>: reduces a matrix over axis 0 (its rows) or 1 (its columns)");
  return unary<axis_mean_op<D>, A>(a);
}
template <std::size_t D, Expression A>
constexpr auto max(const A& a) {
  static_assert(A::shape_type::rank == 2 && D < 2,
                "tapeless::max<D>: reduces a matrix over axis 0 (its rows) or 1 (its columns)");
  return unary<axis_max_op<D>, A>(a);
}
template <std::size_t D, Expression A>
constexpr auto min(const A& a) {
  static_assert(A::shape_type::rank == 2 && D < 2,
                "tapeless::min<D>: reduces a matrix over axis 0 (its rows) or 1 (its columns)");
  return unary<axis_min_op<D>, A>(a);
}
template <Expression A>
constexpr auto max(const A& a) {
  return unary<max_op, A>(a);
}
template <Expression A>
constexpr auto min(const A& a) {
  return unary<min_op, A>(a);
}
template <Expression A>
constexpr auto logsumexp(const A& a) {
  return unary<logsumexp_op, A>(a);
}
template <Expression A>
constexpr auto softmax(const A& a) {
  static_assert(A::shape_type::rank == 1, "tapeless::softmax: the argument must be a vector");
  return unary<softmax_op, A>(a);
}
template <Expression A>
constexpr auto norm(const A& a) {
  return unary<norm_op, A>(a);
}
template <Expression A>
constexpr auto squared_norm(const A& a) {
  return unary<squared_norm_op, A>(a);
}

// broadcast<shape<2, 2>>(s): the scalar s in every element.
template <class S, Expression A>
constexpr auto broadcast(const A& a) {
  static_assert(A::shape_type::rank == 0, "tapeless::broadcast: only a scalar can be broadcast");
  return unary<broadcast_op<S>, A>(a);
}

}  // namespace tapeless
