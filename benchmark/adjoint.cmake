# The Neural ODE adjoint against a hand-written Odeint adjoint (benchmark/adjoint.cpp: the spiral
# MLP 2-50-2; benchmark/adjoint_wide.cpp: a 2-256-256-2 tanh MLP; docs/neural_ode.md). Included
# from benchmark/CMakeLists.txt; plain C++, no Google Benchmark.
#   build-bench/benchmark/bench_adjoint_O3 [--rounds N]
#   build-bench/benchmark/bench_adjoint_wide_O3 [--rounds N]
foreach(name adjoint adjoint_wide)
  foreach(level O2 O3)
    set(target bench_${name}_${level})
    add_executable(${target} ${CMAKE_CURRENT_SOURCE_DIR}/${name}.cpp)
    target_link_libraries(${target} PRIVATE tapeless::tapeless)
    tapeless_strict(${target})
    target_compile_options(${target} PRIVATE -${level})
    target_compile_definitions(${target} PRIVATE NDEBUG)
  endforeach()
endforeach()
add_custom_target(tapeless_adjoint_benchmarks
  DEPENDS bench_adjoint_O2 bench_adjoint_O3 bench_adjoint_wide_O2 bench_adjoint_wide_O3)
