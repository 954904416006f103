// Recover the four parameters of a Lotka-Volterra system from noisy samples of its trajectory.
//
//   dx/dt = alpha x - beta x y        (prey)
//   dy/dt = delta x y - gamma y       (predators)
//
//   lotka_volterra                   the built-in data set (below), made in memory
//   lotka_volterra --data FILE       a CSV with header t,x,y: the first row is the initial state,
//                                    then any number of rows, times increasing, any spacing
//   lotka_volterra --write-data FILE writes the built-in data set as such a CSV
//
// The built-in data are 21 samples on [0, 5] of the true system (alpha, beta, gamma, delta) =
// (1.5, 1, 3, 1) with Gaussian noise (sd 0.02); examples/data/lotka_volterra.csv is that set. The
// fit starts some 20% off and minimises the squared error summed over the observations with Adam,
// then polishes Adam's result with L-BFGS (strong-Wolfe line search) to the least-squares minimum;
// every gradient is by the adjoint method (checkpointed, dopri5). The number of observations is
// whatever the data have: nothing about it is fixed at compile time.
#include <algorithm>
#include <array>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tapeless/odeint.hpp>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>
#include <vector>

#include "cli.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto alpha = tl::var<"alpha">;
constexpr auto beta = tl::var<"beta">;
constexpr auto gamma_ = tl::var<"gamma">;
constexpr auto delta = tl::var<"delta">;
constexpr auto zi = tl::var<"zi", 2>;  // the model's state at one observation time
constexpr auto di = tl::var<"di", 2>;  // the data there
using vec2 = tl::vector<double, 2>;

struct data_set {
  std::vector<double> times;
  std::vector<vec2> rows;  // rows[0] is the initial state
};

// Reads a CSV with header t,x,y; exits with a message naming the file and line on bad input.
data_set read_csv(const std::string& file) {
  std::ifstream in(file);
  auto fail = [&](std::size_t line, const std::string& what) {
    std::fprintf(stderr, "lotka_volterra: %s:%zu: %s\n", file.c_str(), line, what.c_str());
    std::exit(1);
  };
  if (!in) fail(0, "cannot open the file");
  std::string line;
  if (!std::getline(in, line) || line.substr(0, 5) != "t,x,y") fail(1, "the header must be t,x,y");
  data_set d;
  for (std::size_t n = 2; std::getline(in, line); ++n) {
    if (line.empty() || line == "\r") continue;
    std::istringstream row(line);
    double v[3];
    char comma = 0;
    if (!(row >> v[0] >> comma) || comma != ',' || !(row >> v[1] >> comma) || comma != ',' ||
        !(row >> v[2]))
      fail(n, "expected three numbers t,x,y");
    if (!d.times.empty() && !(v[0] > d.times.back())) fail(n, "times must increase");
    d.times.push_back(v[0]);
    d.rows.push_back(vec2{{v[1], v[2]}});
  }
  if (d.times.size() < 2) fail(0, "at least two rows (the initial state and one observation) are needed");
  return d;
}
}  // namespace

int main(int argc, char** argv) {
  std::string data_file, write_file;
  cli::args args(argc, argv, "lotka_volterra", "[--data FILE] [--write-data FILE]");
  while (args.next()) {
    if (args.is("--data"))
      data_file = args.value();
    else if (args.is("--write-data"))
      write_file = args.value();
    else
      args.reject();
  }
  // [model]
  const auto x = tl::component<0>(z);
  const auto y = tl::component<1>(z);
  const auto model = tlo::ode(tl::stack(alpha * x - beta * x * y, delta * x * y - gamma_ * y), z, t,
                              tl::wrt(alpha, beta, gamma_, delta));
  // [/model]
  std::printf("dynamics: %s\n", tl::to_string(model.expression()).c_str());
  tlo::options opt;
  opt.rtol = opt.atol = 1e-8;
  const ode::runge_kutta_dopri5<std::array<double, 2>> dopri5;
  const double truth[4] = {1.5, 1.0, 3.0, 1.0};

  // ---- data: from the file, or the true system sampled with noise ----
  data_set data;
  if (!data_file.empty()) {
    data = read_csv(data_file);
  } else {
    // [data]
    data.times.resize(21);
    for (std::size_t i = 0; i < data.times.size(); ++i) data.times[i] = 0.25 * double(i);
    const vec2 z0{{1.0, 1.0}};
    data.rows = tlo::solve(
        model, z0, data.times,
        tl::at(alpha = truth[0], beta = truth[1], gamma_ = truth[2], delta = truth[3]), opt, dopri5);
    std::mt19937 gen(42);
    std::normal_distribution<double> noise(0.0, 0.02);
    for (std::size_t i = 1; i < data.rows.size(); ++i)  // row 0 is the initial state, exact
      for (auto& v : data.rows[i].data) v += noise(gen);
    // [/data]
  }
  if (!write_file.empty()) {
    std::ofstream out(write_file);
    out << "t,x,y\n";
    out.precision(17);
    for (std::size_t i = 0; i < data.times.size(); ++i)
      out << data.times[i] << ',' << data.rows[i][0] << ',' << data.rows[i][1] << '\n';
    std::printf("wrote %zu rows to %s\n", data.times.size(), write_file.c_str());
  }
  std::printf("data: %zu observations on [%g, %g]%s%s\n", data.times.size(),
              data.times.front(), data.times.back(), data_file.empty() ? "" : " from ",
              data_file.c_str());

  // ---- fit: squared error summed over the observations, Adam ----
  // [fit]
  const vec2 z0 = data.rows[0];
  const auto objective = tlo::observation_loss(tl::sum(tl::square(zi - di)), zi,
                                               tlo::each(di, data.rows), tlo::reduction::sum);
  auto params = tl::at(alpha = 1.2, beta = 0.8, gamma_ = 2.5, delta = 0.8);  // a guess, ~20% off
  tl::adam<decltype(params)> adam(params, {.lr = 2e-2});
  for (int it = 0; it <= 1000; ++it) {
    const auto r = tlo::odeint_adjoint(model, objective, z0, data.times, params, opt, dopri5);
    // r.loss, r.dz0, r.dparams[alpha], ..., r.dtimes[i], r.states[i], r.stats
    if (it % 100 == 0)
      std::printf("iter %4d | loss %.6f | alpha %.4f beta %.4f gamma %.4f delta %.4f\n", it, r.loss,
                  params[alpha], params[beta], params[gamma_], params[delta]);
    adam.step(params, r.dparams);
  }
  // [/fit]
  // How far the fit stands from the truth, and from the least-squares minimum (the largest
  // gradient component).
  auto worst_error = [&] {
    return std::max({std::abs(params[alpha] - truth[0]) / truth[0],
                     std::abs(params[beta] - truth[1]) / truth[1],
                     std::abs(params[gamma_] - truth[2]) / truth[2],
                     std::abs(params[delta] - truth[3]) / truth[3]});
  };
  auto gradient_max = [&] {
    const auto g =
        tlo::odeint_adjoint(model, objective, z0, data.times, params, opt, dopri5).dparams;
    return std::max({std::abs(g[alpha]), std::abs(g[beta]), std::abs(g[gamma_]),
                     std::abs(g[delta])});
  };
  const double adam_worst = worst_error(), adam_gradient = gradient_max();

  // ---- polish: L-BFGS from where Adam stopped, to the least-squares minimum ----
  // [polish]
  // (tolerance_change from PyTorch's 1e-9 down to 1e-15: this loss is 0.011, its steps near the
  // minimum change it by far less than 1e-9)
  tl::lbfgs<decltype(params)> lbfgs(params, {.max_iter = 50, .tolerance_change = 1e-15});
  const tl::lbfgs_result polished = lbfgs.step(params, [&](const auto& p) {
    return tlo::odeint_adjoint(model, objective, z0, data.times, p, opt, dopri5);  // loss, dparams
  });
  std::printf("L-BFGS: %ld iterations, %ld solves, loss %.9f -> %.9f (%s)\n", polished.iterations,
              polished.evaluations, polished.initial_loss, polished.loss,
              tl::to_string(polished.stop).c_str());
  // [/polish]
  std::printf("largest gradient component %.2e after Adam, %.2e after L-BFGS\n", adam_gradient,
              gradient_max());

  const double fitted[4] = {params[alpha], params[beta], params[gamma_], params[delta]};
  const char* names[4] = {"alpha", "beta", "gamma", "delta"};
  double worst = 0;
  for (int i = 0; i < 4; ++i) {
    const double err = std::abs(fitted[i] - truth[i]) / truth[i];
    worst = std::max(worst, err);
    std::printf("%-5s = %.6f (true %.1f, error %.3f%%)\n", names[i], fitted[i], truth[i],
                100 * err);
  }
  std::printf("after Adam alone, every parameter was within %.3f%% of the truth\n",
              100 * adam_worst);
  std::printf("%s: every parameter within %.3f%% of the truth\n",
              worst < 0.02 ? "recovered" : "NOT recovered", 100 * worst);
  return worst < 0.02 ? 0 : 1;
}
