#pragma once
// Gradient clipping on gradient bundles (hana::maps from symbols to values), PyTorch's
// torch.nn.utils.clip_grad_norm_ and clip_grad_value_:
//
//   auto g = tl::grad(loss, tl::wrt(W, b), params, data);
//   const double norm = tl::clip_grad_norm(g, 1.0);  // the norm before clipping
//   opt.step(params, g);
//
// clip_grad_norm treats every element of every value in the bundle as one vector. Its total
// norm is the p-norm over all of them (norm_type 2 by default, infinity for the largest
// magnitude); when it exceeds max_norm, every element is multiplied by
//   max_norm / (total_norm + 1e-6)
// (PyTorch's coefficient, eps included, so the clipped norm is a hair under max_norm). A
// non-finite total norm is returned as it is (and makes the gradients non-finite, as in
// PyTorch), or is a std::domain_error with .error_if_nonfinite = true.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "bundle.hpp"

namespace tapeless {

struct clip_grad_norm_options {
  double norm_type = 2.0;  // p of the p-norm; std::numeric_limits<double>::infinity() for max |g|
  bool error_if_nonfinite = false;
};

// The p-norm of all the elements of a bundle together (PyTorch's total norm of clip_grad_norm_).
template <class Bundle>
double grad_norm(const Bundle& g, double norm_type = 2.0) {
  const bool inf = std::isinf(norm_type);
  double acc = 0;
  for_each_binding(g, [&](auto, const auto& v) {
    for_each_element(
        [&](const auto& x) {
          const double a = std::abs(double(x));
          if (inf)
            acc = std::isnan(a) || std::isnan(acc) ? std::numeric_limits<double>::quiet_NaN()
                                                   : std::max(acc, a);
          else if (norm_type == 2.0)
            acc += a * a;
          else
            acc += std::pow(a, norm_type);
        },
        v);
  });
  if (inf) return acc;
  return norm_type == 2.0 ? std::sqrt(acc) : std::pow(acc, 1.0 / norm_type);
}

// Scales g in place so that its total norm is at most max_norm; returns the norm before.
template <class Bundle>
double clip_grad_norm(Bundle& g, double max_norm, clip_grad_norm_options o = {}) {
  const double total = grad_norm(g, o.norm_type);
  if (o.error_if_nonfinite && !std::isfinite(total))
    throw std::domain_error(
        "tapeless::clip_grad_norm: the total norm of the gradients is not finite");
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1 || std::isnan(coef)) scale(g, coef);
  return total;
}

// Clamps every element of g to [-clip_value, clip_value] (PyTorch's clip_grad_value_).
template <class Bundle>
void clip_grad_value(Bundle& g, double clip_value) {
  for_each_binding(g, [&](auto, auto& v) {
    for_each_element(
        [&](auto& x) {
          using E = std::remove_reference_t<decltype(x)>;
          x = std::clamp(x, E(-clip_value), E(clip_value));
        },
        v);
  });
}

}  // namespace tapeless
