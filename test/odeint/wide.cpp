// A Neural ODE of real width, 2-512-512-2 with tanh, whose tensors do not fit on a thread's stack
// (W2 alone is 2 MB, the augmented state over 2 MB, a_theta as large): the adjoint gradient is
// computed in a thread whose stack is 1 MB and checked against central finite differences of the
// forward solve. The storage policy (tapeless/storage.hpp) is what makes this run at all.
#include <pthread.h>

#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <exception>
#include <memory>
#include <random>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>

#include "common.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr std::size_t H = 512;
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto W1 = tl::var<"W1", H, 2>;
constexpr auto b1 = tl::var<"b1", H>;
constexpr auto W2 = tl::var<"W2", H, H>;
constexpr auto b2 = tl::var<"b2", H>;
constexpr auto W3 = tl::var<"W3", 2, H>;
constexpr auto b3 = tl::var<"b3", 2>;
constexpr auto Z = tl::var<"Z", 3, 2>;
using state = std::array<double, 2>;

const auto model = tlo::ode(
    tl::matmul(W3, tl::tanh(tl::matmul(W2, tl::tanh(tl::matmul(W1, z) + b1)) + b2)) + b3, z, t,
    tl::wrt(W1, b1, W2, b2, W3, b3));
// A smooth loss of every observation, so central differences are accurate.
const auto loss_expr = tl::sum(tl::square(Z)) + tl::sum(Z);

// Heap-held weights: the test itself must not put them on the small stack either.
struct weights {
  tl::matrix<double, H, 2> w1;
  tl::vector<double, H> bb1;
  tl::matrix<double, H, H> w2;
  tl::vector<double, H> bb2;
  tl::matrix<double, 2, H> w3;
  tl::vector<double, 2> bb3;
};
std::unique_ptr<weights> init() {
  auto w = std::make_unique<weights>();
  std::mt19937 gen(11);
  // PyTorch's default scale, 1/sqrt(fan_in): the dynamics are neither trivial nor explosive.
  auto fill = [&](auto& x, double fan_in) {
    std::uniform_real_distribution<double> u(-1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in));
    for (auto& v : x.data) v = u(gen);
  };
  fill(w->w1, 2);
  fill(w->bb1, 2);
  fill(w->w2, H);
  fill(w->bb2, H);
  fill(w->w3, H);
  fill(w->bb3, H);
  return w;
}
const std::array<double, 3> times{0.0, 0.4, 1.0};
const tl::vector<double, 2> z0{{0.5, -0.3}};

auto bindings(const weights& w) {
  return tl::at(W1 = std::cref(w.w1), b1 = std::cref(w.bb1), W2 = std::cref(w.w2),
                b2 = std::cref(w.bb2), W3 = std::cref(w.w3), b3 = std::cref(w.bb3));
}

double loss_of(const weights& w, const tl::vector<double, 2>& zz) {
  tlo::options o;
  o.rtol = 1e-12;
  o.atol = 1e-12;
  const auto s = tlo::solve(model, zz, times, bindings(w), o, ode::runge_kutta_dopri5<state>{});
  return tl::eval(loss_expr, Z = s);
}

// Runs fn in a thread with a stack of `bytes`; rethrows what it threw.
template <class Fn>
void on_small_stack(std::size_t bytes, Fn fn) {
  struct job {
    Fn fn;
    std::exception_ptr error;
  } j{std::move(fn), nullptr};
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, bytes) == 0);
  pthread_t th;
  auto body = [](void* p) -> void* {
    auto* jj = static_cast<job*>(p);
    try {
      jj->fn();
    } catch (...) {
      jj->error = std::current_exception();
    }
    return nullptr;
  };
  REQUIRE(pthread_create(&th, &attr, body, &j) == 0);
  REQUIRE(pthread_join(th, nullptr) == 0);
  pthread_attr_destroy(&attr);
  if (j.error) std::rethrow_exception(j.error);
}
}  // namespace

TEST_CASE("2-512-512-2 Neural ODE: adjoint on a 1 MB stack against finite differences",
          "[odeint][wide]") {
  const auto w = init();
  tlo::options opt;
  opt.rtol = 1e-10;
  opt.atol = 1e-10;
  // The result is made in the small thread; what the test compares afterwards is copied out.
  struct picked {
    double loss, dz0, w1, b1, w2a, w2b, b2, w3, b3;
  } got{};
  on_small_stack(std::size_t{1} << 20, [&] {
    const auto r = tlo::odeint_adjoint(model, tlo::loss(loss_expr, Z), z0, times, bindings(*w),
                                       opt, ode::runge_kutta_dopri5<state>{});
    got = {r.loss,           r.dz0[1],          r.dparams[W1](7, 1), r.dparams[b1][300],
           r.dparams[W2](3, 500), r.dparams[W2](511, 0), r.dparams[b2][42], r.dparams[W3](1, 100),
           r.dparams[b3][0]};
  });

  CHECK(odeint_test::rel_err(got.loss, loss_of(*w, z0)) < 1e-9);
  const double h = 1e-5;
  auto fd = [&](auto weights::*m, std::size_t i) {
    auto up = std::make_unique<weights>(*w), dn = std::make_unique<weights>(*w);
    ((*up).*m)[i] += h;
    ((*dn).*m)[i] -= h;
    return (loss_of(*up, z0) - loss_of(*dn, z0)) / (2 * h);
  };
  auto zd = z0, zu = z0;
  zu[1] += h;
  zd[1] -= h;
  const double fd_z = (loss_of(*w, zu) - loss_of(*w, zd)) / (2 * h);
  // Central differences of a 1e-12-accurate solve: errors near 1e-7 relative at worst.
  CHECK(got.dz0 == Approx(fd_z).epsilon(1e-6));
  CHECK(got.w1 == Approx(fd(&weights::w1, 7 * 2 + 1)).epsilon(1e-5));
  CHECK(got.b1 == Approx(fd(&weights::bb1, 300)).epsilon(1e-5));
  CHECK(got.w2a == Approx(fd(&weights::w2, 3 * H + 500)).epsilon(1e-5));
  CHECK(got.w2b == Approx(fd(&weights::w2, 511 * H + 0)).epsilon(1e-5));
  CHECK(got.b2 == Approx(fd(&weights::bb2, 42)).epsilon(1e-5));
  CHECK(got.w3 == Approx(fd(&weights::w3, 1 * H + 100)).epsilon(1e-5));
  CHECK(got.b3 == Approx(fd(&weights::bb3, 0)).epsilon(1e-6));
  // Nothing the caller owns was written: the parameters are still the ones it made.
  const auto again = init();
  CHECK(w->w2 == again->w2);
}
