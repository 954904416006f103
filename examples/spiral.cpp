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
//   spiral --checkpoint DIR [--checkpoint-every N]
//                          saves the whole training state to DIR/spiral.ckpt every N iterations
//                          (default 100) and at the end; a run that finds one there resumes from
//                          it and ends exactly where the uninterrupted run would
//   spiral --stop-after N  ends the run abruptly after iteration N (to test resuming)
//   spiral --save FILE     writes the trained parameters to FILE, a safetensors file
//                          (fc1.weight, fc1.bias, fc2.weight, fc2.bias; Python's safetensors
//                          and PyTorch read it)
//   spiral --load FILE     starts from the parameters in FILE instead of the random ones
//                          (`--load FILE --iterations 0` evaluates them)
//
// spiral_mpi (spiral_mpi.cpp) is the same training with each mini-batch split across MPI ranks;
// both are spiral_training.hpp.
//
// The total loss (the whole trajectory's mean absolute error, every 20 iterations) swings as
// RMSprop moves; the fit written at the end is the best one seen, as its line says.
//
// Prints progress lines and writes, into DIR (default: the working directory), spiral.csv (t, true
// and fitted trajectory), spiral.gp (a gnuplot script for it) and, when gnuplot is on PATH,
// spiral.png (trajectories over time and the phase portrait).
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <string>
#include <tapeless/odeint.hpp>

#include "spiral_training.hpp"

namespace {
// One process: the batch on this process's threads, checkpoints straight to the file.
struct local_run {
  bool root() const { return true; }
  std::string describe(std::size_t threads) const { return std::to_string(threads) + " threads"; }
  template <class... A>
  auto batch(const A&... a) const {
    return tapeless::odeint::odeint_adjoint_batch(a...);
  }
  template <class P>
  void share(P&) const {}
  template <class P>
  void check(const P&) const {}
  template <class... E>
  void save(const std::filesystem::path& file, const E&... e) const {
    tapeless::save_checkpoint(file, e...);
  }
  template <class... E>
  bool load(const std::filesystem::path& file, const E&... e) const {
    return tapeless::load_checkpoint_if_present(file, e...);
  }
};
}  // namespace

int main(int argc, char** argv) {
  const spiral::settings cfg = spiral::parse(argc, argv, "spiral");
  std::filesystem::create_directories(cfg.out);
  local_run run;
  return cfg.use_float ? spiral::train<float>(cfg, run) : spiral::train<double>(cfg, run);
}
