// The spiral demo (spiral.cpp) with every mini-batch split across MPI ranks: rank r solves its
// block of the 20 windows on its threads, the gradient is reduced in window order across the
// ranks, and every rank takes the same RMSprop step. It prints exactly the progress lines of
// spiral with the same seed and iterations (timings aside), on any number of ranks and threads.
//
//   mpirun -np 2 spiral_mpi --threads 1 [--iterations N] [--seed S] [--out DIR] [--float]
//          [--checkpoint DIR [--checkpoint-every N]] [--stop-after N]
//
// Rank 0 prints, computes the total loss, keeps the best model and writes the files and the
// checkpoint; on a resume it reads the checkpoint and sends it to every rank.
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <string>
#include <tapeless/mpi.hpp>

#include "spiral_training.hpp"

namespace {
// [mpi]
// The ranks of MPI_COMM_WORLD.
struct mpi_run {
  boost::mpi::communicator comm;

  bool root() const { return comm.rank() == 0; }
  std::string describe(std::size_t threads) const {
    return std::to_string(comm.size()) + " ranks x " + std::to_string(threads) + " threads";
  }
  template <class... A>
  auto batch(const A&... a) const {
    return tapeless::mpi::odeint_adjoint_batch(comm, a...);
  }
  template <class P>
  void share(P& params) const {
    tapeless::mpi::broadcast(comm, params);
  }
  template <class P>
  void check(const P& params) const {
    tapeless::mpi::check_same_on_all_ranks(comm, params);
  }
  template <class... E>
  void save(const std::filesystem::path& file, const E&... e) const {
    tapeless::mpi::save_checkpoint(comm, file, e...);
  }
  template <class... E>
  bool load(const std::filesystem::path& file, const E&... e) const {
    return tapeless::mpi::load_checkpoint_if_present(comm, file, e...);
  }
};
// [/mpi]
}  // namespace

int main(int argc, char** argv) {
  // The flags first: --help and a bad flag end the program before MPI starts.
  const spiral::settings cfg = spiral::parse(argc, argv, "spiral_mpi");
  boost::mpi::environment env(argc, argv);
  mpi_run run;
  if (run.root()) std::filesystem::create_directories(cfg.out);
  return cfg.use_float ? spiral::train<float>(cfg, run) : spiral::train<double>(cfg, run);
}
