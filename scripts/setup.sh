#!/bin/sh
# Installs, from Debian's packages only (as root, on Debian bookworm), what tapeless needs:
#   scripts/setup.sh          everything for the tests, examples and benchmarks: g++ and clang,
#                             CMake, Boost (Hana, Odeint), Catch2, Google Benchmark, Boost.MPI
#                             with Open MPI for <tapeless/mpi.hpp>, nlohmann::json for
#                             <tapeless/safetensors.hpp>, Eigen for <tapeless/eigen.hpp>, xsimd
#                             for tapeless::simd, and python3 for the independent check of the
#                             safetensors files
#   scripts/setup.sh --plot   only what the flagship example needs: g++, CMake, Boost, gnuplot
#                             for its PNG, and xsimd for its vectorised tanh
# It says what it installs as it goes: a fresh machine takes a few minutes.
set -eu
export DEBIAN_FRONTEND=noninteractive

# install WHAT PACKAGES...: one group, announced, apt's own output kept out of the way.
install() {
  what=$1
  shift
  echo "setup: installing $what ($*)"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

echo "setup: updating the package lists"
apt-get update -qq
install "the C++ compiler and CMake" cmake make g++
install "Boost (Hana, Odeint)" libboost-dev
if [ "${1:-}" = "--plot" ]; then
  install "gnuplot, which draws the spiral's PNG" gnuplot-nox
  install "xsimd, for the spiral's vectorised tanh" libxsimd-dev
else
  install "clang++, the second compiler the tests run on" clang
  install "the test and benchmark frameworks" catch2 libbenchmark-dev
  install "Boost.MPI and Open MPI, for <tapeless/mpi.hpp>" libboost-mpi-dev openmpi-bin libopenmpi-dev
  install "nlohmann::json and Eigen, for the opt-in file and Eigen headers" nlohmann-json3-dev libeigen3-dev
  install "xsimd, for tapeless::simd's vectorised element-wise math" libxsimd-dev
  install "python3, for the independent check of safetensors files" python3
fi
echo "setup: done"
