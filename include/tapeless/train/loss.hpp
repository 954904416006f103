#pragma once
// Losses are expressions like any other, so their derivatives come from their types too.
// Each is PyTorch's loss of the same name with its default reduction (docs/operators.md).
#include <cstddef>
#include <stdexcept>

#include "../ops/arithmetic.hpp"
#include "../ops/compare.hpp"
#include "../ops/elementwise.hpp"
#include "../ops/linalg.hpp"
#include "../ops/reduce.hpp"

namespace tapeless {

// Mean absolute error: mean(|prediction - target|).
template <Operand P, Operand Y>
constexpr auto mae(const P& prediction, const Y& target) {
  return mean(abs(prediction - target));
}

// Mean squared error: mean((prediction - target)^2).
template <Operand P, Operand Y>
constexpr auto mse(const P& prediction, const Y& target) {
  return mean(square(prediction - target));
}

// The seed tutorial's loss: mean(target - prediction), a plain mean difference (it calls it L1,
// but it has no absolute value, so it is unbounded below; kept to reproduce the seed exactly).
template <Operand P, Operand Y>
constexpr auto mean_difference(const P& prediction, const Y& target) {
  return mean(target - prediction);
}

// ---- classification ---------------------------------------------------------------------------
// A class index enters an expression as a one-hot runtime constant: one_hot<N>(k) is the vector
// of N zeros with a 1 at k (torch.nn.functional.one_hot), held by value by the node like any
// runtime constant. A model evaluated for many samples with different classes binds a one-hot
// *symbol* instead (y = tl::one_hot<N>(k) per sample) and uses the probability-target forms.
template <std::size_t N, class T = double>
constexpr vector<T, N> one_hot(std::size_t k) {
  if (k >= N) throw std::out_of_range("tapeless::one_hot: class index out of range");
  vector<T, N> v{};
  v[k] = T(1);
  return v;
}

// BCEWithLogitsLoss (mean): mean(max(z, 0) - z y + log1p(exp(-|z|))) for logits z and targets
// y in [0, 1]. softplus(z) is exactly max(z, 0) + log1p(exp(-|z|)), so this is written
// mean(softplus(z) - z y): finite for any logits, and its gradient is (sigmoid(z) - y) / n, also
// at z = 0 (where a max/abs form would take the subgradients of its pieces).
template <Expression Z, Operand Y>
constexpr auto bce_with_logits(const Z& logits, const Y& targets) {
  return mean(softplus(logits) - logits * targets);
}

// CrossEntropyLoss from logits z (a vector of C class scores) and a target of class
// probabilities y (a one-hot vector, or soft labels): -sum(y * log_softmax(z)), written
// sum(y * (logsumexp(z) - z)), where every logsumexp(z) - z >= 0 is computed without overflow.
// Its gradient is sum(y) softmax(z) - y.
template <Expression Z, Operand Y>
  requires(!std::is_integral_v<Y>)
constexpr auto cross_entropy(const Z& logits, const Y& target) {
  static_assert(Z::shape_type::rank == 1, "tapeless::cross_entropy: the logits must be a vector");
  static_assert(std::is_same_v<typename as_expr_t<Y>::shape_type, typename Z::shape_type>,
                "tapeless::cross_entropy: the target must be a vector of class probabilities "
                "shaped like the logits, or a class index");
  return sum(target * (logsumexp(logits) - logits));
}

// CrossEntropyLoss with a class index k: logsumexp(z) - z[k], with z[k] = dot(z, one_hot(k)).
// Throws std::out_of_range for k >= C.
template <Expression Z>
constexpr auto cross_entropy(const Z& logits, std::size_t k) {
  static_assert(Z::shape_type::rank == 1, "tapeless::cross_entropy: the logits must be a vector");
  return logsumexp(logits) - dot(logits, one_hot<Z::shape_type::size>(k));
}

// NLLLoss: -log_probs[k] for a vector of log-probabilities (log_softmax of the logits, so that
// nll(z - logsumexp(z), k) is cross_entropy(z, k)), written -dot(log_probs, one_hot(k)). With a
// one-hot (or probability) target: -sum(y * log_probs).
template <Expression P>
constexpr auto nll(const P& log_probs, std::size_t k) {
  static_assert(P::shape_type::rank == 1, "tapeless::nll: the log-probabilities must be a vector");
  return -dot(log_probs, one_hot<P::shape_type::size>(k));
}
template <Expression P, Operand Y>
  requires(!std::is_integral_v<Y>)
constexpr auto nll(const P& log_probs, const Y& target) {
  static_assert(P::shape_type::rank == 1, "tapeless::nll: the log-probabilities must be a vector");
  return -sum(target * log_probs);
}

// ---- regression ---------------------------------------------------------------------------------
// HuberLoss (mean): 0.5 d^2 where |d| < delta, delta (|d| - delta / 2) elsewhere, d = prediction -
// target. Written q (d - q / 2) with q = clamp(d, -delta, delta), which is the same value with
// the same roundings and has PyTorch's gradient clamp(d, -delta, delta) / n (delta sign(d) at
// |d| = delta, where the two pieces meet with equal slope).
template <Expression P, Operand Y>
constexpr auto huber(const P& prediction, const Y& target, double delta = 1.0) {
  const auto residual = prediction - target;
  const auto q = clamp(residual, -delta, delta);
  return mean(q * (residual - c<1, 2> * q));
}

}  // namespace tapeless
