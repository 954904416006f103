// Catch2's main for the MPI tests: MPI is set up before the tests run and shut down after.
#define CATCH_CONFIG_RUNNER
#include <boost/mpi/environment.hpp>
#include <catch2/catch.hpp>

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  return Catch::Session().run(argc, argv);
}
