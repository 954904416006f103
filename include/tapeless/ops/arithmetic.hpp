#pragma once
// + - * / and unary minus, element-wise with scalar broadcasting, and real powers.
// Each op: shape rule, forward rule, tangent (forward-mode) rule, adjoint (reverse-mode) rule,
// simplifications, printing.
#include "../detail/blocks.hpp"
#include "../detail/cmath.hpp"
#include "../detail/simd.hpp"
#include "../detail/sums.hpp"
#include "fwd.hpp"

namespace tapeless {
namespace detail {

template <class F, class Out, class L, class R>
TAPELESS_INLINE constexpr void zip_into(Out& out, const L& l, const R& r, F f) {
  for (std::size_t i = 0; i < size_of_value_v<Out>; ++i) elem(out, i) = f(elem(l, i), elem(r, i));
}
template <class F, class Out, class A>
TAPELESS_INLINE constexpr void map_into(Out& out, const A& a, F f) {
  for (std::size_t i = 0; i < size_of_value_v<Out>; ++i) elem(out, i) = f(elem(a, i));
}

// out[i] = element(i) for every i of out, in blocks whose elements are computed before they are
// stored (detail/blocks.hpp), so that writing into the caller's result object still vectorises.
template <class Out, class Element>
TAPELESS_INLINE constexpr void write_elements(Out& out, Element element) {
  store_in_blocks<size_of_value_v<Out>>([&](std::size_t i, const auto& v) TAPELESS_INLINE_LAMBDA { elem(out, i) = v; },
                                        element);
}

// Element-wise operations state their scalar rule once, as `Op::apply`, and mark themselves
// `elementwise`: the sweep may then compute such a node inside the loop of its only consumer
// instead of storing it (see eval/program.hpp), with the very same scalar operations.
template <class Op, class Out, class L, class R>
TAPELESS_INLINE constexpr void zip_into(Out& out, const L& l, const R& r) {
  write_elements(out, [&](std::size_t i) TAPELESS_INLINE_LAMBDA {
    return Op::apply(elem(l, i), elem(r, i));
  });
}
template <class Op, class Out, class A>
TAPELESS_INLINE constexpr void map_into(Out& out, const A& a) {
#if TAPELESS_SIMD
  if constexpr (simd::vectorised_v<Op, Out>) {  // whole arrays, at run time (detail/simd.hpp)
    if (!std::is_constant_evaluated()) {
      simd::map_into<Op>(out, a);
      return;
    }
  }
#endif
  write_elements(out, [&](std::size_t i) TAPELESS_INLINE_LAMBDA { return Op::apply(elem(a, i)); });
}

// Constant folding of two compile-time rationals into shape S.
template <class A, class B, class S>
using folded_add_t = constant_t<A::num * B::den + B::num * A::den, A::den * B::den, S>;
template <class A, class B, class S>
using folded_mul_t = constant_t<A::num * B::num, A::den * B::den, S>;

// A constant tensor next to an operand that already has the result's shape is written as a scalar
// constant: broadcasting is implied, and `-0.25 * x` prints and folds as it should.
template <class C, class Other, class S>
inline constexpr bool scalarizable_v =
    is_cconst_v<C> && !is_cconst_v<Other> && (C::shape_type::rank > 0) &&
    std::is_same_v<typename Other::shape_type, S>;
template <class C>
using scalar_constant_t = constant_t<C::num, C::den>;

struct elementwise_binary {
  template <class SL, class SR>
  using result_shape = elementwise_shape_t<SL, SR>;
};

// `c * a` with c a scalar compile-time constant: a scaled term.
template <class T>
inline constexpr bool scaled_v = false;
template <std::intmax_t N, std::intmax_t D, class A>
inline constexpr bool scaled_v<binary<mul_op, cconst<N, D, shape<>>, A>> = true;

// A term of a sum split into its constant coefficient and the rest: c * a -> (c, a), -a -> (-1, a),
// a -> (1, a).
template <class T>
struct term_of {
  using coefficient = constant_t<1>;
  using rest = T;
};
template <std::intmax_t N, std::intmax_t D, class A>
struct term_of<binary<mul_op, cconst<N, D, shape<>>, A>> {
  using coefficient = cconst<N, D>;
  using rest = A;
};
template <class A>
struct term_of<unary<neg_op, A>> {
  using coefficient = constant_t<-1>;
  using rest = A;
};

// The same product up to the order of its two factors (IEEE multiplication commutes exactly).
template <class A, class B>
inline constexpr bool same_product_v = std::is_same_v<A, B>;
template <class P, class Q>
inline constexpr bool same_product_v<binary<mul_op, P, Q>, binary<mul_op, Q, P>> = true;
template <class P>
inline constexpr bool same_product_v<binary<mul_op, P, P>, binary<mul_op, P, P>> = true;
template <class P>  // square(p) computes p * p
inline constexpr bool same_product_v<unary<square_op, P>, binary<mul_op, P, P>> = true;
template <class P>
inline constexpr bool same_product_v<binary<mul_op, P, P>, unary<square_op, P>> = true;

// Like terms: c1 * a and c2 * a with the same stateless rest a (x + x, 3 * x - x, y*x + x*y).
template <class L, class R>
inline constexpr bool like_terms_v =
    is_stateless_v<L> && is_stateless_v<R> &&
    same_product_v<typename term_of<L>::rest, typename term_of<R>::rest>;

// A term with a negative constant coefficient, (-c) * a.
template <class T>
inline constexpr bool negative_term_v = false;
template <std::intmax_t N, std::intmax_t D, class A>
inline constexpr bool negative_term_v<binary<mul_op, cconst<N, D, shape<>>, A>> =
    cconst<N, D>::num < 0;
template <class T>
using minus_coefficient_t = constant_t<-T::left_type::num, T::left_type::den>;

// One level of a sum looked through for like terms: l + (a - b) with l like a is (l + a) - b, and
// so on. Each rewrite joins two terms into one, so rewriting terminates; the sum is added in
// another order (within a few ulp of the terms' magnitude).
template <class T>
inline constexpr bool is_sum_v = is_op_v<T, add_op> || is_op_v<T, sub_op>;
template <class L, class R>
constexpr bool like_in() {
  if constexpr (is_sum_v<R>)
    return like_terms_v<L, typename R::left_type> || like_terms_v<L, typename R::right_type>;
  else
    return false;
}
template <bool Minus, class A, class B>
constexpr auto add_or_sub(const A& a, const B& b) {
  if constexpr (Minus)
    return s::sub(a, b);
  else
    return s::add(a, b);
}
// l + r (Minus false) or l - r (Minus true) with like terms one level down.
template <bool Minus, class L, class R>
constexpr auto regroup(const L& l, const R& r) {
  constexpr bool rl = like_in<L, R>();
  if constexpr (rl) {
    constexpr bool radd = is_op_v<R, add_op>;
    if constexpr (like_terms_v<L, typename R::left_type>) {
      // l + (a +- b) -> (l + a) +- b;  l - (a +- b) -> (l - a) -+ b
      return add_or_sub<radd == Minus>(add_or_sub<Minus>(l, r.l), r.r);
    } else {
      // l + (a + b) -> a + (l + b);  l + (a - b) -> a + (l - b)
      // l - (a + b) -> (l - b) - a;  l - (a - b) -> (l + b) - a
      if constexpr (!Minus)
        return s::add(r.l, add_or_sub<!radd>(l, r.r));
      else
        return s::sub(add_or_sub<radd>(l, r.r), r.l);
    }
  } else if constexpr (like_in<R, L>()) {
    constexpr bool ladd = is_op_v<L, add_op>;
    if constexpr (like_terms_v<typename L::left_type, R>) {
      // (a +- b) + r -> (a + r) +- b;  (a +- b) - r -> (a - r) +- b
      return add_or_sub<!ladd>(add_or_sub<Minus>(l.l, r), l.r);
    } else {
      // (a + b) + r -> a + (b + r);  (a - b) + r -> a + (r - b)
      // (a + b) - r -> a + (b - r);  (a - b) - r -> a - (b + r)
      if constexpr (ladd)
        return s::add(l.l, add_or_sub<Minus>(l.r, r));
      else if constexpr (!Minus)
        return s::add(l.l, s::sub(r, l.r));
      else
        return s::sub(l.l, s::add(l.r, r));
    }
  } else {
    return no_rewrite{};
  }
}

}  // namespace detail

struct add_op : detail::elementwise_binary {
  static constexpr std::string_view name = "+";
  static constexpr int precedence = 1;
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    return a + b;
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<add_op>(out, l, r);
  }
  static constexpr auto tangent(auto, auto, auto, auto dl, auto dr) { return detail::s::add(dl, dr); }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L&, const R&, const G& g) {
    return detail::s::unbroadcast<typename detail::at_t<K, detail::type_list<L, R>>::shape_type>(g);
  }
  template <class L, class R>
  static constexpr auto rewrite(const L& l, const R& r) {
    using S = result_shape<typename L::shape_type, typename R::shape_type>;
    if constexpr (detail::scalarizable_v<L, R, S>)
      return detail::s::add(detail::scalar_constant_t<L>{}, r);
    else if constexpr (detail::scalarizable_v<R, L, S>)
      return detail::s::add(l, detail::scalar_constant_t<R>{});
    else if constexpr (is_cconst_v<L> && is_cconst_v<R>)
      return detail::folded_add_t<L, R, S>{};
    else if constexpr (is_zero_v<L>)
      return detail::s::to_shape<S>(r);
    else if constexpr (is_zero_v<R>)
      return detail::s::to_shape<S>(l);
    else if constexpr (detail::like_terms_v<L, R>)
      // x + x -> 2 * x (exact: both round 2x once); c1 x + c2 x -> (c1 + c2) x (within an ulp
      // or two of the two products added).
      return detail::s::mul(
          detail::folded_add_t<typename detail::term_of<L>::coefficient,
                               typename detail::term_of<R>::coefficient, shape<>>{},
          typename detail::term_of<L>::rest{});
    else if constexpr (is_op_v<R, neg_op>)  // l + -r -> l - r
      return detail::s::sub(l, r.a);
    else if constexpr (is_op_v<L, neg_op>)  // -l + r -> r - l
      return detail::s::sub(r, l.a);
    else if constexpr (detail::negative_term_v<R>)  // l + (-c) r -> l - c r (exact)
      return detail::s::sub(l, detail::s::mul(detail::minus_coefficient_t<R>{}, r.r));
    else if constexpr (detail::negative_term_v<L>)  // (-c) l + r -> r - c l (exact)
      return detail::s::sub(r, detail::s::mul(detail::minus_coefficient_t<L>{}, l.r));
    else
      return detail::regroup<false>(l, r);
  }
};

struct sub_op : detail::elementwise_binary {
  static constexpr std::string_view name = "-";
  static constexpr int precedence = 1;
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    return a - b;
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<sub_op>(out, l, r);
  }
  static constexpr auto tangent(auto, auto, auto, auto dl, auto dr) { return detail::s::sub(dl, dr); }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L&, const R&, const G& g) {
    if constexpr (K == 0)
      return detail::s::unbroadcast<typename L::shape_type>(g);
    else
      return detail::s::unbroadcast<typename R::shape_type>(detail::s::neg(g));
  }
  template <class L, class R>
  static constexpr auto rewrite(const L& l, const R& r) {
    using S = result_shape<typename L::shape_type, typename R::shape_type>;
    if constexpr (detail::scalarizable_v<L, R, S>)
      return detail::s::sub(detail::scalar_constant_t<L>{}, r);
    else if constexpr (detail::scalarizable_v<R, L, S>)
      return detail::s::sub(l, detail::scalar_constant_t<R>{});
    else if constexpr (is_cconst_v<L> && is_cconst_v<R>)
      return detail::folded_add_t<L, constant_t<-R::num, R::den>, S>{};
    else if constexpr (is_zero_v<R>)
      return detail::s::to_shape<S>(l);
    else if constexpr (is_zero_v<L>)
      return detail::s::to_shape<S>(detail::s::neg(r));
    else if constexpr (std::is_same_v<L, R> && is_stateless_v<L>)
      return zero_t<S>{};
    else if constexpr (detail::like_terms_v<L, R>)  // c1 x - c2 x -> (c1 - c2) x, 3 x - x -> 2 x
      return detail::s::mul(
          detail::folded_add_t<typename detail::term_of<L>::coefficient,
                               constant_t<-detail::term_of<R>::coefficient::num,
                                          detail::term_of<R>::coefficient::den>,
                               shape<>>{},
          typename detail::term_of<L>::rest{});
    else if constexpr (is_op_v<R, neg_op>)  // l - -r -> l + r
      return detail::s::add(l, r.a);
    else if constexpr (detail::negative_term_v<R>)  // l - (-c) r -> l + c r (exact)
      return detail::s::add(l, detail::s::mul(detail::minus_coefficient_t<R>{}, r.r));
    else
      return detail::regroup<true>(l, r);
  }
};

struct mul_op : detail::elementwise_binary {
  static constexpr std::string_view name = "*";
  static constexpr int precedence = 2;
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    return a * b;
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<mul_op>(out, l, r);
  }
  static constexpr auto tangent(auto, auto l, auto r, auto dl, auto dr) {
    return detail::s::add(detail::s::mul(dl, r), detail::s::mul(l, dr));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& l, const R& r, const G& g) {
    if constexpr (K == 0)
      return detail::s::unbroadcast<typename L::shape_type>(detail::s::mul(g, r));
    else
      return detail::s::unbroadcast<typename R::shape_type>(detail::s::mul(l, g));
  }
  template <class L, class R>
  static constexpr auto rewrite(const L& l, const R& r) {
    using S = result_shape<typename L::shape_type, typename R::shape_type>;
    if constexpr (detail::scalarizable_v<L, R, S>)
      return detail::s::mul(detail::scalar_constant_t<L>{}, r);
    else if constexpr (detail::scalarizable_v<R, L, S>)
      return detail::s::mul(l, detail::scalar_constant_t<R>{});
    else if constexpr (is_cconst_v<L> && is_cconst_v<R>)
      return detail::folded_mul_t<L, R, S>{};
    else if constexpr (is_zero_v<L> || is_zero_v<R>)
      return zero_t<S>{};
    else if constexpr (is_one_v<L>)
      return detail::s::to_shape<S>(r);
    else if constexpr (is_one_v<R>)
      return detail::s::to_shape<S>(l);
    else if constexpr (is_cconst_v<R>)  // canonical order: constants first
      return detail::s::mul(r, l);
    else if constexpr (is_cconst_v<L> && is_binary_v<R>) {
      // c1 * (c2 * x) -> (c1*c2) * x
      if constexpr (is_op_v<R, mul_op> && is_cconst_v<typename R::left_type> &&
                    std::is_same_v<typename R::right_type::shape_type, S>)
        return detail::s::mul(detail::folded_mul_t<L, typename R::left_type, shape<>>{}, r.r);
      else
        return detail::no_rewrite{};
    } else if constexpr (detail::scaled_v<L>)
      // Constants gather at the front of a product: (c a) b -> c (a b), a (c b) -> c (a b), so
      // that they fold (2 (3 x) y -> 6 (x y)). The products are rounded in another order: the
      // value stays within an ulp or two (exact when c is a power of two).
      return detail::s::mul(typename L::left_type{}, detail::s::mul(l.r, r));
    else if constexpr (detail::scaled_v<R>)
      return detail::s::mul(typename R::left_type{}, detail::s::mul(l, r.r));
    else if constexpr (is_op_v<L, neg_op> && is_op_v<R, neg_op>)
      return detail::s::mul(l.a, r.a);
    else if constexpr (is_op_v<R, neg_op>)  // the sign moves out: l * -r -> -(l * r)
      return detail::s::neg(detail::s::mul(l, r.a));
    else if constexpr (is_op_v<L, neg_op>)
      return detail::s::neg(detail::s::mul(l.a, r));
    else if constexpr (std::is_same_v<L, R> && is_stateless_v<L>)  // x * x -> square(x) (exact)
      return detail::s::square(l);
    else
      return detail::no_rewrite{};
  }
};

struct div_op : detail::elementwise_binary {
  static constexpr std::string_view name = "/";
  static constexpr int precedence = 2;
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    return a / b;
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<div_op>(out, l, r);
  }
  // d(l/r) = (dl - (l/r) dr) / r: reuses the node's own value.
  static constexpr auto tangent(auto self, auto, auto r, auto dl, auto dr) {
    return detail::s::div(detail::s::sub(dl, detail::s::mul(self, dr)), r);
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto self, const L&, const R& r, const G& g) {
    if constexpr (K == 0)
      return detail::s::unbroadcast<typename L::shape_type>(detail::s::div(g, r));
    else
      return detail::s::unbroadcast<typename R::shape_type>(
          detail::s::neg(detail::s::div(detail::s::mul(g, self), r)));
  }
  template <class L, class R>
  static constexpr auto rewrite(const L& l, const R& r) {
    using S = result_shape<typename L::shape_type, typename R::shape_type>;
    // Nested so that R::num is only named when R is a constant (a && in one if constexpr
    // condition still instantiates every operand).
    constexpr bool fold = [] {
      if constexpr (is_cconst_v<L> && is_cconst_v<R>)
        return R::num != 0;
      else
        return false;
    }();
    if constexpr (detail::scalarizable_v<L, R, S>)
      return detail::s::div(detail::scalar_constant_t<L>{}, r);
    else if constexpr (detail::scalarizable_v<R, L, S>)
      return detail::s::div(l, detail::scalar_constant_t<R>{});
    else if constexpr (fold)
      return constant_t<L::num * R::den, L::den * R::num, S>{};
    else if constexpr (is_zero_v<L>)
      return zero_t<S>{};
    else if constexpr (is_one_v<R>)
      return detail::s::to_shape<S>(l);
    else if constexpr (detail::scaled_v<L> && !is_cconst_v<R>)  // (c a) / r -> c (a / r)
      return detail::s::mul(typename L::left_type{}, detail::s::div(l.r, r));
    else if constexpr (is_op_v<L, neg_op>)  // (-a) / r -> -(a / r) (exact)
      return detail::s::neg(detail::s::div(l.a, r));
    else if constexpr (is_op_v<R, neg_op>)  // l / -r -> -(l / r) (exact)
      return detail::s::neg(detail::s::div(l, r.a));
    else
      return detail::no_rewrite{};
  }
};

// l / r, and 0 where r is 0: the derivative of norm (PyTorch's convention: the gradient of the
// Euclidean norm at 0 is 0). Printed as a quotient.
struct div_or_zero_op : detail::elementwise_binary {
  static constexpr std::string_view name = "/";
  static constexpr int precedence = 2;
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    using T = decltype(a / b);
    return b == B(0) ? T(0) : T(a / b);
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<div_or_zero_op>(out, l, r);
  }
  // As for l / r, with every quotient by r taken as 0 where r is 0.
  static constexpr auto tangent(auto self, auto, auto r, auto dl, auto dr) {
    return detail::s::div_or_zero(detail::s::sub(dl, detail::s::mul(self, dr)), r);
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto self, const L&, const R& r, const G& g) {
    if constexpr (K == 0)
      return detail::s::unbroadcast<typename L::shape_type>(detail::s::div_or_zero(g, r));
    else
      return detail::s::unbroadcast<typename R::shape_type>(
          detail::s::neg(detail::s::div_or_zero(detail::s::mul(g, self), r)));
  }
  template <class L, class R>
  static constexpr auto rewrite(const L& l, const R&) {
    using S = result_shape<typename L::shape_type, typename R::shape_type>;
    if constexpr (is_zero_v<L>)
      return zero_t<S>{};
    else if constexpr (is_one_v<R>)
      return detail::s::to_shape<S>(l);
    else
      return detail::no_rewrite{};
  }
};

// Element-wise real power a^b (a > 0 where b is not an integer).
struct pow_op : detail::elementwise_binary {
  static constexpr std::string_view name = "pow";
  static constexpr int precedence = 0;
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    return detail::cmath::pow(a, b);
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<pow_op>(out, l, r);
  }
  // d(a^b) = b a^(b-1) da + a^b log(a) db, written so that both terms are exact at a zero base
  // (b a^b / a and a^b log a would be 0/0 and 0 * -inf there): pow_log(a^b, a) is a^b log a,
  // and 0 where a^b is 0, its limit.
  static constexpr auto tangent(auto self, auto l, auto r, auto dl, auto dr) {
    using namespace detail;
    return s::add(s::mul(s::mul(r, s::pow(l, s::sub(r, constant_t<1>{}))), dl),
                  s::mul(s::pow_log(self, l), dr));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto self, const L& l, const R& r, const G& g) {
    using namespace detail;
    if constexpr (K == 0)
      return s::unbroadcast<typename L::shape_type>(
          s::mul(g, s::mul(r, s::pow(l, s::sub(r, constant_t<1>{})))));
    else
      return s::unbroadcast<typename R::shape_type>(s::mul(g, s::pow_log(self, l)));
  }
};

// p log a for p = a^b (the exponent's derivative of a power), 0 where p is 0: the limit of
// a^b log a as a -> 0 for b > 0, where the product alone is 0 * -inf. Its own derivatives are
// those of p log a (exact away from a zero base).
struct pow_log_op : detail::elementwise_binary {
  static constexpr std::string_view name = "pow_log";
  static constexpr int precedence = 0;
  static constexpr bool elementwise = true;
  template <class P, class A>
  TAPELESS_INLINE static constexpr auto apply(P p, A a) {
    using T = decltype(p * a);
    return p == P(0) ? T(0) : T(p * detail::cmath::log(a));
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    detail::zip_into<pow_log_op>(out, l, r);
  }
  // d(p log a) = log(a) dp + p da / a
  static constexpr auto tangent(auto, auto p, auto a, auto dp, auto da) {
    using namespace detail;
    return s::add(s::mul(dp, s::log(a)), s::div(s::mul(p, da), a));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& p, const R& a, const G& g) {
    using namespace detail;
    if constexpr (K == 0)
      return s::unbroadcast<typename L::shape_type>(s::mul(g, s::log(a)));
    else
      return s::unbroadcast<typename R::shape_type>(s::div(s::mul(g, p), a));
  }
};

struct neg_op {
  template <class S>
  using result_shape = S;
  static constexpr std::string_view name = "-";
  static constexpr int precedence = 3;  // prefix
  static constexpr bool elementwise = true;
  template <class A>
  TAPELESS_INLINE static constexpr auto apply(A x) {
    return -x;
  }
  template <class Out, class A>
  TAPELESS_INLINE static constexpr void forward(Out& out, const A& a) {
    detail::map_into<neg_op>(out, a);
  }
  static constexpr auto tangent(auto, auto, auto da) { return detail::s::neg(da); }
  template <std::size_t, class A, class G>
  static constexpr auto adjoint(auto, const A&, const G& g) {
    return detail::s::neg(g);
  }
  template <class A>
  static constexpr auto rewrite(const A& a) {
    if constexpr (is_cconst_v<A>)
      return constant_t<-A::num, A::den, typename A::shape_type>{};
    else if constexpr (is_op_v<A, neg_op>)
      return a.a;
    else if constexpr (is_op_v<A, mul_op>) {  // -(c * x) -> (-c) * x
      if constexpr (is_cconst_v<typename A::left_type>)
        return detail::s::mul(constant_t<-A::left_type::num, A::left_type::den,
                                         typename A::left_type::shape_type>{},
                              a.r);
      else
        return detail::no_rewrite{};
    } else if constexpr (is_op_v<A, sub_op>)  // -(a - b) -> b - a
      return detail::s::sub(a.r, a.l);
    else
      return detail::no_rewrite{};
  }
};

// ---------------------------------------------------------------------------------------------
// The user-facing operators build plain nodes (no rewriting), so a model prints as written;
// `simplify` and every derivative go through the simplifying constructors instead.
namespace detail {
template <class Op, class L, class R>
constexpr auto checked_elementwise(const L& l, const R& r) {
  using EL = as_expr_t<L>;
  using ER = as_expr_t<R>;
  using S = elementwise_shape_t<typename EL::shape_type, typename ER::shape_type>;
  if constexpr (std::is_same_v<S, shape_mismatch>) {
    static_assert(!std::is_same_v<S, shape_mismatch>,
                  "tapeless: the operands of an element-wise operation (+ - * / pow) have "
                  "different shapes; only equal shapes or a scalar with a tensor are allowed");
    return zero_t<>{};
  } else {
    return binary<Op, EL, ER>(as_expr(l), as_expr(r));
  }
}
}  // namespace detail

template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto operator+(const L& l, const R& r) {
  return detail::checked_elementwise<add_op>(l, r);
}
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto operator-(const L& l, const R& r) {
  return detail::checked_elementwise<sub_op>(l, r);
}
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto operator*(const L& l, const R& r) {
  return detail::checked_elementwise<mul_op>(l, r);
}
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto operator/(const L& l, const R& r) {
  return detail::checked_elementwise<div_op>(l, r);
}
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto pow(const L& l, const R& r) {
  return detail::checked_elementwise<pow_op>(l, r);
}
template <Expression A>
constexpr auto operator-(const A& a) {
  return unary<neg_op, A>(a);
}
template <Expression A>
constexpr auto operator+(const A& a) {
  return a;
}

}  // namespace tapeless
