#pragma once
// Learning-rate schedules, PyTorch's definitions and names (torch.optim.lr_scheduler), in closed
// form. A schedule is a function of the epoch; it holds its own epoch count and no reference to
// the optimizer, so it can be copied, stored and checkpointed with no dangling.
//
//   tl::adam opt(params, {.lr = 0.1});
//   tl::cosine_annealing_lr sched(opt, {.T_max = 100});   // base_lr from opt.lr()
//   for (...) { opt.step(params, g); sched.step(opt); }  // PyTorch's scheduler.step()
//   opt.set_lr(sched(epoch));                             // or the closed form, any epoch
//
// With base lr eta_0 and epoch e (PyTorch's last_epoch):
//   step_lr             eta_0 * gamma^floor(e / step_size)                 (gamma 0.1 by default)
//   exponential_lr      eta_0 * gamma^e
//   cosine_annealing_lr eta_min + (eta_0 - eta_min) (1 + cos(pi e / T_max)) / 2
// Every schedule starts at eta_0 for e = 0. cosine_annealing_lr is PyTorch's (no restarts): past
// T_max the learning rate rises again along the same cosine, as PyTorch's recursive form does.
//
// sched.step(opt) adds one to the epoch and sets opt's learning rate to sched(epoch);
// sched.last_epoch() and sched.get_last_lr() are PyTorch's names for where it stands. Any
// optimizer with lr() and set_lr(x) works (the concept LearningRateOptimizer). for_each_state
// saves the epoch in a checkpoint (the optimizers save their learning rate themselves).
#include <cmath>
#include <concepts>
#include <numbers>
#include <stdexcept>

namespace tapeless {

// An optimizer whose learning rate can be read and set: what a schedule drives.
template <class O>
concept LearningRateOptimizer = requires(O& o, const O& c, double lr) {
  { c.lr() } -> std::convertible_to<double>;
  o.set_lr(lr);
};

namespace detail {

// The epoch count and stepping shared by the schedules; Derived provides at(epoch).
template <class Derived>
class lr_schedule {
 public:
  constexpr double base_lr() const noexcept { return base_lr_; }
  constexpr long last_epoch() const noexcept { return epoch_; }
  // The learning rate at the current epoch (PyTorch's get_last_lr(), for one parameter group).
  double get_last_lr() const { return self()(epoch_); }
  // One epoch on, and opt's learning rate set to the schedule's value there.
  template <LearningRateOptimizer O>
  void step(O& opt) {
    ++epoch_;
    opt.set_lr(self()(epoch_));
  }
  // Sets the epoch (a resumed run without a checkpoint of the schedule) and opt's rate with it.
  template <LearningRateOptimizer O>
  void step(O& opt, long epoch) {
    epoch_ = epoch;
    opt.set_lr(self()(epoch_));
  }
  template <class F>
  constexpr void for_each_state(F&& f) {
    f("last_epoch", epoch_);
  }

 protected:
  constexpr explicit lr_schedule(double base_lr) : base_lr_(base_lr) {}

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
  double base_lr_;
  long epoch_ = 0;
};

}  // namespace detail

// PyTorch's StepLR: the learning rate times gamma every step_size epochs.
class step_lr : public detail::lr_schedule<step_lr> {
 public:
  struct options {
    long step_size = 0;  // required, at least 1
    double gamma = 0.1;
  };
  constexpr step_lr(double base_lr, options o) : lr_schedule(base_lr), opt_(o) {
    if (o.step_size < 1) throw std::invalid_argument("tapeless::step_lr: step_size must be >= 1");
  }
  template <LearningRateOptimizer O>
  constexpr step_lr(const O& opt, options o) : step_lr(opt.lr(), o) {}
  // base_lr * gamma^floor(epoch / step_size), for any epoch >= 0.
  double operator()(long epoch) const {
    return base_lr() * std::pow(opt_.gamma, double(epoch / opt_.step_size));
  }
  constexpr const options& get_options() const noexcept { return opt_; }

 private:
  options opt_;
};

// PyTorch's ExponentialLR: the learning rate times gamma every epoch.
class exponential_lr : public detail::lr_schedule<exponential_lr> {
 public:
  struct options {
    double gamma = 0;  // required, in (0, 1] to decay
  };
  constexpr exponential_lr(double base_lr, options o) : lr_schedule(base_lr), opt_(o) {
    if (!(o.gamma > 0)) throw std::invalid_argument("tapeless::exponential_lr: gamma must be > 0");
  }
  template <LearningRateOptimizer O>
  constexpr exponential_lr(const O& opt, options o) : exponential_lr(opt.lr(), o) {}
  // base_lr * gamma^epoch.
  double operator()(long epoch) const {
    return base_lr() * std::pow(opt_.gamma, double(epoch));
  }
  constexpr const options& get_options() const noexcept { return opt_; }

 private:
  options opt_;
};

// PyTorch's CosineAnnealingLR: from base_lr down to eta_min over T_max epochs along half a cosine.
class cosine_annealing_lr : public detail::lr_schedule<cosine_annealing_lr> {
 public:
  struct options {
    long T_max = 0;  // required, at least 1 (PyTorch's name)
    double eta_min = 0;
  };
  constexpr cosine_annealing_lr(double base_lr, options o) : lr_schedule(base_lr), opt_(o) {
    if (o.T_max < 1)
      throw std::invalid_argument("tapeless::cosine_annealing_lr: T_max must be >= 1");
  }
  template <LearningRateOptimizer O>
  constexpr cosine_annealing_lr(const O& opt, options o) : cosine_annealing_lr(opt.lr(), o) {}
  // eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2.
  double operator()(long epoch) const {
    const double phase = std::numbers::pi * double(epoch) / double(opt_.T_max);
    return opt_.eta_min + (base_lr() - opt_.eta_min) * (1 + std::cos(phase)) / 2;
  }
  constexpr const options& get_options() const noexcept { return opt_; }

 private:
  options opt_;
};

}  // namespace tapeless
