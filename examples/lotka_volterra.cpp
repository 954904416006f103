// Recover the four parameters of a Lotka-Volterra system from noisy samples of its trajectory.
//
//   dx/dt = alpha x - beta x y        (prey)
//   dy/dt = delta x y - gamma y       (predators)
//
// The data are 21 samples on [0, 5] of the true system (alpha, beta, gamma, delta) = (1.5, 1, 3, 1)
// with Gaussian noise (sd 0.02); the fit starts some 20% off, minimises the squared error with
// Adam, every gradient by the adjoint method (checkpointed, dopri5).
#include <array>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <cmath>
#include <cstdio>
#include <random>
#include <tapeless/odeint.hpp>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

#include "cli.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr std::size_t samples = 21;
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto alpha = tl::var<"alpha">;
constexpr auto beta = tl::var<"beta">;
constexpr auto gamma_ = tl::var<"gamma">;
constexpr auto delta = tl::var<"delta">;
constexpr auto Z = tl::var<"Z", samples, 2>;  // the model's states at the sample times
constexpr auto D = tl::var<"D", samples, 2>;  // the noisy data
}  // namespace

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "lotka_volterra");
  // [model]
  const auto x = tl::component<0>(z);
  const auto y = tl::component<1>(z);
  const auto model = tlo::ode(tl::stack(alpha * x - beta * x * y, delta * x * y - gamma_ * y), z, t,
                              tl::wrt(alpha, beta, gamma_, delta));
  // [/model]
  std::printf("dynamics: %s\n", tl::to_string(model.expression()).c_str());

  // ---- data: the true system, sampled with noise ----
  // [data]
  const double truth[4] = {1.5, 1.0, 3.0, 1.0};
  const tl::vector<double, 2> z0{{1.0, 1.0}};
  std::array<double, samples> times{};
  for (std::size_t i = 0; i < samples; ++i) times[i] = 0.25 * double(i);
  tlo::options opt;
  opt.rtol = opt.atol = 1e-8;
  const ode::runge_kutta_dopri5<std::array<double, 2>> dopri5;
  const auto clean = tlo::solve(
      model, z0, times,
      tl::at(alpha = truth[0], beta = truth[1], gamma_ = truth[2], delta = truth[3]), opt, dopri5);
  std::mt19937 gen(42);
  std::normal_distribution<double> noise(0.0, 0.02);
  tl::matrix<double, samples, 2> data = clean;
  for (auto& v : data.data) v += noise(gen);
  // [/data]

  // ---- fit: squared error, Adam ----
  // [fit]
  const auto objective = tlo::loss(tl::sum(tl::square(Z - D)), Z, D = std::cref(data));
  auto params = tl::at(alpha = 1.2, beta = 0.8, gamma_ = 2.5, delta = 0.8);  // a guess, ~20% off
  tl::adam<decltype(params)> adam(params, {.lr = 2e-2});
  for (int it = 0; it <= 1000; ++it) {
    const auto r = tlo::odeint_adjoint(model, objective, z0, times, params, opt, dopri5);
    // r.loss, r.dz0, r.dparams[alpha], ..., r.dtimes[i], r.states, r.stats
    if (it % 100 == 0)
      std::printf("iter %4d | loss %.6f | alpha %.4f beta %.4f gamma %.4f delta %.4f\n", it, r.loss,
                  params[alpha], params[beta], params[gamma_], params[delta]);
    adam.step(params, r.dparams);
  }
  // [/fit]

  const double fitted[4] = {params[alpha], params[beta], params[gamma_], params[delta]};
  const char* names[4] = {"alpha", "beta", "gamma", "delta"};
  double worst = 0;
  for (int i = 0; i < 4; ++i) {
    const double err = std::abs(fitted[i] - truth[i]) / truth[i];
    worst = std::max(worst, err);
    std::printf("%-5s = %.4f (true %.1f, error %.2f%%)\n", names[i], fitted[i], truth[i],
                100 * err);
  }
  std::printf("%s: every parameter within %.2f%% of the truth\n",
              worst < 0.02 ? "recovered" : "NOT recovered", 100 * worst);
  return worst < 0.02 ? 0 : 1;
}
