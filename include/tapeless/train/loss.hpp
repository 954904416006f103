#pragma once
// Losses are expressions like any other, so their derivatives come from their types too.
#include "../ops/arithmetic.hpp"
#include "../ops/elementwise.hpp"
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

}  // namespace tapeless
