#pragma once
// Comparisons (0/1 masks), element-wise maximum and minimum, and clamp: the piecewise operations.
// Element-wise with scalar broadcasting like + - * /. Where two pieces meet, the derivative is
// PyTorch's subgradient (docs/operators.md):
//  - maximum(a, b), minimum(a, b): where a == b each operand gets half of the gradient;
//  - clamp(x, lo, hi): x gets the whole gradient on the closed interval lo <= x <= hi, lo where
//    x < lo, hi where x > hi.
// The comparisons are the masks those derivatives are written with; their own derivative is 0.
#include "arithmetic.hpp"

namespace tapeless {
namespace detail {

// A comparison: 1 where it holds, 0 elsewhere; derivative 0; two constants fold.
template <class Derived>
struct comparison : elementwise_binary {
  static constexpr int precedence = 1;  // printed as an infix in parentheses: (a > b)
  static constexpr bool elementwise = true;
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    using T = decltype(a + b);
    return Derived::holds(a, b) ? T(1) : T(0);
  }
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    zip_into<Derived>(out, l, r);
  }
  static constexpr auto tangent(auto self, auto, auto, auto, auto) {
    return zero_t<typename decltype(self)::shape_type>{};
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L&, const R&, const G&) {
    return zero_t<typename at_t<K, type_list<L, R>>::shape_type>{};
  }
  template <class L, class R>
  static constexpr auto rewrite(const L&, const R&) {
    using S = result_shape<typename L::shape_type, typename R::shape_type>;
    if constexpr (is_cconst_v<L> && is_cconst_v<R>)
      // Cross-multiplied (denominators are positive): exact for the small rationals of models.
      return constant_t<(Derived::holds(L::num * R::den, R::num * L::den) ? 1 : 0), 1, S>{};
    else
      return no_rewrite{};
  }
};

// The shape rule and forward rule of maximum, minimum, clamp_min and clamp_max.
template <class Derived>
struct piecewise_binary : elementwise_binary {
  static constexpr int precedence = 0;
  static constexpr bool elementwise = true;
  template <class Out, class L, class R>
  TAPELESS_INLINE static constexpr void forward(Out& out, const L& l, const R& r) {
    zip_into<Derived>(out, l, r);
  }
  template <class L, class R>
  static constexpr auto rewrite(const L&, const R&) {
    using S = result_shape<typename L::shape_type, typename R::shape_type>;
    if constexpr (is_cconst_v<L> && is_cconst_v<R>) {
      using LD = long double;
      constexpr bool left = Derived::takes_left(cconst<L::num, L::den>::template value<LD>(),
                                                cconst<R::num, R::den>::template value<LD>());
      if constexpr (left)
        return constant_t<L::num, L::den, S>{};
      else
        return constant_t<R::num, R::den, S>{};
    } else {
      return no_rewrite{};
    }
  }
};

}  // namespace detail

struct gt_op : detail::comparison<gt_op> {
  static constexpr std::string_view name = ">";
  template <class A, class B>
  static constexpr bool holds(A a, B b) { return a > b; }
};
struct ge_op : detail::comparison<ge_op> {
  static constexpr std::string_view name = ">=";
  template <class A, class B>
  static constexpr bool holds(A a, B b) { return a >= b; }
};
struct eq_op : detail::comparison<eq_op> {
  static constexpr std::string_view name = "==";
  template <class A, class B>
  static constexpr bool holds(A a, B b) { return a == b; }
};

// maximum(a, b): the larger of a and b, NaN if either is NaN (as torch.maximum). The derivative
// gives a the weight (a > b) + 0.5 (a == b) and b the rest.
struct maximum_op : detail::piecewise_binary<maximum_op> {
  static constexpr std::string_view name = "maximum";
  template <class A, class B>
  static constexpr bool takes_left(A a, B b) { return !(b > a); }
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    using T = decltype(a + b);
    return a > b ? T(a) : (b > a ? T(b) : (a == b ? T(a) : T(a + b)));
  }
  static constexpr auto tangent(auto, auto l, auto r, auto dl, auto dr) {
    using namespace detail;
    return s::add(s::mul(dl, s::max_weight(l, r)), s::mul(dr, s::max_weight(r, l)));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& l, const R& r, const G& g) {
    using namespace detail;
    if constexpr (K == 0)
      return s::unbroadcast<typename L::shape_type>(s::mul(g, s::max_weight(l, r)));
    else
      return s::unbroadcast<typename R::shape_type>(s::mul(g, s::max_weight(r, l)));
  }
};

// minimum(a, b): the smaller, NaN if either is NaN; a gets the weight (b > a) + 0.5 (a == b).
struct minimum_op : detail::piecewise_binary<minimum_op> {
  static constexpr std::string_view name = "minimum";
  template <class A, class B>
  static constexpr bool takes_left(A a, B b) { return !(b < a); }
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A a, B b) {
    using T = decltype(a + b);
    return a < b ? T(a) : (b < a ? T(b) : (a == b ? T(a) : T(a + b)));
  }
  static constexpr auto tangent(auto, auto l, auto r, auto dl, auto dr) {
    using namespace detail;
    return s::add(s::mul(dl, s::max_weight(r, l)), s::mul(dr, s::max_weight(l, r)));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& l, const R& r, const G& g) {
    using namespace detail;
    if constexpr (K == 0)
      return s::unbroadcast<typename L::shape_type>(s::mul(g, s::max_weight(r, l)));
    else
      return s::unbroadcast<typename R::shape_type>(s::mul(g, s::max_weight(l, r)));
  }
};

// clamp_min(x, lo): x where x >= lo, lo elsewhere (torch.clamp_min). x gets the gradient where
// x >= lo, lo where x < lo.
struct clamp_min_op : detail::piecewise_binary<clamp_min_op> {
  static constexpr std::string_view name = "clamp_min";
  template <class A, class B>
  static constexpr bool takes_left(A x, B lo) { return !(x < lo); }
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A x, B lo) {
    using T = decltype(x + lo);
    return x < lo ? T(lo) : T(x);
  }
  static constexpr auto tangent(auto, auto x, auto lo, auto dl, auto dr) {
    using namespace detail;
    return s::add(s::mul(dl, s::ge(x, lo)), s::mul(dr, s::gt(lo, x)));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& x, const R& lo, const G& g) {
    using namespace detail;
    if constexpr (K == 0)
      return s::unbroadcast<typename L::shape_type>(s::mul(g, s::ge(x, lo)));
    else
      return s::unbroadcast<typename R::shape_type>(s::mul(g, s::gt(lo, x)));
  }
};

// clamp_max(x, hi): x where x <= hi, hi elsewhere (torch.clamp_max). x gets the gradient where
// x <= hi, hi where x > hi.
struct clamp_max_op : detail::piecewise_binary<clamp_max_op> {
  static constexpr std::string_view name = "clamp_max";
  template <class A, class B>
  static constexpr bool takes_left(A x, B hi) { return !(x > hi); }
  template <class A, class B>
  TAPELESS_INLINE static constexpr auto apply(A x, B hi) {
    using T = decltype(x + hi);
    return x > hi ? T(hi) : T(x);
  }
  static constexpr auto tangent(auto, auto x, auto hi, auto dl, auto dr) {
    using namespace detail;
    return s::add(s::mul(dl, s::ge(hi, x)), s::mul(dr, s::gt(x, hi)));
  }
  template <std::size_t K, class L, class R, class G>
  static constexpr auto adjoint(auto, const L& x, const R& hi, const G& g) {
    using namespace detail;
    if constexpr (K == 0)
      return s::unbroadcast<typename L::shape_type>(s::mul(g, s::ge(hi, x)));
    else
      return s::unbroadcast<typename R::shape_type>(s::mul(g, s::gt(x, hi)));
  }
};

// ---------------------------------------------------------------------------------------------
// User-facing functions. Each operand is an expression or a number (a runtime constant);
// shapes as for + - * /: equal, or a scalar with a tensor.
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto maximum(const L& l, const R& r) {
  return detail::checked_elementwise<maximum_op>(l, r);
}
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto minimum(const L& l, const R& r) {
  return detail::checked_elementwise<minimum_op>(l, r);
}
// max(a, b), min(a, b) of two operands are maximum and minimum, as torch.max(a, b) (max(x) of
// one operand is the reduction, ops/reduce.hpp).
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto max(const L& l, const R& r) {
  return detail::checked_elementwise<maximum_op>(l, r);
}
template <Operand L, Operand R>
  requires(Expression<L> || Expression<R>)
constexpr auto min(const L& l, const R& r) {
  return detail::checked_elementwise<minimum_op>(l, r);
}
template <Expression A, Operand Lo>
constexpr auto clamp_min(const A& x, const Lo& lo) {
  return detail::checked_elementwise<clamp_min_op>(x, lo);
}
template <Expression A, Operand Hi>
constexpr auto clamp_max(const A& x, const Hi& hi) {
  return detail::checked_elementwise<clamp_max_op>(x, hi);
}
// clamp(x, lo, hi) = clamp_max(clamp_min(x, lo), hi), printed as clamp(x, lo, hi): x where
// lo <= x <= hi (and then the whole gradient, also at lo and at hi), lo below, hi above; hi
// wherever lo > hi, as torch.clamp.
template <Expression A, Operand Lo, Operand Hi>
constexpr auto clamp(const A& x, const Lo& lo, const Hi& hi) {
  return clamp_max(clamp_min(x, lo), hi);
}

}  // namespace tapeless
