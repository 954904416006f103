// std::vector states, Boost.Odeint's everyday state type: as the state of tlo::system under
// Odeint's own integrate functions, and as z0 of solve and odeint_adjoint. Their size is known
// only at run time, so a wrong one is an std::invalid_argument naming the argument and both sizes,
// thrown before any work.
#include <boost/numeric/odeint/integrate/integrate_adaptive.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/odeint/system.hpp>
#include <tapeless/tapeless.hpp>
#include <vector>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto w = tl::var<"w">;
constexpr auto Z = tl::var<"Z", 3, 2>;
// z0' = z1, z1' = -w^2 z0: from (1, 0), z0 = cos(w t), z1 = -w sin(w t).
const auto f = tl::stack(tl::component<1>(z), -w* w* tl::component<0>(z));
}  // namespace

TEST_CASE("tlo::system steps a std::vector state with Odeint's integrate", "[odeint][vector]") {
  const auto sys = tlo::system(f, z, t, w = 2.0);
  std::vector<double> x{1.0, 0.0};
  ode::integrate_adaptive(ode::make_controlled(1e-12, 1e-12, ode::runge_kutta_dopri5<std::vector<double>>{}),
                          sys, x, 0.0, 3.0, 1e-3);
  CHECK(x[0] == Approx(std::cos(6.0)).margin(1e-9));
  CHECK(x[1] == Approx(-2.0 * std::sin(6.0)).margin(1e-9));

  std::vector<double> wrong{1.0, 0.0, 0.0}, dxdt(3);
  try {
    sys(wrong, dxdt, 0.0);
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    CHECK_THAT(e.what(),
               Catch::Contains("system: the state x has 3 elements, but the state symbol has 2"));
  }
}

TEST_CASE("solve and odeint_adjoint take a std::vector z0, its size checked", "[odeint][vector]") {
  const auto model = tlo::ode(f, z, t, tl::wrt(w));
  const std::array<double, 3> times{0.0, 0.5, 1.0};
  const std::vector<double> z0v{1.0, 0.25};
  const tl::vector<double, 2> z0t{{1.0, 0.25}};
  tlo::options opt;
  const auto params = tl::at(w = 2.0);
  const ode::runge_kutta_dopri5<std::array<double, 2>> dopri5;
  CHECK(tlo::solve(model, z0v, times, params, opt, dopri5) ==
        tlo::solve(model, z0t, times, params, opt, dopri5));
  const auto obj = tlo::loss(tl::sum(tl::square(Z)), Z);
  const auto rv = tlo::odeint_adjoint(model, obj, z0v, times, params, opt, dopri5);
  const auto rt = tlo::odeint_adjoint(model, obj, z0t, times, params, opt, dopri5);
  CHECK(rv.loss == rt.loss);
  CHECK(rv.dz0 == rt.dz0);
  CHECK(rv.dparams[w] == rt.dparams[w]);

  const std::vector<double> short_z0{1.0};
  const auto says = Catch::Contains("the initial state z0 has 1 elements, but the state symbol has 2");
  CHECK_THROWS_WITH(tlo::solve(model, short_z0, times, params, opt, dopri5), says);
  CHECK_THROWS_WITH(tlo::odeint_adjoint(model, obj, short_z0, times, params, opt, dopri5), says);
  CHECK_THROWS_AS(tlo::odeint_adjoint(model, obj, short_z0, times, params, opt, dopri5),
                  std::invalid_argument);
  CHECK(short_z0 == std::vector<double>{1.0});
}
