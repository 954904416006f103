# The Neural ODE adjoint against a hand-written Odeint adjoint (benchmark/adjoint.cpp: the spiral
# MLP 2-50-2; benchmark/adjoint_wide.cpp: a 2-256-256-2 tanh MLP; docs/neural_ode.md). Included
# from benchmark/CMakeLists.txt; plain C++, no Google Benchmark.
#   build-bench/benchmark/bench_adjoint_O3 [--rounds N]
#   build-bench/benchmark/bench_adjoint_wide_O3 [--rounds N]
foreach(name adjoint adjoint_wide)
  foreach(level O2 O3)
    tapeless_benchmark(bench_${name}_${level} ${CMAKE_CURRENT_SOURCE_DIR}/${name}.cpp ${level}
                       tapeless::tapeless)
  endforeach()
endforeach()
# With tapeless::simd, bench_adjoint_simd_O2/O3: tapeless's tanh on SIMD kernels, the
# hand-written side still on glibc's scalar tanh (the issue's baseline).
if(TARGET tapeless::simd)
  foreach(level O2 O3)
    tapeless_benchmark(bench_adjoint_simd_${level} ${CMAKE_CURRENT_SOURCE_DIR}/adjoint.cpp ${level}
                       tapeless::simd)
  endforeach()
endif()
add_custom_target(tapeless_adjoint_benchmarks
  DEPENDS bench_adjoint_O2 bench_adjoint_O3 bench_adjoint_wide_O2 bench_adjoint_wide_O3)
