// The Neural ODE demo of torchdiffeq (examples/ode_demo.py), with the adjoint method on
// Boost.Odeint.
//
// True dynamics dy/dt = (y^3) A, y a row vector, A = [[-0.1, 2.0], [-2.0, -0.1]], y0 = [2, 0],
// sampled 1000 times on [0, 25]. The model is an MLP on y^3, Linear(2, 50) -> tanh ->
// Linear(50, 2), trained with RMSprop (lr 1e-3) on mini-batches of 20 random windows of 10
// consecutive samples, loss the mean absolute error, every gradient by the adjoint method (dopri5).
//
//   spiral                 1000 iterations, on every core
//   spiral --full          the demo's 2000 iterations
//   spiral --threads N     the 20 windows of each mini-batch on N threads (the losses printed do
//                          not depend on N: the batch gradient is reduced in window order)
//   spiral --float         the whole Neural ODE in float32
//   spiral --iterations N  --out DIR  --seed S
//
// The total loss (the whole trajectory's mean absolute error, every 20 iterations) swings as
// RMSprop moves; the fit written at the end is the best one seen, as its line says.
//
// Prints progress lines and writes, into DIR (default: the working directory), spiral.csv (t, true
// and fitted trajectory), spiral.gp (a gnuplot script for it) and, when gnuplot is on PATH,
// spiral.png (trajectories over time and the phase portrait).
#include <algorithm>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <tapeless/odeint.hpp>
#include <thread>
#include <type_traits>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>
#include <vector>

#include "cli.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr std::size_t data_size = 1000, batch_time = 10, batch_size = 20, test_freq = 20;

constexpr auto y = tl::var<"y", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto A = tl::var<"A", 2, 2>;
constexpr auto W1 = tl::var<"W1", 50, 2>;
constexpr auto b1 = tl::var<"b1", 50>;
constexpr auto W2 = tl::var<"W2", 2, 50>;
constexpr auto b2 = tl::var<"b2", 2>;
constexpr auto Z = tl::var<"Z", batch_time, 2>;  // the model's states at the window's times
constexpr auto Y = tl::var<"Y", batch_time, 2>;  // the true ones
using vec2 = tl::vector<double, 2>;

struct settings {
  std::size_t iterations = 1000;
  std::filesystem::path out = ".";
  unsigned seed = 0;
  std::size_t threads = 0;  // 0: every hardware thread
  bool use_float = false;
};

settings parse(int argc, char** argv) {
  settings s;
  cli::args args(argc, argv, "spiral",
                 "[--full] [--iterations N] [--threads N] [--float] [--out DIR] [--seed S]");
  while (args.next()) {
    if (args.is("--full"))
      s.iterations = 2000;
    else if (args.is("--iterations"))
      s.iterations = args.number<std::size_t>();
    else if (args.is("--threads"))
      s.threads = args.number<std::size_t>();
    else if (args.is("--float"))
      s.use_float = true;
    else if (args.is("--out"))
      s.out = args.value();
    else if (args.is("--seed"))
      s.seed = args.number<unsigned>();
    else
      args.reject();
  }
  return s;
}

template <class Vec>
double mean_abs_error(const std::vector<Vec>& a, const std::vector<Vec>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    s += std::abs(double(a[i][0] - b[i][0])) + std::abs(double(a[i][1] - b[i][1]));
  return s / double(2 * a.size());
}

void write_csv(const std::filesystem::path& file, const std::vector<double>& ts,
               const std::vector<vec2>& truth, const std::vector<vec2>& fit) {
  std::ofstream out(file);
  out << "t,true_x,true_y,fit_x,fit_y\n";
  for (std::size_t i = 0; i < ts.size(); ++i)
    out << ts[i] << ',' << truth[i][0] << ',' << truth[i][1] << ',' << fit[i][0] << ',' << fit[i][1]
        << '\n';
}

// Writes dir/spiral.gp, a gnuplot script that draws dir/spiral.csv into dir/spiral.png; its paths
// are relative to dir, so `gnuplot spiral.gp` in that folder redraws the plot.
void write_plot_script(const std::filesystem::path& dir) {
  std::ofstream gp(dir / "spiral.gp");
  gp << "# Run in this folder: gnuplot spiral.gp\n"
     << "set terminal pngcairo size 1400,600 font ',11'\n"
     << "set output 'spiral.png'\n"
     << "set datafile separator ','\n"
     << "set key top right\n"
     << "set multiplot layout 1,2 title 'Neural ODE fit of the spiral (adjoint method, dopri5)'\n"
     << "set title 'Trajectories'\nset xlabel 't'\nset ylabel 'x, y'\n"
     << "plot 'spiral.csv' using 1:2 every ::1 with lines lw 2 lc rgb '#2e7d32' title 'true x', "
     << "'' using 1:3 every ::1 with lines lw 2 lc rgb '#1565c0' title 'true y', "
     << "'' using 1:4 every ::1 with lines dt 2 lw 2 lc rgb '#66bb6a' title 'fitted x', "
     << "'' using 1:5 every ::1 with lines dt 2 lw 2 lc rgb '#64b5f6' title 'fitted y'\n"
     << "set title 'Phase portrait'\nset xlabel 'x'\nset ylabel 'y'\nset size ratio -1\nset key "
        "below\n"
     << "plot 'spiral.csv' using 2:3 every ::1 with lines lw 2 lc rgb '#2e7d32' title 'true', "
     << "'' using 4:5 every ::1 with lines dt 2 lw 2 lc rgb '#1565c0' title 'fitted'\n"
     << "unset multiplot\n";
}

// A path as one single-quoted word for the shell.
std::string shell_quoted(const std::filesystem::path& p) {
  std::string q = "'";
  for (const char c : p.string()) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs gnuplot on dir/spiral.gp, in dir.
bool run_gnuplot(const std::filesystem::path& dir) {
  const auto command =
      "cd " + shell_quoted(std::filesystem::absolute(dir)) + " && gnuplot spiral.gp";
  return std::system(command.c_str()) == 0;
}
// Trains the model in scalar type V (double, or float with --float) and writes the results.
template <class V>
int train(const settings& cfg) {
  using vec = tl::vector<V, 2>;
  using state = std::array<V, 2>;
  // ---- the data: the true spiral, solved in double and then held in V ----
  std::vector<double> ts(data_size);
  for (std::size_t i = 0; i < data_size; ++i) ts[i] = 25.0 * double(i) / double(data_size - 1);
  const tl::matrix<double, 2, 2> true_A{{-0.1, 2.0, -2.0, -0.1}};
  const auto truth_d = tlo::solve(tlo::ode(tl::matmul(tl::pow<3>(y), A), y, t), vec2{{2.0, 0.0}},
                                  ts, tl::at(A = true_A), tlo::options{},
                                  ode::runge_kutta_dopri5<std::array<double, 2>>{});
  std::vector<vec> truth(data_size);
  std::vector<V> tv(data_size);
  for (std::size_t i = 0; i < data_size; ++i) {
    truth[i] = vec{{V(truth_d[i][0]), V(truth_d[i][1])}};
    tv[i] = V(ts[i]);
  }
  // [float]
  // dopri5 with torchdiffeq's default tolerances (rtol 1e-7, atol 1e-9) in double; float32
  // cannot resolve those, so it gets rtol 1e-5, atol 1e-6.
  tlo::options opt;
  if constexpr (std::is_same_v<V, float>) {
    opt.rtol = 1e-5;
    opt.atol = 1e-6;
  }
  const ode::runge_kutta_dopri5<state, V> dopri5;  // state = std::array<V, 2>: V is the value type
  // [/float]

  // ---- the model: an MLP on y^3 ----
  // [model]
  const auto model = tlo::ode(tl::matmul(W2, tl::tanh(tl::matmul(W1, tl::pow<3>(y)) + b1)) + b2, y,
                              t, tl::wrt(W1, b1, W2, b2));
  std::mt19937 gen(cfg.seed);
  std::normal_distribution<double> normal(0.0, 0.1);  // the demo's init: N(0, 0.1), biases 0
  tl::matrix<V, 50, 2> w1{};
  tl::matrix<V, 2, 50> w2{};
  for (auto& x : w1.data) x = V(normal(gen));
  for (auto& x : w2.data) x = V(normal(gen));
  auto params = tl::at(W1 = w1, b1 = tl::vector<V, 50>{}, W2 = w2, b2 = vec{});
  tl::rmsprop<decltype(params)> optimizer(params, {.lr = 1e-3});
  // [/model]

  std::array<V, batch_time> window_t{};
  std::copy_n(tv.begin(), batch_time, window_t.begin());  // batch_t = t[:batch_time]
  std::vector<std::size_t> starts(data_size - batch_time);
  std::iota(starts.begin(), starts.end(), std::size_t{0});
  std::vector<tl::matrix<V, batch_time, 2>> windows(batch_size);

  const std::size_t threads = cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  std::printf(
      "Neural ODE spiral (%s): %zu iterations, batches of %zu windows of %zu samples, RMSprop lr "
      "1e-3, %zu threads\n",
      std::is_same_v<V, float> ? "float32" : "float64", cfg.iterations, batch_size, batch_time,
      threads);
  const auto test_loss = [&](const auto& p) {
    return mean_abs_error(tlo::solve(model, truth[0], tv, p, opt, dopri5), truth);
  };
  const double initial = test_loss(params);
  std::printf("iter %4d | total loss %.6f\n", 0, initial);
  double best = initial, batch_loss = 0;
  std::size_t best_it = 0, rhs = 0, since = 0;
  auto best_params = params;
  const auto started = std::chrono::steady_clock::now();
  auto clock = started;
  for (std::size_t it = 1; it <= cfg.iterations; ++it) {
    // 20 windows, distinct starts (np.random.choice without replacement)
    std::shuffle(starts.begin(), starts.end(), gen);
    // [batch]
    for (std::size_t b = 0; b < batch_size; ++b)
      for (std::size_t i = 0; i < batch_time; ++i)
        for (std::size_t j = 0; j < 2; ++j) windows[b](i, j) = truth[starts[b] + i][j];
    // One item per window: its own initial state, data and step size; all cores; the mean
    // gradient is reduced in window order, so it is the same for any number of threads.
    auto window = [&](std::size_t b) {
      return tlo::item(tlo::loss(tl::mean(tl::abs(Z - Y)), Z, Y = std::cref(windows[b])),
                       truth[starts[b]], window_t);
    };
    const auto r = tlo::odeint_adjoint_batch(model, batch_size, window, params, opt, dopri5,
                                             {.threads = threads});
    optimizer.step(params, r.dparams_mean);
    // [/batch]
    batch_loss = double(r.loss_mean);
    rhs += r.stats.forward_rhs + r.stats.backward_rhs + r.stats.reintegration_rhs +
           r.stats.interpolation_evals;
    ++since;
    if (it % test_freq == 0 || it == cfg.iterations) {
      const auto now = std::chrono::steady_clock::now();
      const double secs = std::chrono::duration<double>(now - clock).count();
      const double total = test_loss(params);
      if (total < best) {
        best = total;
        best_it = it;
        best_params = params;
      }
      std::printf(
          "iter %4zu | total loss %.6f | batch loss %.6f | %.1f it/s | %zu evaluations/it\n", it,
          total, batch_loss, double(since) / secs, rhs / since);
      std::fflush(stdout);
      clock = std::chrono::steady_clock::now();
      since = 0;
      rhs = 0;
    }
  }
  const double train_secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("trained %zu iterations in %.2f s (%.1f it/s, %zu threads)\n", cfg.iterations,
              train_secs, double(cfg.iterations) / train_secs, threads);
  std::printf("best total loss %.6f at iteration %zu (from %.6f, %.0f%% lower)\n", best, best_it,
              initial, 100.0 * (initial - best) / initial);

  // ---- results: the best model ----
  const auto fit_v = tlo::solve(model, truth[0], tv, best_params, opt, dopri5);
  std::vector<vec2> fit(data_size), truth2(data_size);
  for (std::size_t i = 0; i < data_size; ++i) {
    fit[i] = vec2{{double(fit_v[i][0]), double(fit_v[i][1])}};
    truth2[i] = vec2{{double(truth[i][0]), double(truth[i][1])}};
  }
  const auto csv = cfg.out / "spiral.csv";
  write_csv(csv, ts, truth2, fit);
  write_plot_script(cfg.out);
  std::printf("wrote %s\n", std::filesystem::absolute(csv).string().c_str());
  std::printf("wrote %s\n", std::filesystem::absolute(cfg.out / "spiral.gp").string().c_str());
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0)
    std::printf("gnuplot not found: no plot (install gnuplot, then run gnuplot spiral.gp in %s)\n",
                cfg.out.string().c_str());
  else if (run_gnuplot(cfg.out))
    std::printf("wrote %s\n", std::filesystem::absolute(cfg.out / "spiral.png").string().c_str());
  else
    std::fprintf(stderr, "spiral: gnuplot failed on %s\n",
                 (cfg.out / "spiral.gp").string().c_str());
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  const settings cfg = parse(argc, argv);
  std::filesystem::create_directories(cfg.out);
  return cfg.use_float ? train<float>(cfg) : train<double>(cfg);
}
