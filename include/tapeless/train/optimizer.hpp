#pragma once
// Optimizers over parameter bundles (hana::maps from symbols to values). Each keeps its state in
// bundles of the same type and updates, for every symbol of the gradient, params[symbol] in place.
//   tl::adam opt(params, {.lr = 1e-3});  opt.step(params, grad(loss, wrt(W, b), params, data));
// for_each_state(f) calls f(name, state) for every piece of state (the learning rate, a bundle, a
// step count), so a checkpoint (train/checkpoint.hpp) saves and restores an optimizer mid-run,
// with the learning rate a schedule (train/schedule.hpp) has set.
//
// Every optimizer has PyTorch's learning-rate pair, opt.lr() and opt.set_lr(x), and
// opt.get_options(), the options it runs with (set_lr changes get_options().lr).
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
  double lr() const noexcept { return opt_.lr; }
  void set_lr(double lr) noexcept { opt_.lr = lr; }
  const options& get_options() const noexcept { return opt_; }
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
    f("lr", opt_.lr);
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
  double lr() const noexcept { return opt_.lr; }
  void set_lr(double lr) noexcept { opt_.lr = lr; }
  const options& get_options() const noexcept { return opt_; }
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
    f("lr", opt_.lr);
    f("square_avg", square_avg_);
  }

 private:
  options opt_;
  Params square_avg_;
};

namespace detail {

struct adam_options {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

struct adamw_options {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
};

// Adam's state and step, shared by adam and adamw; options with a weight_decay make it AdamW.
template <class Params, class Options>
class adam_steps {
 public:
  using options = Options;
  adam_steps(const Params& like, Options o) : opt_(o), m_(zeros_like(like)), v_(zeros_like(like)) {}
  double lr() const noexcept { return opt_.lr; }
  void set_lr(double lr) noexcept { opt_.lr = lr; }
  const Options& get_options() const noexcept { return opt_; }
  template <class G>
  void step(Params& p, const G& g) {
    ++t_;
    const double c1 = 1 - std::pow(opt_.beta1, double(t_));
    const double c2 = 1 - std::pow(opt_.beta2, double(t_));
    constexpr bool decoupled = requires { Options::weight_decay; };
    double decay = 1;
    if constexpr (decoupled) decay = 1 - opt_.lr * opt_.weight_decay;
    for_each_binding(g, [&](auto key, const auto& gv) {
      for_each_element(
          [&](auto& x, auto& m, auto& v, const auto& gi) {
            if constexpr (decoupled) x *= decay;
            m = opt_.beta1 * m + (1 - opt_.beta1) * gi;
            v = opt_.beta2 * v + (1 - opt_.beta2) * gi * gi;
            x -= opt_.lr * (m / c1) / (std::sqrt(v / c2) + opt_.eps);
          },
          p[key], m_[key], v_[key], gv);
    });
  }
  template <class F>
  void for_each_state(F&& f) {
    f("lr", opt_.lr);
    f("step", t_);
    f("exp_avg", m_);
    f("exp_avg_sq", v_);
  }

 private:
  Options opt_;
  Params m_, v_;
  long t_ = 0;
};

}  // namespace detail

// Adam (Kingma and Ba 2015) with bias correction:
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  t += 1
//   p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
template <class Params>
class adam : public detail::adam_steps<Params, detail::adam_options> {
 public:
  using options = detail::adam_options;
  adam(const Params& like, options o) : detail::adam_steps<Params, options>(like, o) {}
};

// AdamW (Loshchilov and Hutter 2019), PyTorch's AdamW: Adam with decoupled weight decay. Before
// Adam's update, every parameter the gradient names decays: p *= 1 - lr * weight_decay.
// The decay does not pass through m and v (as an L2 term added to the gradient would), so it
// shrinks every parameter at the same relative rate whatever its gradient's history. As in
// PyTorch, it applies to every parameter stepped, biases included.
template <class Params>
class adamw : public detail::adam_steps<Params, detail::adamw_options> {
 public:
  using options = detail::adamw_options;
  adamw(const Params& like, options o) : detail::adam_steps<Params, options>(like, o) {}
};

}  // namespace tapeless
