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
  "total loss fell from"
  "wrote .*spiral_out/spiral.csv")
tapeless_add_usage_test(spiral missing_value 2 --seed)
tapeless_add_usage_test(spiral bad_number 2 --iterations 12x)
tapeless_add_example(lotka_volterra lotka_volterra.cpp EXPECT
  "recovered: every parameter within [0-1]\\.[0-9]+% of the truth")
tapeless_add_example(stiff stiff.cpp EXPECT
  "rosenbrock4 \\([0-9]+ steps\\)"
  "finite differences: dL/dmu = [-0-9.e+]+ \\(relative difference [0-9.]+e-0[5-9]\\)")
