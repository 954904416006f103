// The spiral demo's training, shared by spiral (one process) and spiral_mpi (the mini-batch split
// across MPI ranks): the data, the model, the RMSprop loop, the progress lines, the checkpoints
// and the results. What differs between the two is a Run policy:
//   run.root()                         this process prints and writes files (rank 0)
//   run.batch(model, B, item, params, opts, stepper, batch_options)   the batch's adjoint
//   run.share(params)                  every process starts from the root's parameters
//   run.check(params)                  (MPI) every rank holds the same parameters
//   run.save(file, entries...), run.load(file, entries...)   checkpoints
//   run.describe()                     "2 threads", "2 ranks x 1 thread"
// Both print the same progress lines for the same seed and iterations: the batch gradient is
// reduced in window order on any number of threads and ranks.
#pragma once
#include <algorithm>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <tapeless/odeint.hpp>
#include <thread>
#include <type_traits>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>
#include <tapeless/train/checkpoint.hpp>
#include <vector>

#include "cli.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace spiral {
constexpr std::size_t data_size = 1000, batch_time = 10, batch_size = 20, test_freq = 20;

constexpr auto y = tl::var<"y", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto A = tl::var<"A", 2, 2>;
constexpr tl::linear<"fc1", 2, 50> fc1;  // ode_demo's ODEFunc: Linear(2, 50), Tanh, Linear(50, 2)
constexpr tl::linear<"fc2", 50, 2> fc2;
constexpr auto Z = tl::var<"Z", batch_time, 2>;  // the model's states at the window's times
constexpr auto Y = tl::var<"Y", batch_time, 2>;  // the true ones
using vec2 = tl::vector<double, 2>;
}  // namespace spiral
#ifdef SPIRAL_SAFETENSORS  // (defined by the build when nlohmann_json is found)
#include "spiral_files.hpp"
#endif
namespace spiral {

struct settings {
  std::size_t iterations = 1000;
  std::filesystem::path out = ".";
  unsigned seed = 0;
  std::size_t threads = 0;  // 0: every hardware thread
  bool use_float = false;
  std::filesystem::path checkpoint;  // empty: no checkpoints
  std::size_t checkpoint_every = 100;
  std::size_t stop_after = 0;  // 0: never (otherwise: end abruptly after that iteration)
  std::filesystem::path save;  // the trained parameters to this safetensors file at the end
  std::filesystem::path load;  // the initial parameters from this safetensors file
};

inline settings parse(int argc, char** argv, const char* name) {
  settings s;
  cli::args args(argc, argv, name,
                 "[--full] [--iterations N] [--threads N] [--float] [--out DIR] [--seed S] "
                 "[--checkpoint DIR] [--checkpoint-every N] [--stop-after N] [--save FILE] "
                 "[--load FILE]");
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
    else if (args.is("--checkpoint"))
      s.checkpoint = args.value();
    else if (args.is("--checkpoint-every"))
      s.checkpoint_every = std::max<std::size_t>(1, args.number<std::size_t>());
    else if (args.is("--stop-after"))
      s.stop_after = args.number<std::size_t>();
    else if (args.is("--save"))
      s.save = args.value();
    else if (args.is("--load"))
      s.load = args.value();
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

inline void write_csv(const std::filesystem::path& file, const std::vector<double>& ts,
               const std::vector<vec2>& truth, const std::vector<vec2>& fit) {
  std::ofstream out(file);
  out << "t,true_x,true_y,fit_x,fit_y\n";
  for (std::size_t i = 0; i < ts.size(); ++i)
    out << ts[i] << ',' << truth[i][0] << ',' << truth[i][1] << ',' << fit[i][0] << ',' << fit[i][1]
        << '\n';
}

// A path as printed: as given, without "." or ".." parts (out/spiral.csv, not ./out/./spiral.csv).
inline std::string shown(const std::filesystem::path& p) {
  return p.lexically_normal().string();
}

// Writes dir/spiral.gp, a gnuplot script that draws dir/spiral.csv into dir/spiral.png; its paths
// are relative to dir, so `gnuplot spiral.gp` in that folder redraws the plot.
inline void write_plot_script(const std::filesystem::path& dir) {
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
inline std::string shell_quoted(const std::filesystem::path& p) {
  std::string q = "'";
  for (const char c : p.string()) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs gnuplot on dir/spiral.gp, in dir.
inline bool run_gnuplot(const std::filesystem::path& dir) {
  const auto command =
      "cd " + shell_quoted(std::filesystem::absolute(dir)) + " && gnuplot spiral.gp";
  return std::system(command.c_str()) == 0;
}
// Trains the model in scalar type V (double, or float with --float) and writes the results.
template <class V, class Run>
int train(const settings& cfg, Run& run) {
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
  const auto model = tlo::ode(fc2(tl::tanh(fc1(tl::pow<3>(y)))), y, t, tl::wrt(fc1, fc2));
  std::mt19937 gen(cfg.seed);
  // The demo's initialisation, weights N(0, 0.1) and biases 0 (with nn.Linear's default,
  // tl::parameters<V>(gen, fc1, fc2), this model ends 2-3x higher after 1000 iterations).
  auto params = tl::parameters<V>(gen, tl::init::normal{.std = 0.1}, fc1, fc2);
  tl::rmsprop<decltype(params)> optimizer(params, {.lr = 1e-3});
  // [/model]

  std::array<V, batch_time> window_t{};
  std::copy_n(tv.begin(), batch_time, window_t.begin());  // batch_t = t[:batch_time]
  std::vector<std::size_t> starts(data_size - batch_time);
  std::iota(starts.begin(), starts.end(), std::size_t{0});
  std::vector<tl::matrix<V, batch_time, 2>> windows(batch_size);

  const std::size_t threads =
      cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  const auto print = [&](const char* format, auto... a) {
    if (run.root()) std::printf(format, a...);
  };
  print("Neural ODE spiral (%s): %zu iterations, batches of %zu windows of %zu samples, RMSprop lr "
        "1e-3, %s, %s tanh\n",
        std::is_same_v<V, float> ? "float32" : "float64", cfg.iterations, batch_size, batch_time,
        run.describe(threads).c_str(), TAPELESS_SIMD ? "vectorised (xsimd)" : "scalar");
#ifndef SPIRAL_SAFETENSORS
  if (!cfg.save.empty() || !cfg.load.empty()) {
    std::fprintf(stderr, "spiral: --save and --load need tapeless built with nlohmann_json\n");
    return 2;
  }
#else
  // [load]
  // Initial parameters from a safetensors file instead of the random ones (drawn all the same, so
  // the mini-batches that follow are those of the run without --load). Names, dtypes (F64, or F32
  // with --float) and shapes must match: fc1.weight [50, 2], fc1.bias [50], fc2.weight [2, 50],
  // fc2.bias [2].
  if (!cfg.load.empty()) {
    if (!load_parameters(cfg.load, params)) return 1;
    print("loaded the initial parameters from %s\n", cfg.load.string().c_str());
  }
  // [/load]
#endif
  run.share(params);  // (MPI) every rank starts from rank 0's parameters
  // The total loss is the root's to compute; only it prints and keeps the best model.
  const auto test_loss = [&](const auto& p) {
    return run.root() ? mean_abs_error(tlo::solve(model, truth[0], tv, p, opt, dopri5), truth) : 0.0;
  };
  double initial = test_loss(params), best = initial, batch_loss = 0;
  std::size_t done = 0, best_it = 0, rhs = 0, since = 0;
  auto best_params = params;

  // [checkpoint]
  // Everything the rest of the run depends on: with it, a resumed run ends exactly where the
  // uninterrupted one does.
  const auto checkpoint_file = cfg.checkpoint / "spiral.ckpt";
  const auto with_state = [&](auto&& f) {
    return f(tl::entry("params", params), tl::entry("optimizer", optimizer),
             tl::entry("rng", gen), tl::entry("iteration", done), tl::entry("window_starts", starts),
             tl::entry("best_params", best_params), tl::entry("best_loss", best),
             tl::entry("best_iteration", best_it), tl::entry("initial_loss", initial),
             tl::entry("evaluations", rhs), tl::entry("since_print", since));
  };
  if (!cfg.checkpoint.empty()) {
    if (run.root()) std::filesystem::create_directories(cfg.checkpoint);
    if (with_state([&](const auto&... e) { return run.load(checkpoint_file, e...); }))
      print("resumed from %s at iteration %zu\n", checkpoint_file.string().c_str(), done);
  }
  // [/checkpoint]
  if (done == 0) print("iter %4d | total loss %.6f\n", 0, initial);
  const std::size_t first = done + 1;
  const auto started = std::chrono::steady_clock::now();
  auto clock = started;
  for (std::size_t it = first; it <= cfg.iterations; ++it) {
    // 20 windows, distinct starts (np.random.choice without replacement)
    std::shuffle(starts.begin(), starts.end(), gen);
    // [batch]
    for (std::size_t b = 0; b < batch_size; ++b)
      for (std::size_t i = 0; i < batch_time; ++i)
        for (std::size_t j = 0; j < 2; ++j) windows[b](i, j) = truth[starts[b] + i][j];
    // One item per window: its own initial state, data and step size; all cores (and, in
    // spiral_mpi, all ranks); the mean gradient is reduced in window order, so it is the same for
    // any number of threads and ranks.
    auto window = [&](std::size_t b) {
      return tlo::item(tlo::loss(tl::mean(tl::abs(Z - Y)), Z, Y = std::cref(windows[b])),
                       truth[starts[b]], window_t);
    };
    const auto r = run.batch(model, batch_size, window, params, opt, dopri5,
                             tlo::batch_options{.threads = threads});
    optimizer.step(params, r.dparams_mean);
    // [/batch]
    batch_loss = double(r.loss_mean);
    rhs += r.stats.forward_rhs + r.stats.backward_rhs + r.stats.reintegration_rhs +
           r.stats.interpolation_evals;
    ++since;
    done = it;
    if (it % test_freq == 0 || it == cfg.iterations) {
      const auto now = std::chrono::steady_clock::now();
      const double secs = std::chrono::duration<double>(now - clock).count();
      const double total = test_loss(params);
      if (total < best) {
        best = total;
        best_it = it;
        best_params = params;
      }
      print("iter %4zu | total loss %.6f | batch loss %.6f | %.1f it/s | %zu evaluations/it\n", it,
            total, batch_loss, double(since) / secs, rhs / since);
      if (run.root()) std::fflush(stdout);
      run.check(params);  // (MPI) the same parameters on every rank, or an exception
      clock = std::chrono::steady_clock::now();
      since = 0;
      rhs = 0;
    }
    if (!cfg.checkpoint.empty() && (it % cfg.checkpoint_every == 0 || it == cfg.iterations))
      with_state([&](const auto&... e) { run.save(checkpoint_file, e...); });
    if (it == cfg.stop_after) {  // as if the job were killed here: no results, no last words
      print("stopped after iteration %zu (--stop-after)\n", it);
      return 0;
    }
  }
  const double train_secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::size_t ran = cfg.iterations + 1 - std::min(first, cfg.iterations + 1);
  print("trained %zu iterations in %.2f s (%.1f it/s, %s)\n", ran, train_secs,
        ran ? double(ran) / train_secs : 0.0, run.describe(threads).c_str());
  print("best total loss %.6f at iteration %zu (from %.6f, %.0f%% lower)\n", best, best_it, initial,
        100.0 * (initial - best) / initial);
#ifdef SPIRAL_SAFETENSORS
  // [save]
  // The parameters at the end of training (not the best ones, which the fit below shows), for
  // --load or for Python (spiral_files.cpp).
  if (!cfg.save.empty() && run.root()) {
    save_parameters(cfg.save, params);
    print("saved the trained parameters to %s\n", cfg.save.string().c_str());
  }
  // [/save]
#endif
  if (!run.root()) return 0;

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
  std::printf("wrote %s\n", shown(csv).c_str());
  std::printf("wrote %s\n", shown(cfg.out / "spiral.gp").c_str());
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0)
    std::printf("gnuplot not found: no plot (install gnuplot, then run gnuplot spiral.gp in %s)\n",
                shown(cfg.out).c_str());
  else if (run_gnuplot(cfg.out))
    std::printf("wrote %s\n", shown(cfg.out / "spiral.png").c_str());
  else
    std::fprintf(stderr, "spiral: gnuplot failed on %s\n",
                 shown(cfg.out / "spiral.gp").c_str());
  return 0;
}
}  // namespace spiral
