# The Neural ODE adjoint against a hand-written Odeint adjoint (benchmark/adjoint.cpp,
# docs/neural_ode.md). Included from benchmark/CMakeLists.txt; plain C++, no Google Benchmark.
#   build-bench/benchmark/bench_adjoint_O3 [--rounds N]
foreach(level O2 O3)
  set(target bench_adjoint_${level})
  add_executable(${target} ${CMAKE_CURRENT_SOURCE_DIR}/adjoint.cpp)
  target_link_libraries(${target} PRIVATE tapeless::tapeless)
  tapeless_strict(${target})
  target_compile_options(${target} PRIVATE -${level})
  target_compile_definitions(${target} PRIVATE NDEBUG)
endforeach()
add_custom_target(tapeless_adjoint_benchmarks DEPENDS bench_adjoint_O2 bench_adjoint_O3)
