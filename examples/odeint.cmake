# Examples of the Odeint bridge and the Neural ODE adjoint (included from examples/CMakeLists.txt).
# Each is built with the project's warning flags and, with tests on, run as a test on its output.
tapeless_add_example(spiral spiral.cpp EXPECT
  "iter    0 \\| total loss"
  "iter  300 \\| total loss [0-9.]+ \\| batch loss"
  "total loss fell from"
  "wrote .*spiral.csv")
tapeless_add_example(lotka_volterra lotka_volterra.cpp EXPECT
  "recovered: every parameter within [0-1]\\.[0-9]+% of the truth")
tapeless_add_example(stiff stiff.cpp EXPECT
  "rosenbrock4 \\([0-9]+ steps\\)"
  "finite differences: dL/dmu = [-0-9.e+]+ \\(relative difference [0-9.]+e-0[5-9]\\)")
