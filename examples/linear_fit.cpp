// The seed tutorial's linear fit, in tapeless.
//
// Part 1 reproduces the tutorial's numbers exactly: the loss 4, both gradients -0.25 in every
// entry, what accumulation does (-0.5) and how reset() undoes it, one SGD step with learning rate
// 0.01 (1.0025), and the derivative expressions themselves, printed (the answer to PyTorch's
// grad_fn). Part 2 trains on data where w and b are identifiable and recovers them.
#include <cmath>
#include <cstdio>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

#include "cli.hpp"

namespace tl = tapeless;
using mat = tl::matrix<double, 2, 2>;

// [model]
// The model: y = w * x + b, element-wise on 2x2 matrices.
constexpr auto w = tl::var<"param_w", 2, 2>;
constexpr auto b = tl::var<"param_b", 2, 2>;
constexpr auto x = tl::var<"x", 2, 2>;
constexpr auto y = tl::var<"true_y", 2, 2>;
constexpr auto prediction = w * x + b;
// [/model]

void print(const char* label, const mat& m) {
  std::printf("%s[[%g, %g], [%g, %g]]\n", label, m(0, 0), m(0, 1), m(1, 0), m(1, 1));
}

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "linear_fit");
  const mat true_w{{2, 3, 4, 5}}, true_b{{1, 2, 3, 4}}, ones = mat::filled(1.0);

  // ---- Part 1: the seed, number for number ---------------------------------------------------
  // [seed]
  const auto loss = tl::mean_difference(prediction, y);  // mean(true_y - predict_y)
  const auto data = tl::at(x = ones, y = tl::eval(true_w * x + true_b, x = ones));
  auto params = tl::at(w = ones, b = ones);

  std::printf("loss expression: %s\n", tl::to_string(loss).c_str());
  std::printf("loss = %g\n", tl::eval(loss, params, data));

  // The backward rule of every node is known from the type, so the gradient is an expression
  // that can be printed (PyTorch shows grad_fn=<MeanBackward0> instead).
  std::printf("d loss / d param_w = %s\n", tl::to_string(tl::d(loss, w)).c_str());
  std::printf("d loss / d param_b = %s\n", tl::to_string(tl::d(loss, b)).c_str());

  const auto g = tl::grad(loss, tl::wrt(w, b), params, data);
  print("grad param_w = ", g[w]);
  print("grad param_b = ", g[b]);
  // [/seed]

  // [accumulate]
  // Gradients are values returned by a call: they add up only when asked to.
  tl::accumulator acc(g);
  acc.add(g);
  acc.add(tl::grad(loss, tl::wrt(w, b), params, data));
  print("accumulated twice, param_w = ", acc.sum()[w]);
  acc.reset();
  acc.add(g);
  print("after reset and one add, param_w = ", acc.sum()[w]);

  tl::sgd opt(params, {.lr = 0.01});
  opt.step(params, acc.sum());
  print("after one SGD step (lr 0.01), param_w = ", params[w]);
  print("after one SGD step (lr 0.01), param_b = ", params[b]);
  // [/accumulate]

  // ---- Part 2: identifiable data, trained to the true parameters ----------------------------
  // With x = ones only w + b is determined; samples with different x pin down both.
  constexpr int n = 8;
  mat xs[n];
  unsigned state = 12345u;
  for (auto& xm : xs)
    for (auto& v : xm) {
      state = state * 1664525u + 1013904223u;  // a fixed LCG: the run is reproducible
      v = -1.0 + 2.0 * (state >> 8) / double(1u << 24);
    }

  // [train]
  const auto mse = tl::mse(prediction, y);
  params = tl::at(w = ones, b = ones);
  tl::sgd train(params, {.lr = 0.5, .momentum = 0.9});
  tl::accumulator batch(g);
  double err = 1.0;
  int step = 0;
  for (; step < 2000 && err > 1e-7; ++step) {
    batch.reset();
    double total = 0;
    for (const auto& xm : xs) {
      const auto sample = tl::at(x = xm, y = tl::eval(true_w * x + true_b, x = xm));
      const auto r = tl::value_and_grad(mse, tl::wrt(w, b), params, sample);
      total += r.value;
      batch.add(r.gradient);
    }
    train.step(params, batch.mean());
    err = 0;
    for (std::size_t i = 0; i < 4; ++i)
      err = std::fmax(err, std::fmax(std::fabs(params[w][i] - true_w[i]), std::fabs(params[b][i] - true_b[i])));
    if (step % 20 == 0)
      std::printf("step %4d  mse %.3e  max |param - true| %.3e\n", step, total / n, err);
  }
  // [/train]
  std::printf("converged after %d steps: max |param - true| = %.3e\n", step, err);
  print("param_w = ", params[w]);
  print("param_b = ", params[b]);
  return err < 1e-6 ? 0 : 1;
}
