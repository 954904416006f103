#pragma once
// Batches: B problems (B at run time) that share the model and the parameters, each with its own
// initial state, observation times and data, and each solved with its own adaptive step size.
//
//   auto item = [&](std::size_t i) {
//     return tlo::item(tlo::observation_loss(l, zi, tlo::each(yi, rows[i]), tlo::reduction::mean),
//                      z0s[i], times[i]);
//   };
//   auto r = tlo::odeint_adjoint_batch(model, B, item, tl::at(W = std::cref(w)), opts,
//                                      runge_kutta_dopri5<S>{}, tlo::batch_options{.threads = 4});
//   r.losses[i], r.items[i].dz0, r.loss_mean, r.dparams_mean[W], r.dparams_sum[W]
//
// How a batch is run and reduced (the whole policy, here only):
//  - items are handed out in increasing index order to the calling thread and the threads of a
//    pool kept from batch to batch (batch_options::threads in all, default all hardware threads;
//    1 runs them on the calling thread; detail/pool.hpp);
//  - every item's result is kept apart, and the sums are taken afterwards over i = 0, 1, ..., B-1
//    in that order, so the results are bitwise the same for any number of threads;
//  - an item that fails ends the batch: items not started yet are skipped, and the failure of the
//    lowest index (every lower item has run by then) is rethrown with "batch item i: " in front,
//    as the same exception type (solver_error keeps its failure and time). Nothing the caller
//    owns has been written.
#include <algorithm>
#include <atomic>
#include <boost/hana/for_each.hpp>
#include <boost/hana/keys.hpp>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adjoint.hpp"
#include "detail/pool.hpp"
#include "solve.hpp"

namespace tapeless::odeint {

struct batch_options {
  std::size_t threads = 0;  // 0: std::thread::hardware_concurrency()
};

// One item of a batch: its loss (loss(...) or observation_loss(...), bound to its own data), its
// initial state and its observation times. The item holds references: what they refer to must
// live until the batch call returns.
template <class Loss, class Z0, class Times>
struct batch_item {
  Loss loss;
  const Z0* z0;
  const Times* times;
};
template <class Loss, class Z0, class Times>
batch_item<Loss, Z0, Times> item(const Loss& loss, const Z0& z0, const Times& times) {
  return {loss, &z0, &times};
}
// An item of a forward batch (solve_batch): no loss.
template <class Z0, class Times>
struct solve_item {
  const Z0* z0;
  const Times* times;
};
template <class Z0, class Times>
solve_item<Z0, Times> item(const Z0& z0, const Times& times) {
  return {&z0, &times};
}

namespace detail {

inline std::size_t thread_count(const batch_options& bo, std::size_t items) {
  std::size_t n = bo.threads ? bo.threads : std::max(1u, std::thread::hardware_concurrency());
  return std::max<std::size_t>(1, std::min(n, items));
}

// A failed item's exception as plain data, so that it can be rethrown elsewhere (on another
// thread, or on every rank of an MPI job) as the same exception.
struct item_failure {
  enum class type : int { solver = 0, invalid_argument = 1, other = 2 };
  type what_type = type::other;
  failure kind = failure::non_finite_state;  // for a solver_error
  double time = 0;                           // for a solver_error
  std::string message;
};

inline item_failure describe_failure(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const solver_error& s) {
    return {item_failure::type::solver, s.kind(), s.time(), s.what()};
  } catch (const std::invalid_argument& s) {
    return {item_failure::type::invalid_argument, {}, 0, s.what()};
  } catch (const std::exception& s) {
    return {item_failure::type::other, {}, 0, s.what()};
  } catch (...) {
    return {item_failure::type::other, {}, 0, "an exception not derived from std::exception"};
  }
}

// "batch item i: what", as the exception's own type.
[[noreturn]] inline void throw_item_failure(std::size_t i, const item_failure& f) {
  const std::string what = "batch item " + std::to_string(i) + ": " + f.message;
  switch (f.what_type) {
    case item_failure::type::solver: throw solver_error(f.kind, f.time, what);
    case item_failure::type::invalid_argument: throw std::invalid_argument(what);
    default: throw std::runtime_error(what);
  }
}

// Runs work(i) for i in [0, count) on the pool; results are the caller's to keep per index.
// Returns the failure of the lowest index, if any (every lower item has run by then).
template <class Work>
std::optional<std::pair<std::size_t, std::exception_ptr>> run_items(std::size_t count,
                                                                    const batch_options& bo,
                                                                    Work&& work) {
  std::vector<std::exception_ptr> errors(count);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) return;
      try {
        work(i);
      } catch (...) {
        errors[i] = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  const std::size_t n = thread_count(bo, count);
  if (n == 1) {
    worker();
  } else if (!worker_pool::instance().run(n - 1, worker)) {
    // the pool is busy (a batch inside a batch item, or another thread's batch): threads of our own
    std::vector<std::jthread> own;
    own.reserve(n - 1);
    for (std::size_t t = 1; t < n; ++t) own.emplace_back(worker);
    worker();
  }  // the jthreads join here
  for (std::size_t i = 0; i < count; ++i)
    if (errors[i]) return std::pair{i, errors[i]};
  return std::nullopt;
}

template <class Work>
void run_batch(std::size_t count, const batch_options& bo, Work&& work) {
  if (const auto f = run_items(count, bo, std::forward<Work>(work)))
    throw_item_failure(f->first, describe_failure(f->second));
}

}  // namespace detail

// What odeint_adjoint_batch returns: every item's own result (loss, dz0, dparams, dtimes,
// states, stats, as from odeint_adjoint), and over the items, in index order, the summed and
// mean loss and parameter gradients.
template <class Item, class Grad, class V>
struct batch_result {
  std::vector<Item> items;
  std::vector<V> losses;
  V loss_sum;
  V loss_mean;
  Grad dparams_sum;
  Grad dparams_mean;
  solve_stats stats;  // summed over the items
};

inline void add_stats(solve_stats& a, const solve_stats& b) {
  a.forward_rhs += b.forward_rhs;
  a.backward_rhs += b.backward_rhs;
  a.jump_rhs += b.jump_rhs;
  a.reintegration_rhs += b.reintegration_rhs;
  a.interpolation_evals += b.interpolation_evals;
  a.jacobian_evals += b.jacobian_evals;
  a.forward_steps += b.forward_steps;
  a.backward_steps += b.backward_steps;
  a.rejected_steps += b.rejected_steps;
  a.forward_rejected_steps += b.forward_rejected_steps;
  a.backward_rejected_steps += b.backward_rejected_steps;
}

// odeint_adjoint for `count` items, item(i) -> tlo::item(loss, z0, times) for i in [0, count):
// one model and one set of parameters, each item with its own state, times, data and step size.
template <class Model, class ItemFn, class Params, class Stepper, class AdjointStepper>
auto odeint_adjoint_batch(const Model& model, std::size_t count, ItemFn&& item_of,
                          const Params& params, const options& opt, const Stepper& stepper,
                          const AdjointStepper& adjoint_stepper, const batch_options& bo) {
  using It = std::remove_cvref_t<decltype(item_of(std::size_t{0}))>;
  auto one = [&](const It& it) {
    return odeint_adjoint(model, it.loss, *it.z0, *it.times, params, opt, stepper,
                          adjoint_stepper);
  };
  using R = decltype(one(std::declval<const It&>()));
  using V = decltype(R::loss);
  using Grad = decltype(R::dparams);
  if (count == 0)
    throw std::invalid_argument("tapeless::odeint::odeint_adjoint_batch: the batch is empty");
  std::vector<std::optional<R>> slots(count);
  detail::run_batch(count, bo, [&](std::size_t i) { slots[i].emplace(one(item_of(i))); });

  batch_result<R, Grad, V> out{{}, {}, V(0), V(0), slots[0]->dparams, slots[0]->dparams, {}};
  out.items.reserve(count);
  out.losses.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    R& r = *slots[i];
    out.losses.push_back(r.loss);
    out.loss_sum += r.loss;
    add_stats(out.stats, r.stats);
    if (i > 0)
      boost::hana::for_each(boost::hana::keys(out.dparams_sum), [&](auto p) {
        detail::add_value(out.dparams_sum[p], r.dparams[p]);
      });
    out.items.push_back(std::move(r));
  }
  const V inv = V(1) / V(count);
  out.loss_mean = out.loss_sum * inv;
  boost::hana::for_each(boost::hana::keys(out.dparams_sum), [&](auto p) {
    out.dparams_mean[p] = out.dparams_sum[p];
    detail::scale_value(out.dparams_mean[p], inv);
  });
  return out;
}

// The same with the forward stepper for both directions.
template <class Model, class ItemFn, class Params, class Stepper>
auto odeint_adjoint_batch(const Model& model, std::size_t count, ItemFn&& item_of,
                          const Params& params, const options& opt, const Stepper& stepper,
                          const batch_options& bo = {}) {
  return odeint_adjoint_batch(model, count, std::forward<ItemFn>(item_of), params, opt, stepper,
                              stepper, bo);
}

// solve for `count` items, item(i) -> tlo::item(z0, times): every item's states, in index order.
template <class Model, class ItemFn, class Params, class Stepper>
auto solve_batch(const Model& model, std::size_t count, ItemFn&& item_of, const Params& params,
                 const options& opt, const Stepper& stepper, const batch_options& bo = {}) {
  using It = std::remove_cvref_t<decltype(item_of(std::size_t{0}))>;
  auto one = [&](const It& it) { return solve(model, *it.z0, *it.times, params, opt, stepper); };
  using R = decltype(one(std::declval<const It&>()));
  std::vector<std::optional<R>> slots(count);
  detail::run_batch(count, bo, [&](std::size_t i) { slots[i].emplace(one(item_of(i))); });
  std::vector<R> out;
  out.reserve(count);
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace tapeless::odeint
