// One spiral training iteration (examples/spiral.cpp: 20 windows of 10 samples, the 2-50-2 MLP
// on y^3, dopri5, one odeint_adjoint_batch call) on 1 thread and on N threads, in one run:
// paired rounds, one iteration of each back to back in alternating order, the speed-up taken
// per round and its median reported. It also checks, before timing, that both thread counts give
// the same bits. Then the defaults against stopping at every observation, and the start-up of a
// batch on the kept threads against threads started per batch.
//
//   build-bench/benchmark/bench_batch [--rounds N] [--threads N]
#include <algorithm>
#include <array>
#include <atomic>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <tapeless/odeint.hpp>
#include <tapeless/tapeless.hpp>
#include <thread>
#include <vector>

#include "paired.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr std::size_t data_size = 1000, batch_time = 10, batch_size = 20;
constexpr auto y = tl::var<"y", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto A = tl::var<"A", 2, 2>;
constexpr auto W1 = tl::var<"W1", 50, 2>;
constexpr auto b1 = tl::var<"b1", 50>;
constexpr auto W2 = tl::var<"W2", 2, 50>;
constexpr auto b2 = tl::var<"b2", 2>;
constexpr auto Z = tl::var<"Z", batch_time, 2>;
constexpr auto Y = tl::var<"Y", batch_time, 2>;
using vec2 = tl::vector<double, 2>;
using state = std::array<double, 2>;

using bench::quantile;
double median(const std::vector<double>& v) { return quantile(v, 0.5); }
}  // namespace

int main(int argc, char** argv) {
  std::size_t rounds = 40, threads = std::max(2u, std::thread::hardware_concurrency());
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
      rounds = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      threads = std::strtoul(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: bench_batch [--rounds N] [--threads N]\n");
      return 2;
    }
  }
  // The spiral's data and a model part-way through training (random weights, seed 0).
  std::vector<double> ts(data_size);
  for (std::size_t i = 0; i < data_size; ++i) ts[i] = 25.0 * double(i) / double(data_size - 1);
  const tlo::options opt;
  const ode::runge_kutta_dopri5<state> dopri5;
  const auto truth = tlo::solve(tlo::ode(tl::matmul(tl::pow<3>(y), A), y, t), vec2{{2.0, 0.0}}, ts,
                                tl::at(A = tl::matrix<double, 2, 2>{{-0.1, 2.0, -2.0, -0.1}}),
                                opt, dopri5);
  const auto model = tlo::ode(tl::matmul(W2, tl::tanh(tl::matmul(W1, tl::pow<3>(y)) + b1)) + b2, y,
                              t, tl::wrt(W1, b1, W2, b2));
  std::mt19937 gen(0);
  std::normal_distribution<double> normal(0.0, 0.1);
  tl::matrix<double, 50, 2> w1{};
  tl::matrix<double, 2, 50> w2{};
  for (auto& x : w1.data) x = normal(gen);
  for (auto& x : w2.data) x = normal(gen);
  const auto params = tl::at(W1 = w1, b1 = tl::vector<double, 50>{}, W2 = w2, b2 = vec2{});
  std::array<double, batch_time> window_t{};
  std::copy_n(ts.begin(), batch_time, window_t.begin());
  std::vector<tl::matrix<double, batch_time, 2>> windows(batch_size);
  std::vector<std::size_t> starts(batch_size);
  for (std::size_t b = 0; b < batch_size; ++b) {
    starts[b] = 47 * b;
    for (std::size_t i = 0; i < batch_time; ++i)
      for (std::size_t j = 0; j < 2; ++j) windows[b](i, j) = truth[starts[b] + i][j];
  }
  auto window = [&](std::size_t b) {
    return tlo::item(tlo::loss(tl::mean(tl::abs(Z - Y)), Z, Y = std::cref(windows[b])),
                     truth[starts[b]], window_t);
  };
  auto iteration = [&](std::size_t n) {
    return tlo::odeint_adjoint_batch(model, batch_size, window, params, opt, dopri5,
                                     {.threads = n});
  };
  const auto one = iteration(1), many = iteration(threads);
  if (!(one.losses == many.losses) || !(one.dparams_mean[W1] == many.dparams_mean[W1])) {
    std::fprintf(stderr, "check failed: %zu threads differ from 1 thread\n", threads);
    return 1;
  }
  auto seconds = [&](std::size_t n) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = iteration(n);
    bench::escape(&r);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::vector<double> t1, tn, speedup;
  for (std::size_t r = 0; r < rounds; ++r) {
    double a, b;
    if (r % 2 == 0) {
      a = seconds(1);
      b = seconds(threads);
    } else {
      b = seconds(threads);
      a = seconds(1);
    }
    t1.push_back(a * 1e3);
    tn.push_back(b * 1e3);
    speedup.push_back(a / b);
  }
  const auto evals = [](const tlo::solve_stats& s) {
    return s.forward_rhs + s.backward_rhs + s.reintegration_rhs + s.interpolation_evals;
  };
  std::printf("spiral iteration (%zu windows, %zu evaluations), %zu paired rounds\n", batch_size,
              evals(one.stats), rounds);
  std::printf("%-10s %10s %10s\n", "threads", "ms/iter", "speed-up");
  std::printf("%-10d %10.3f %10s\n", 1, median(t1), "1");
  std::printf("%-10zu %10.3f %10.2f (q25 %.2f, q75 %.2f)\n", threads, median(tn), median(speedup),
              quantile(speedup, 0.25), quantile(speedup, 0.75));

  // The defaults against the forward pass that stops at every observation time and a backward
  // pass that re-integrates every segment (the defaults before options::interpolate_observations
  // and options::reuse_forward_steps), both on all threads, paired the same way.
  tlo::options stop = opt;
  stop.interpolate_observations = false;
  stop.reuse_forward_steps = false;
  auto old_iteration = [&] {
    return tlo::odeint_adjoint_batch(model, batch_size, window, params, stop, dopri5,
                                     {.threads = threads});
  };
  const auto before = old_iteration();
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < 50 * 2; ++i) {  // W1 is 50 x 2
    const double old_g = before.dparams_mean[W1].data[i], new_g = one.dparams_mean[W1].data[i];
    worst = std::max(worst, std::abs(old_g - new_g));
    scale = std::max(scale, std::abs(old_g));
  }
  std::vector<double> told, tnew, ratio;
  for (std::size_t r = 0; r < rounds; ++r) {
    const auto time_one = [&](auto&& f) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto res = f();
      bench::escape(&res);
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e3;
    };
    double a, b;
    if (r % 2 == 0) {
      a = time_one([&] { return iteration(threads); });
      b = time_one(old_iteration);
    } else {
      b = time_one(old_iteration);
      a = time_one([&] { return iteration(threads); });
    }
    tnew.push_back(a);
    told.push_back(b);
    ratio.push_back(a / b);
  }
  std::printf("\n%zu threads: defaults against stopping at every observation and re-integrating\n",
              threads);
  std::printf("%-34s %10s %12s\n", "", "ms/iter", "evaluations");
  std::printf("%-34s %10.3f %12zu  (forward %zu, backward %zu, re-integration %zu, nodes %zu)\n",
              "defaults", median(tnew), evals(one.stats), one.stats.forward_rhs,
              one.stats.backward_rhs, one.stats.reintegration_rhs, one.stats.interpolation_evals);
  std::printf("%-34s %10.3f %12zu  (forward %zu, backward %zu, re-integration %zu, nodes %zu)\n",
              "stop at observations, re-integrate", median(told), evals(before.stats),
              before.stats.forward_rhs, before.stats.backward_rhs, before.stats.reintegration_rhs,
              before.stats.interpolation_evals);
  std::printf("ratio defaults / stopping: %.2f (q25 %.2f, q75 %.2f); mean loss %.9g vs %.9g, "
              "dL/dW1 differs by %.1e of its largest entry\n",
              median(ratio), quantile(ratio, 0.25), quantile(ratio, 0.75), one.loss_mean,
              before.loss_mean, worst / scale);

  // What a batch costs before its items: run_items with one empty item per thread on the kept
  // threads (odeint/detail/pool.hpp), against starting and joining a thread per helper for each
  // batch, as every batch did before the pool. 200 batches back to back per round, paired.
  std::atomic<std::size_t> sink{0};
  const auto nothing = [&](std::size_t i) { sink.fetch_add(i, std::memory_order_relaxed); };
  constexpr int calls = 200;
  const auto per_batch = [&](auto&& batch) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < calls; ++k) batch();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls * 1e6;
  };
  std::vector<double> kept, started;
  for (std::size_t r = 0; r < rounds; ++r) {
    kept.push_back(
        per_batch([&] { (void)tlo::detail::run_items(threads, {.threads = threads}, nothing); }));
    started.push_back(per_batch([&] {
      std::vector<std::jthread> own;
      for (std::size_t h = 1; h < threads; ++h) own.emplace_back([&, h] { nothing(h); });
      nothing(0);
    }));
  }
  std::printf("\nstart-up of a batch of %zu empty items: %.1f us on the kept threads, %.1f us "
              "with threads started for it (medians)\n",
              threads, median(kept), median(started));
}
