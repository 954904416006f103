// Tutorial, optimizers: AdamW under a cosine learning-rate schedule with clipped gradients, then
// L-BFGS to finish, on Rosenbrock's function (minimum 0 at (1, 1)).
#include <cstdio>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

#include "../cli.hpp"

namespace tl = tapeless;

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "tutorial_optimizers");
  // [first-order]
  constexpr auto x = tl::var<"x">;
  constexpr auto y = tl::var<"y">;
  const auto rosenbrock = tl::square(1.0 - x) + 100.0 * tl::square(y - tl::square(x));
  auto params = tl::at(x = -1.2, y = 1.0);

  tl::adamw opt(params, {.lr = 0.05, .weight_decay = 0});
  tl::cosine_annealing_lr schedule(opt, {.T_max = 1000, .eta_min = 1e-4});  // from opt.lr()
  for (int epoch = 0; epoch < 1000; ++epoch) {
    auto g = tl::grad(rosenbrock, tl::wrt(x, y), params);
    const double norm = tl::clip_grad_norm(g, 10.0);  // rescaled to norm 10 when above
    if (epoch % 250 == 0)
      std::printf("epoch %4d  lr %.5f  |g| %8.3f  f %.6f\n", epoch, opt.lr(), norm,
                  tl::eval(rosenbrock, params));
    opt.step(params, g);
    schedule.step(opt);  // the epoch's learning rate: PyTorch's scheduler.step()
  }
  std::printf("AdamW: (x, y) = (%.6f, %.6f), f = %.3e\n", params[x], params[y],
              tl::eval(rosenbrock, params));
  // [/first-order]

  // [lbfgs]
  tl::lbfgs<decltype(params)> lbfgs(
      params, {.max_iter = 100, .tolerance_grad = 1e-10, .tolerance_change = 0});
  auto closure = [&](const auto& p) { return tl::value_and_grad(rosenbrock, tl::wrt(x, y), p); };
  const tl::lbfgs_result r = lbfgs.step(params, closure);
  std::printf("L-BFGS: %ld iterations, %ld evaluations, stopped on %s\n", r.iterations,
              r.evaluations, tl::to_string(r.stop).c_str());
  std::printf("(x, y) = (%.10f, %.10f), f = %.3e\n", params[x], params[y], r.loss);
  // [/lbfgs]
}
