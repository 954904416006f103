// The MPI batch of a Neural ODE with matrix and vector parameters: bitwise the single-process
// batch, the tensors flattened and reduced in item order.
#include "common.hpp"

using namespace mpi_test;

TEST_CASE("an MLP's tensor gradients are reduced bitwise too", "[mpi]") {
  constexpr auto y = tl::var<"y", 2>;
  constexpr auto tt = tl::var<"t">;
  constexpr auto W1 = tl::var<"W1", 16, 2>;
  constexpr auto b1 = tl::var<"b1", 16>;
  constexpr auto W2 = tl::var<"W2", 2, 16>;
  constexpr auto Z = tl::var<"Z", 4, 2>;
  const auto mlp = tlo::ode(tl::matmul(W2, tl::tanh(tl::matmul(W1, y) + b1)), y, tt,
                            tl::wrt(W1, b1, W2));
  tl::matrix<double, 16, 2> w1;
  tl::vector<double, 16> bias;
  tl::matrix<double, 2, 16> w2;
  for (std::size_t i = 0; i < 32; ++i) {
    w1.data[i] = 0.3 * std::sin(double(i) + 1.0);
    w2.data[i] = 0.2 * std::cos(3.0 * double(i));
  }
  for (std::size_t i = 0; i < 16; ++i) bias.data[i] = 0.01 * double(i) - 0.05;
  const auto p = tl::at(W1 = w1, b1 = bias, W2 = w2);
  const std::array<double, 4> times{0.0, 0.3, 0.7, 1.0};
  std::vector<vec2> z0s;
  for (std::size_t i = 0; i < 5; ++i) z0s.push_back(vec2{{1.0 - 0.2 * double(i), 0.1 * double(i)}});
  auto item = [&](std::size_t i) {
    return tlo::item(tlo::loss(tl::mean(tl::abs(Z)) * double(i + 1), Z), z0s[i], times);
  };
  const auto single = tlo::odeint_adjoint_batch(mlp, 5, item, p, opts(),
                                                ode::runge_kutta_dopri5<state>{}, {.threads = 2});
  const auto r = tlm::odeint_adjoint_batch(world(), mlp, 5, item, p, opts(),
                                           ode::runge_kutta_dopri5<state>{}, {.threads = 1});
  require_same(r, single);
  CHECK(r.dparams_mean[W1](3, 1) != 0.0);
}

