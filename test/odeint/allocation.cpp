// Heap use of the solver on a model whose tensors live on the heap (tapeless/storage.hpp): every
// global operator new is counted. A right-hand side allocates nothing once the thread's
// workspace exists, and a whole adjoint solve allocates a number of blocks that does not depend
// on how many steps it takes (once the thread's workspaces have grown to the longest solve).
#include <atomic>
#include <boost/numeric/odeint/integrate/integrate_const.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <random>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/system.hpp>
#include <tapeless/tapeless.hpp>

#include "../allocation_counter.hpp"

using allocation_counter::allocations;

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
// Width 600: every hidden vector (4.8 kB) and both matrices are above the inline limit.
constexpr std::size_t H = 600;
static_assert(!tl::detail::is_inline_tensor_v<double, H>);
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto W1 = tl::var<"W1", H, 2>;
constexpr auto b1 = tl::var<"b1", H>;
constexpr auto W2 = tl::var<"W2", 2, H>;
constexpr auto Z = tl::var<"Z", 2, 2>;
using state = std::array<double, 2>;

// A damped rotation plus an MLP correction: it keeps turning, so a longer interval takes
// proportionally more steps.
const auto f = tl::matmul(W2, tl::tanh(tl::matmul(W1, z) + b1)) +
               tl::stack(-1.0 * tl::component<1>(z), tl::component<0>(z));
const auto model = tlo::ode(f, z, t, tl::wrt(W1, b1, W2));

struct weights {
  tl::matrix<double, H, 2> w1;
  tl::vector<double, H> bb1;
  tl::matrix<double, 2, H> w2;
};
weights init() {
  std::mt19937 gen(3);
  std::normal_distribution<double> n(0.0, 0.05);
  weights w;
  for (auto& x : w.w1.data) x = n(gen);
  for (auto& x : w.bb1.data) x = n(gen);
  for (auto& x : w.w2.data) x = n(gen);
  return w;
}

struct counted {
  long allocations;
  std::size_t steps;
};
counted adjoint_allocations(const weights& w, double t1, tlo::adjoint_method m) {
  tlo::options opt;
  opt.rtol = opt.atol = 1e-8;
  opt.method = m;
  opt.dt = 0.01;  // discretize_then_optimize's step; the adaptive ones start from it
  const std::array<double, 2> times{0.0, t1};
  const tl::vector<double, 2> z0{{1.0, 0.0}};
  const long before = allocations.load();
  const auto r = tlo::odeint_adjoint(
      model, tlo::loss(tl::sum(tl::square(Z)), Z), z0, times,
      tl::at(W1 = std::cref(w.w1), b1 = std::cref(w.bb1), W2 = std::cref(w.w2)), opt,
      ode::runge_kutta_dopri5<state>{});
  const long after = allocations.load();
  CHECK(std::isfinite(r.loss));
  return {after - before, r.stats.forward_steps + r.stats.backward_steps};
}
}  // namespace

TEST_CASE("a right-hand side allocates nothing", "[odeint][allocation]") {
  const weights w = init();
  auto sys = tlo::system(f, z, t, tl::at(W1 = std::cref(w.w1), b1 = std::cref(w.bb1),
                                         W2 = std::cref(w.w2)));
  state x{1.0, 0.5}, dxdt{};
  sys(x, dxdt, 0.0);  // the thread's workspace for this sweep is made here, once
  const long before = allocations.load();
  for (int i = 0; i < 100; ++i) sys(x, dxdt, 0.01 * i);
  CHECK(allocations.load() - before == 0);
  CHECK(std::isfinite(dxdt[0]));
  // And a whole fixed-step integration (Odeint's own buffers aside) adds nothing per step.
  const long b2 = allocations.load();
  ode::integrate_const(ode::runge_kutta4<state>{}, sys, x, 0.0, 1.0, 0.01);
  const long a2 = allocations.load();
  ode::integrate_const(ode::runge_kutta4<state>{}, sys, x, 0.0, 10.0, 0.01);
  CHECK(allocations.load() - a2 == a2 - b2);
}

TEST_CASE("allocations per adjoint solve do not grow with the number of steps",
          "[odeint][allocation]") {
  const weights w = init();
  for (auto m : {tlo::adjoint_method::checkpointed, tlo::adjoint_method::backsolve,
                 tlo::adjoint_method::discretize_then_optimize}) {
    CAPTURE(int(m));
    // Warm-up: the thread's workspaces, grown to the longer solve (the checkpointed method keeps
    // the forward pass's states there, one per step, and reuses them from one solve to the next).
    adjoint_allocations(w, 8.0, m);
    const counted short_run = adjoint_allocations(w, 1.0, m);
    const counted long_run = adjoint_allocations(w, 8.0, m);
    CAPTURE(short_run.allocations, long_run.allocations, short_run.steps, long_run.steps);
    CHECK(long_run.steps > 4 * short_run.steps);
    CHECK(long_run.allocations == short_run.allocations);
    // Not zero, not hidden: the solve does allocate its states and results, a bounded number.
    CHECK(short_run.allocations > 0);
    CHECK(short_run.allocations < 200);
  }
}
