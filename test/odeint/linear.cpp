// dz/dt = A z, L = sum of z at the observation times: closed forms for dL/dz0 (exp(A^T t) 1) and
// dL/dA (Van Loan's block exponential), relative error at most 1e-9, for every adjoint method.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/tapeless.hpp>

#include "common.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;
using namespace odeint_test;

namespace {
constexpr std::size_t n = 3;
constexpr auto z = tl::var<"z", n>;
constexpr auto t = tl::var<"t">;
constexpr auto A = tl::var<"A", n, n>;
constexpr auto Z = tl::var<"Z", 4, n>;

const tl::matrix<double, n, n> a_val{{-0.3, 1.1, 0.2,   //
                                      -0.9, -0.2, 0.4,  //
                                      0.1, -0.5, -0.6}};
const tl::vector<double, n> z0_val{{1.0, -0.5, 0.25}};
const std::array<double, 4> times{0.0, 0.4, 1.1, 2.0};

mat<n> at() {  // A^T
  mat<n> m{};
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) m[i][j] = a_val(j, i);
  return m;
}

// L = sum_i sum(z(t_i)), z(t) = exp(A t) z0 (t_0 = 0):
//   dL/dz0 = sum_i exp(A^T t_i) 1  (the i = 0 term is 1)
//   dL/dA  = sum_i int_0^{t_i} exp(A^T (t_i - s)) 1 z0^T exp(A^T s) ds, the upper-right block of
//            exp(t_i [[A^T, 1 z0^T], [0, A^T]])  (Van Loan 1978)
//   dL/dt_i = 1 . A z(t_i) (i >= 1),  dL/dt_0 = -sum_{i>=1} (exp(A^T t_i) 1) . A z0
struct closed_form {
  std::array<double, n> dz0{};
  std::array<double, n * n> dA{};
  std::array<double, 4> dt{};
};
closed_form exact() {
  closed_form c;
  c.dz0 = {1.0, 1.0, 1.0};  // row 0 of Z is z0 itself
  for (std::size_t k = 1; k < 4; ++k) {
    mat<n> e{};
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) e[i][j] = at()[i][j] * times[k];
    const mat<n> E = expm(e);
    std::array<double, n> u{};  // exp(A^T t_k) 1
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) u[i] += E[i][j];
    for (std::size_t i = 0; i < n; ++i) c.dz0[i] += u[i];
    mat<2 * n> big{};
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        big[i][j] = big[n + i][n + j] = at()[i][j] * times[k];
        big[i][n + j] = z0_val[j] * times[k];
      }
    const mat<2 * n> B = expm(big);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) c.dA[i * n + j] += B[i][n + j];
    // z(t_k) = exp(A t_k) z0 = (E^T) z0; dL/dt_k = 1 . A z(t_k)
    std::array<double, n> zk{}, azk{}, az0{};
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) zk[i] += E[j][i] * z0_val[j];
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        azk[i] += a_val(i, j) * zk[j];
        az0[i] += a_val(i, j) * z0_val[j];
      }
    for (std::size_t i = 0; i < n; ++i) {
      c.dt[k] += azk[i];
      c.dt[0] -= u[i] * az0[i];
    }
  }
  return c;
}

void check(tlo::adjoint_method method, bool seminorm) {
  const auto model = tlo::ode(tl::matmul(A, z), z, t, tl::wrt(A));
  const auto objective = tlo::loss(tl::sum(Z), Z);
  tlo::options opt;
  opt.rtol = 1e-12;
  opt.atol = 1e-14;
  opt.method = method;
  opt.seminorm = seminorm;
  const auto r = tlo::odeint_adjoint(model, objective, z0_val, times, tl::at(A = a_val), opt,
                                     ode::runge_kutta_dopri5<std::array<double, n>>{});
  const closed_form c = exact();
  CHECK(max_rel_err(r.dz0, c.dz0, n) < 1e-9);
  CHECK(max_rel_err(r.dparams[A], c.dA, n * n) < 1e-9);
  CHECK(max_rel_err(r.dtimes, c.dt, 4) < 1e-9);
  for (std::size_t i = 0; i < n; ++i) CHECK(rel_err(r.dz0[i], c.dz0[i]) < 1e-9);
  // The states are the exact solution too.
  mat<n> e{};
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) e[i][j] = a_val(i, j) * times[3];
  const mat<n> E = expm(e);
  for (std::size_t i = 0; i < n; ++i) {
    double zi = 0;
    for (std::size_t j = 0; j < n; ++j) zi += E[i][j] * z0_val[j];
    CHECK(rel_err(r.states(3, i), zi) < 1e-10);
  }
}
}  // namespace

TEST_CASE("the matrix exponential of the test is exact on a rotation", "[odeint][linear]") {
  const mat<2> m = expm(mat<2>{{{0.0, 2.0}, {-2.0, 0.0}}});
  CHECK(rel_err(m[0][0], std::cos(2.0)) < 1e-14);
  CHECK(rel_err(m[0][1], std::sin(2.0)) < 1e-14);
}

TEST_CASE("linear ODE: checkpointed adjoint against the closed form", "[odeint][linear]") {
  check(tlo::adjoint_method::checkpointed, false);
}
TEST_CASE("linear ODE: backsolve adjoint against the closed form", "[odeint][linear]") {
  check(tlo::adjoint_method::backsolve, false);
}
TEST_CASE("linear ODE: checkpointed adjoint with the seminorm against the closed form",
          "[odeint][linear]") {
  check(tlo::adjoint_method::checkpointed, true);
}
