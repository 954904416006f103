#!/bin/sh
# Time per spiral training iteration on 1 and 2 MPI ranks, against one process in the same run:
#   benchmark/mpi_scaling.sh [BUILD_DIR] [ITERATIONS] [ROUNDS]
# Runs, ROUNDS times in turn (so that a busy machine slows every variant alike):
#   spiral --threads 1                         the baseline
#   spiral --threads 2                         one process, two threads
#   mpirun -np 1 spiral_mpi --threads 1        one rank
#   mpirun -np 2 spiral_mpi --threads 1        two ranks, one thread each
# and prints each variant's median ms per iteration and its speed-up over the baseline. Every
# variant prints the same losses; only the time differs.
set -eu
build=${1:-build}
iterations=${2:-300}
rounds=${3:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mpirun="mpirun --oversubscribe --allow-run-as-root -np"
common="--iterations $iterations --seed 1 --out $out"

# ms per iteration of one run: "trained N iterations in S s" -> 1000 S / N
ms_per_iteration() {
  sed -n 's/^trained \([0-9]*\) iterations in \([0-9.]*\) s.*/\1 \2/p' | awk '{ printf "%.4f\n", 1000 * $2 / $1 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

i=0
while [ "$i" -lt "$rounds" ]; do
  "$build/examples/spiral" $common --threads 1 | ms_per_iteration >> "$out/one_thread"
  "$build/examples/spiral" $common --threads 2 | ms_per_iteration >> "$out/two_threads"
  $mpirun 1 "$build/examples/spiral_mpi" $common --threads 1 | ms_per_iteration >> "$out/one_rank"
  $mpirun 2 "$build/examples/spiral_mpi" $common --threads 1 | ms_per_iteration >> "$out/two_ranks"
  i=$((i + 1))
done
base=$(median < "$out/one_thread")
echo "spiral, $iterations iterations, median of $rounds rounds (ms per iteration, speed-up over one thread)"
for v in one_thread two_threads one_rank two_ranks; do
  m=$(median < "$out/$v")
  awk -v name="$v" -v m="$m" -v b="$base" 'BEGIN { printf "  %-12s %7.3f ms  %5.2fx\n", name, m, b / m }'
done
