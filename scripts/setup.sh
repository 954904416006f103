#!/bin/sh
# Install what tapeless needs to build its tests, examples and benchmarks, from Debian's packages
# only (run as root on Debian bookworm): the compilers and CMake, Boost (Hana, Odeint), Catch2,
# Google Benchmark, and Boost.MPI with Open MPI for <tapeless/mpi.hpp>, spiral_mpi and the MPI
# tests, nlohmann::json for <tapeless/safetensors.hpp>, Eigen for <tapeless/eigen.hpp>, and python3 for
# the independent check of the safetensors files.
# `--plot` adds gnuplot, which the spiral example uses to draw its PNG.
set -eu
packages="cmake make g++ clang libboost-dev catch2 libbenchmark-dev"
packages="$packages libboost-mpi-dev openmpi-bin libopenmpi-dev"
packages="$packages nlohmann-json3-dev libeigen3-dev python3"
if [ "${1:-}" = "--plot" ]; then
  packages="$packages gnuplot-nox"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "setup: installed $packages"
