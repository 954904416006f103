#pragma once
// The operator structs, declared, and the simplifying constructors derivative rules use
// (namespace `s`). Declaring them up front lets each operator's rules name any other operator.
#include <cstddef>

#include "../expr/build.hpp"

namespace tapeless {

struct add_op;
struct sub_op;
struct mul_op;
struct div_op;
struct pow_op;
struct pow_log_op;
struct neg_op;
struct exp_op;
struct log_op;
struct sqrt_op;
struct sin_op;
struct cos_op;
struct tanh_op;
struct sigmoid_op;
struct relu_op;
struct softplus_op;
struct abs_op;
struct square_op;
struct sign_op;
struct step_op;
struct log1p_op;
struct expm1_op;
struct silu_op;
struct gelu_op;
struct normal_cdf_op;
struct normal_pdf_op;
struct leaky_relu_op;
struct elu_op;
struct gt_op;
struct ge_op;
struct eq_op;
struct maximum_op;
struct minimum_op;
struct clamp_min_op;
struct clamp_max_op;
struct div_or_zero_op;
struct max_op;
struct min_op;
struct logsumexp_op;
struct softmax_op;
struct norm_op;
struct squared_norm_op;
template <std::size_t D>
struct axis_sum_op;
template <std::size_t D>
struct axis_mean_op;
template <std::size_t D>
struct axis_max_op;
template <std::size_t D>
struct axis_min_op;
template <int N>
struct ipow_op;
struct sum_op;
struct mean_op;
template <class S>
struct broadcast_op;
struct transpose_op;
struct matmul_op;
struct dot_op;
struct outer_op;
template <std::size_t Off, std::size_t Len>
struct slice_op;
template <std::size_t Off, std::size_t N>
struct pad_op;
struct concat_op;

namespace detail::s {

// (detail::make_binary, qualified: an unqualified call would make the compiler search the
// namespaces of every type inside l and r, the whole derivative expression, at every node built.)
// clang-format off
template <class L, class R> constexpr auto add(const L& l, const R& r) { return detail::make_binary<add_op>(l, r); }
template <class L, class R> constexpr auto sub(const L& l, const R& r) { return detail::make_binary<sub_op>(l, r); }
template <class L, class R> constexpr auto mul(const L& l, const R& r) { return detail::make_binary<mul_op>(l, r); }
template <class L, class R> constexpr auto div(const L& l, const R& r) { return detail::make_binary<div_op>(l, r); }
template <class L, class R> constexpr auto pow(const L& l, const R& r) { return detail::make_binary<pow_op>(l, r); }
template <class L, class R> constexpr auto pow_log(const L& l, const R& r) { return detail::make_binary<pow_log_op>(l, r); }
template <class L, class R> constexpr auto matmul(const L& l, const R& r) { return detail::make_binary<matmul_op>(l, r); }
template <class L, class R> constexpr auto dot(const L& l, const R& r) { return detail::make_binary<dot_op>(l, r); }
template <class L, class R> constexpr auto outer(const L& l, const R& r) { return detail::make_binary<outer_op>(l, r); }
template <class L, class R> constexpr auto concat(const L& l, const R& r) { return detail::make_binary<concat_op>(l, r); }
template <class L, class R> constexpr auto leaky_relu(const L& l, const R& r) { return detail::make_binary<leaky_relu_op>(l, r); }
template <class L, class R> constexpr auto elu(const L& l, const R& r) { return detail::make_binary<elu_op>(l, r); }
template <class L, class R> constexpr auto gt(const L& l, const R& r) { return detail::make_binary<gt_op>(l, r); }
template <class L, class R> constexpr auto ge(const L& l, const R& r) { return detail::make_binary<ge_op>(l, r); }
template <class L, class R> constexpr auto eq(const L& l, const R& r) { return detail::make_binary<eq_op>(l, r); }
template <class L, class R> constexpr auto maximum(const L& l, const R& r) { return detail::make_binary<maximum_op>(l, r); }
template <class L, class R> constexpr auto minimum(const L& l, const R& r) { return detail::make_binary<minimum_op>(l, r); }
template <class L, class R> constexpr auto clamp_min(const L& l, const R& r) { return detail::make_binary<clamp_min_op>(l, r); }
template <class L, class R> constexpr auto clamp_max(const L& l, const R& r) { return detail::make_binary<clamp_max_op>(l, r); }
template <class L, class R> constexpr auto div_or_zero(const L& l, const R& r) { return detail::make_binary<div_or_zero_op>(l, r); }
template <class A> constexpr auto neg(const A& a) { return detail::make_unary<neg_op>(a); }
template <class A> constexpr auto exp(const A& a) { return detail::make_unary<exp_op>(a); }
template <class A> constexpr auto log(const A& a) { return detail::make_unary<log_op>(a); }
template <class A> constexpr auto sqrt(const A& a) { return detail::make_unary<sqrt_op>(a); }
template <class A> constexpr auto sin(const A& a) { return detail::make_unary<sin_op>(a); }
template <class A> constexpr auto cos(const A& a) { return detail::make_unary<cos_op>(a); }
template <class A> constexpr auto tanh(const A& a) { return detail::make_unary<tanh_op>(a); }
template <class A> constexpr auto sigmoid(const A& a) { return detail::make_unary<sigmoid_op>(a); }
template <class A> constexpr auto relu(const A& a) { return detail::make_unary<relu_op>(a); }
template <class A> constexpr auto softplus(const A& a) { return detail::make_unary<softplus_op>(a); }
template <class A> constexpr auto abs(const A& a) { return detail::make_unary<abs_op>(a); }
template <class A> constexpr auto square(const A& a) { return detail::make_unary<square_op>(a); }
template <class A> constexpr auto sign(const A& a) { return detail::make_unary<sign_op>(a); }
template <class A> constexpr auto step(const A& a) { return detail::make_unary<step_op>(a); }
template <class A> constexpr auto log1p(const A& a) { return detail::make_unary<log1p_op>(a); }
template <class A> constexpr auto expm1(const A& a) { return detail::make_unary<expm1_op>(a); }
template <class A> constexpr auto silu(const A& a) { return detail::make_unary<silu_op>(a); }
template <class A> constexpr auto gelu(const A& a) { return detail::make_unary<gelu_op>(a); }
template <class A> constexpr auto normal_cdf(const A& a) { return detail::make_unary<normal_cdf_op>(a); }
template <class A> constexpr auto normal_pdf(const A& a) { return detail::make_unary<normal_pdf_op>(a); }
template <class A> constexpr auto max(const A& a) { return detail::make_unary<max_op>(a); }
template <class A> constexpr auto min(const A& a) { return detail::make_unary<min_op>(a); }
template <class A> constexpr auto logsumexp(const A& a) { return detail::make_unary<logsumexp_op>(a); }
template <class A> constexpr auto softmax(const A& a) { return detail::make_unary<softmax_op>(a); }
template <class A> constexpr auto norm(const A& a) { return detail::make_unary<norm_op>(a); }
template <class A> constexpr auto squared_norm(const A& a) { return detail::make_unary<squared_norm_op>(a); }
template <std::size_t D, class A> constexpr auto axis_sum(const A& a) { return detail::make_unary<axis_sum_op<D>>(a); }
template <std::size_t D, class A> constexpr auto axis_mean(const A& a) { return detail::make_unary<axis_mean_op<D>>(a); }
template <std::size_t D, class A> constexpr auto axis_max(const A& a) { return detail::make_unary<axis_max_op<D>>(a); }
template <std::size_t D, class A> constexpr auto axis_min(const A& a) { return detail::make_unary<axis_min_op<D>>(a); }
template <int N, class A> constexpr auto ipow(const A& a) { return detail::make_unary<ipow_op<N>>(a); }
template <class A> constexpr auto sum(const A& a) { return detail::make_unary<sum_op>(a); }
template <class A> constexpr auto mean(const A& a) { return detail::make_unary<mean_op>(a); }
template <class S, class A> constexpr auto broadcast(const A& a) { return detail::make_unary<broadcast_op<S>>(a); }
template <class A> constexpr auto transpose(const A& a) { return detail::make_unary<transpose_op>(a); }
template <std::size_t Off, std::size_t Len, class A> constexpr auto slice(const A& a) { return detail::make_unary<slice_op<Off, Len>>(a); }
template <std::size_t Off, std::size_t N, class A> constexpr auto pad(const A& a) { return detail::make_unary<pad_op<Off, N>>(a); }
// clang-format on

// `e` brought to shape S: itself, or broadcast from a scalar.
template <class S, class E>
constexpr auto to_shape(const E& e) {
  if constexpr (std::is_same_v<typename E::shape_type, S>)
    return e;
  else
    return broadcast<S>(e);
}

// The weight maximum(a, b) gives a's derivative: 1 where a > b, 1/2 where a == b (PyTorch's
// convention for ties), 0 where a < b. minimum(a, b) gives a the weight max_weight(b, a).
template <class A, class B>
constexpr auto max_weight(const A& a, const B& b) {
  return add(gt(a, b), mul(constant_t<1, 2>{}, eq(a, b)));
}

// The adjoint of a broadcast operand: summed back to the operand's (scalar) shape.
template <class S, class G>
constexpr auto unbroadcast(const G& g) {
  if constexpr (std::is_same_v<typename G::shape_type, S>)
    return g;
  else
    return sum(g);
}

}  // namespace detail::s
}  // namespace tapeless
