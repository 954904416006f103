#pragma once
// Optimizers over parameter bundles (hana::maps from symbols to values). Each keeps its state in
// bundles of the same type and updates, for every symbol of the gradient, params[symbol] in place.
//   tl::adam opt(params, {.lr = 1e-3});  opt.step(params, grad(loss, wrt(W, b), params, data));
// for_each_state(f) calls f(name, state) for every piece of state (a bundle or a step count), so
// a checkpoint (train/checkpoint.hpp) saves and restores an optimizer mid-run.
#include <cmath>

#include "bundle.hpp"

namespace tapeless {

// Stochastic gradient descent with (heavy-ball) momentum:
//   v = momentum * v + g;  p -= lr * v
template <class Params>
class sgd {
 public:
  struct options {
    double lr = 1e-2;
    double momentum = 0.0;
  };
  sgd(const Params& like, options o) : opt_(o), velocity_(zeros_like(like)) {}
  template <class G>
  void step(Params& p, const G& g) {
    for_each_binding(g, [&](auto key, const auto& gv) {
      for_each_element(
          [&](auto& x, auto& v, const auto& gi) {
            v = opt_.momentum * v + gi;
            x -= opt_.lr * v;
          },
          p[key], velocity_[key], gv);
    });
  }
  template <class F>
  void for_each_state(F&& f) {
    f("velocity", velocity_);
  }

 private:
  options opt_;
  Params velocity_;
};

// RMSprop (as PyTorch's default, no momentum, not centered):
//   s = alpha * s + (1 - alpha) g^2;  p -= lr * g / (sqrt(s) + eps)
template <class Params>
class rmsprop {
 public:
  struct options {
    double lr = 1e-2;
    double alpha = 0.99;
    double eps = 1e-8;
  };
  rmsprop(const Params& like, options o) : opt_(o), square_avg_(zeros_like(like)) {}
  template <class G>
  void step(Params& p, const G& g) {
    for_each_binding(g, [&](auto key, const auto& gv) {
      for_each_element(
          [&](auto& x, auto& s, const auto& gi) {
            s = opt_.alpha * s + (1 - opt_.alpha) * gi * gi;
            x -= opt_.lr * gi / (std::sqrt(s) + opt_.eps);
          },
          p[key], square_avg_[key], gv);
    });
  }
  template <class F>
  void for_each_state(F&& f) {
    f("square_avg", square_avg_);
  }

 private:
  options opt_;
  Params square_avg_;
};

// Adam (Kingma and Ba 2015) with bias correction.
template <class Params>
class adam {
 public:
  struct options {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
  };
  adam(const Params& like, options o) : opt_(o), m_(zeros_like(like)), v_(zeros_like(like)) {}
  template <class G>
  void step(Params& p, const G& g) {
    ++t_;
    const double c1 = 1 - std::pow(opt_.beta1, double(t_));
    const double c2 = 1 - std::pow(opt_.beta2, double(t_));
    for_each_binding(g, [&](auto key, const auto& gv) {
      for_each_element(
          [&](auto& x, auto& m, auto& v, const auto& gi) {
            m = opt_.beta1 * m + (1 - opt_.beta1) * gi;
            v = opt_.beta2 * v + (1 - opt_.beta2) * gi * gi;
            x -= opt_.lr * (m / c1) / (std::sqrt(v / c2) + opt_.eps);
          },
          p[key], m_[key], v_[key], gv);
    });
  }
  template <class F>
  void for_each_state(F&& f) {
    f("step", t_);
    f("exp_avg", m_);
    f("exp_avg_sq", v_);
  }

 private:
  options opt_;
  Params m_, v_;
  long t_ = 0;
};

}  // namespace tapeless
