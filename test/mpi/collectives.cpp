// Parameters broadcast from rank 0 agree on every rank; checkpoints are written by rank 0 and
// restored on every rank, and a bad one is an error on every rank.
#include "common.hpp"

using namespace mpi_test;

TEST_CASE("parameters broadcast from rank 0 agree on every rank", "[mpi]") {
  const auto comm = world();
  constexpr auto W = tl::var<"W", 2, 3>;
  auto p = tl::at(W = tl::matrix<double, 2, 3>::filled(double(comm.rank())), alpha = 0.5 + comm.rank());
  if (comm.size() > 1) CHECK_THROWS_AS(tlm::check_same_on_all_ranks(comm, p), std::logic_error);
  tlm::broadcast(comm, p);
  CHECK(p[W] == tl::matrix<double, 2, 3>::filled(0.0));
  CHECK(p[alpha] == 0.5);
  CHECK_NOTHROW(tlm::check_same_on_all_ranks(comm, p));
}

TEST_CASE("checkpoints: written by rank 0, restored on every rank, errors on every rank", "[mpi]") {
  const auto comm = world();
  std::string dir_name = std::filesystem::temp_directory_path() / "tapeless_mpi_ckpt_";
  if (comm.rank() == 0) dir_name += std::to_string(::getpid());
  tlm::detail::broadcast_string(comm, dir_name, 0);
  const std::filesystem::path dir = dir_name;
  if (comm.rank() == 0) std::filesystem::create_directories(dir);
  const auto file = dir / "state.ckpt";
  auto p = tl::at(alpha = 2.5, beta = -1.0);
  long iteration = 17;

  auto q = tl::at(alpha = 0.0, beta = 0.0);
  long it = 0;
  CHECK_FALSE(tlm::load_checkpoint_if_present(comm, file, tl::entry("p", q), tl::entry("it", it)));
  tlm::save_checkpoint(comm, file, tl::entry("p", p), tl::entry("it", iteration));
  CHECK(tlm::load_checkpoint_if_present(comm, file, tl::entry("p", q), tl::entry("it", it)));
  CHECK(q[alpha] == 2.5);
  CHECK(it == 17);

  if (comm.rank() == 0) {
    std::string bytes = tl::read_checkpoint_bytes(file);
    std::ofstream(file, std::ios::binary) << bytes.substr(0, bytes.size() - 3);
  }
  q[alpha] = 0.0;
  CHECK_THROWS_WITH(tlm::load_checkpoint_if_present(comm, file, tl::entry("p", q),
                                                     tl::entry("it", it)),
                    Catch::Contains("truncated"));
  CHECK(q[alpha] == 0.0);
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove_all(dir);
}

