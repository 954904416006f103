# Examples of the Odeint bridge and the Neural ODE adjoint (included from examples/CMakeLists.txt).
# Each is built with the project's warning flags and, with tests on, run as a test on its output.
# spiral writes its csv and gnuplot script (and, with gnuplot, the png) into --out DIR.
set(spiral_files spiral_out/spiral.csv spiral_out/spiral.gp)
find_program(TAPELESS_GNUPLOT gnuplot)
if(TAPELESS_GNUPLOT)
  list(APPEND spiral_files spiral_out/spiral.png)
endif()
tapeless_add_example(spiral spiral.cpp ARGS --out spiral_out FILES ${spiral_files} EXPECT
  "iter    0 \\| total loss"
  "iter  300 \\| total loss [0-9.]+ \\| batch loss"
  "trained 1000 iterations in [0-9.]+ s"
  "best total loss 0\\.[01][0-9]+ at iteration"
  "wrote .*spiral_out/spiral.csv")
# --save and --load (safetensors files) when nlohmann_json is found: spiral_files.cpp, the one
# translation unit that includes <tapeless/safetensors.hpp>.
function(tapeless_spiral_safetensors target)
  if(TAPELESS_HAVE_SAFETENSORS)
    target_sources(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/spiral_files.cpp)
    target_link_libraries(${target} PRIVATE tapeless::safetensors)
    target_compile_definitions(${target} PRIVATE SPIRAL_SAFETENSORS=1)
  endif()
endfunction()
tapeless_spiral_safetensors(spiral)
# The flagship's element-wise tanh runs vectorised when xsimd is found (docs/simd.md), in spiral
# and spiral_mpi alike: their tests compare the two runs' losses digit for digit.
function(tapeless_spiral_simd target)
  if(TARGET tapeless::simd)
    target_link_libraries(${target} PRIVATE tapeless::simd)
  endif()
endfunction()
tapeless_spiral_simd(spiral)
# The same training in float32, shorter: it must run and learn (the loss falls well below 3).
tapeless_add_example_run(spiral float ARGS --float --iterations 200 --threads 2
  --out spiral_float_out EXPECT
  "Neural ODE spiral \\(float32\\)"
  "best total loss 0\\.[0-9]+ at iteration")
tapeless_add_usage_test(spiral missing_value 2 --seed)
tapeless_add_usage_test(spiral bad_number 2 --iterations 12x)
# lotka_volterra fits the data set shipped as a CSV (what it makes in memory without --data); a
# second test fits an unevenly spaced subset of it (a test of its own: the same example, other data).
# Adam alone ends with gradients of 7.7e-4 and 1.7e-3 and every parameter within 0.093% and 0.52%
# of the truth; L-BFGS polishes that to the least-squares minimum, measured: gradients 1.1e-6 and
# 2.3e-7, within 0.087% and 0.479% (the rest is the data's noise). The tests ask for gradients
# under 1e-5 and errors under 0.1% and 0.5%.
tapeless_add_example(lotka_volterra lotka_volterra.cpp
  ARGS --data ${CMAKE_CURRENT_SOURCE_DIR}/data/lotka_volterra.csv EXPECT
  "data: 21 observations on \\[0, 5\\] from "
  "iter 1000 \\| loss [0-9.]+ \\| alpha [0-9.]+ beta [0-9.]+ gamma [0-9.]+ delta [0-9.]+"
  "L-BFGS: [0-9]+ iterations, [0-9]+ solves, loss 0\\.0112969[0-9]+ -> 0\\.0112968[0-9]+"
  "largest gradient component [0-9.]+e-04 after Adam, [0-9.]+e-(0[6-9]|1[0-9]) after L-BFGS"
  "recovered: every parameter within 0\\.0[0-9][0-9]% of the truth")
tapeless_add_example_run(lotka_volterra uneven
  ARGS --data ${CMAKE_CURRENT_SOURCE_DIR}/data/lotka_volterra_uneven.csv EXPECT
  "data: 12 observations on \\[0, 5\\] from "
  "largest gradient component [0-9.]+e-0[0-9] after Adam, [0-9.]+e-(0[6-9]|1[0-9]) after L-BFGS"
  "recovered: every parameter within 0\\.[0-4][0-9][0-9]% of the truth")
tapeless_add_example(stiff stiff.cpp EXPECT
  "rosenbrock4 \\([0-9]+ steps\\)"
  "observed: forward steps from [0-9.e+-]+ to [0-9.e+-]+, [0-9]+ backward steps"
  "finite differences: dL/dmu = [-0-9.e+]+ \\(relative difference [0-9.]+e-0[5-9]\\)")

# Checkpoints: a run stopped after iteration 50 resumes from its iteration-40 checkpoint and ends
# with the uninterrupted run's losses.
if(TAPELESS_BUILD_TESTS)
  add_test(NAME example_spiral_resume
    COMMAND ${CMAKE_COMMAND} -DMODE=resume -DSPIRAL=$<TARGET_FILE:spiral>
            -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/spiral_compare.cmake)
endif()

# --save then --load: a run that starts from the parameters another run saved at its end prints,
# at iteration 0, that run's last total loss, and saves the same file again.
if(TAPELESS_BUILD_TESTS AND TAPELESS_HAVE_SAFETENSORS)
  add_test(NAME example_spiral_save_load
    COMMAND ${CMAKE_COMMAND} -DMODE=save_load -DSPIRAL=$<TARGET_FILE:spiral>
            -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/spiral_compare.cmake)
endif()

# spiral_mpi: the spiral's mini-batches split across MPI ranks (built when MPI is found). Its
# tests run it under mpirun against spiral: the same losses on 2 ranks, and stopped on 2 ranks and
# resumed on 3.
if(TAPELESS_HAVE_MPI)
  add_executable(spiral_mpi spiral_mpi.cpp)
  target_link_libraries(spiral_mpi PRIVATE tapeless::mpi)
  tapeless_spiral_safetensors(spiral_mpi)
  tapeless_spiral_simd(spiral_mpi)
  tapeless_strict(spiral_mpi)
  tapeless_add_usage_test(spiral_mpi help 0 --help)
  tapeless_add_usage_test(spiral_mpi bad_flag 2 --no-such-flag)
  if(TAPELESS_BUILD_TESTS)
    set(mpiexec ${MPIEXEC_EXECUTABLE} --oversubscribe --allow-run-as-root ${MPIEXEC_NUMPROC_FLAG})
    foreach(mode mpi mpi_resume)
      add_test(NAME example_spiral_${mode}
        COMMAND ${CMAKE_COMMAND} -DMODE=${mode} -DSPIRAL=$<TARGET_FILE:spiral>
                -DSPIRAL_MPI=$<TARGET_FILE:spiral_mpi> "-DMPIEXEC=${mpiexec}"
                -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}
                -P ${CMAKE_CURRENT_SOURCE_DIR}/spiral_compare.cmake)
      set_tests_properties(example_spiral_${mode} PROPERTIES PROCESSORS 2  # (3 ranks oversubscribe)
                           ENVIRONMENT "${TAPELESS_MPI_TEST_ENVIRONMENT}")
    endforeach()
  endif()
endif()
